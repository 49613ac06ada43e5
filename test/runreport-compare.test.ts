// `sim compare` of the simulated and the measured RTX4090 run prints the same latency differences as the accuracy
// bench: both are (sim − measured)/measured, computed here independently from the two reports' own figures.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAccuracy, REFERENCE_ROOT } from '../bench/accuracy.js';
import { simulateImpact } from '../src/energy/simulatedRunReport.js';
import { importLlmServingSimBench } from '../src/measured/llmServingSimBench.js';
import { compareRunReports } from '../src/report/runReport.js';

const dir = join(REFERENCE_ROOT, 'bench', 'examples', 'RTX4090', 'Llama-3.1-8B');
const haveReference = existsSync(dir);

describe.skipIf(!haveReference)('sim compare: simulated RTX4090 run against its vLLM measurement', () => {
  it('TTFT, TPOT and E2E mean/P99 differences equal the accuracy bench rows', async () => {
    const { report: simulated } = await simulateImpact({
      clusterConfig: join(dir, 'config.json'),
      workload: { kind: 'file', path: join(REFERENCE_ROOT, 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl'), numReqs: 300 },
      dtype: 'bfloat16',
      knobs: { maxNumSeqs: 256, maxNumBatchedTokens: 2048 },
      perfModels: join(REFERENCE_ROOT, 'profiler', 'perf'),
      compat: 'vllm',
    });
    const measured = importLlmServingSimBench(join(dir, 'vllm', 'requests.jsonl'));
    const rows = compareRunReports(simulated, measured);
    const bench = await runAccuracy('RTX4090', 'vllm');
    const pairs: [string, string, string][] = [
      ['TTFT mean', 'TTFT', 'Mean'],
      ['TTFT P99', 'TTFT', 'P99'],
      ['TPOT mean', 'TPOT', 'Mean'],
      ['TPOT P99', 'TPOT', 'P99'],
      ['E2E mean', 'Latency', 'Mean'],
      ['E2E P99', 'Latency', 'P99'],
    ];
    for (const [name, metric, stat] of pairs) {
      const row = rows.find((r) => r.name === name);
      const benchRow = bench.rows.find((r) => r.metric === metric && r.stat === stat);
      expect(row, name).toBeDefined();
      expect(benchRow, `${metric} ${stat}`).toBeDefined();
      // Same sign and size to 0.01 percentage points (report figures are rounded to 0.1 µs).
      expect(row!.diffPct!, name).toBeCloseTo(benchRow!.diffPct, 2);
    }
  });
});
