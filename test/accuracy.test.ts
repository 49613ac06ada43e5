// Accuracy against the two real vLLM validation runs of the reference (README §8).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAccuracy } from '../bench/accuracy.js';
import { vllmRequestStats } from '../bench/accuracyVllm.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';

const EXAMPLES = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'bench', 'examples');
const haveRef = existsSync(EXAMPLES);

function summaryColumn(file: string, column: 'vllm' | 'sim'): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(TTFT|TPOT|Latency) (Mean|Median|P90|P95|P99)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, Number(column === 'vllm' ? m[3] : m[4]));
  }
  return out;
}

describe.skipIf(!haveRef)('vLLM side of the validation runs (reference ../shared absent → skipped)', () => {
  for (const hw of ['RTX4090', 'RTXPRO6000']) {
    it(`${hw}: requests.jsonl reproduces summary.txt's vLLM column`, () => {
      const dir = join(EXAMPLES, hw, 'Llama-3.1-8B');
      const s = vllmRequestStats(join(dir, 'vllm', 'requests.jsonl'));
      expect(s.requests).toBe(300);
      const want = summaryColumn(join(dir, 'validation', 'summary.txt'), 'vllm');
      expect(want.size).toBe(15);
      for (const [metric, st] of [['TTFT', s.ttftMs], ['TPOT', s.tpotMs], ['Latency', s.e2eMs]] as const) {
        for (const [label, k] of [['Mean', 'mean'], ['Median', 'median'], ['P90', 'p90'], ['P95', 'p95'], ['P99', 'p99']] as const) {
          expect(Math.abs(st[k] - want.get(`${metric} ${label}`)!), `${metric} ${label}`).toBeLessThanOrEqual(0.05 + 1e-9);
        }
      }
    });
  }
});

// The bound each run reaches today (worst |sim − vLLM| / vLLM over the 15 rows). RTX4090 (KV-bound, calibrated
// mem_util) meets the 2 % goal on every row; RTXPRO6000's TTFT is 2–8.6 % low, exactly as LLMServingSim 2.0's own
// summary.txt reports (the simulator is ~1 % fast on decode and its queue of 128-request batches drains early).
const BOUND_PCT: Record<string, { all: number; tpot: number; latency: number }> = {
  RTX4090: { all: 1.0, tpot: 1.0, latency: 1.0 },
  RTXPRO6000: { all: 8.7, tpot: 1.1, latency: 1.9 },
};

describe.skipIf(!haveRef)('simulated vs vLLM (reference ../shared absent → skipped)', () => {
  for (const hw of ['RTX4090', 'RTXPRO6000']) {
    it(`${hw}: every row within its bound, and the sim column equals LLMServingSim 2.0's (compat llmservingsim2)`, async () => {
      const r = await runAccuracy(hw, 'llmservingsim2');
      expect(r.rows).toHaveLength(15);
      const b = BOUND_PCT[hw];
      for (const row of r.rows) {
        const label = `${row.metric} ${row.stat}: sim ${row.simMs.toFixed(1)} vs vLLM ${row.vllmMs.toFixed(1)} (${row.diffPct.toFixed(2)}%)`;
        expect(Math.abs(row.diffPct), label).toBeLessThanOrEqual(b.all);
        if (row.metric === 'TPOT') expect(Math.abs(row.diffPct), label).toBeLessThanOrEqual(b.tpot);
        if (row.metric === 'Latency') expect(Math.abs(row.diffPct), label).toBeLessThanOrEqual(b.latency);
      }
      const llmss = summaryColumn(join(EXAMPLES, hw, 'Llama-3.1-8B', 'validation', 'summary.txt'), 'sim');
      for (const row of r.rows) expect(Math.abs(row.simMs - llmss.get(`${row.metric} ${row.stat}`)!), `${row.metric} ${row.stat}`).toBeLessThanOrEqual(0.05 + 1e-9);
    });
  }
});

// compat 'vllm' (src/serving/vllmMode.ts: async scheduling's admission lag, and the step time calibrated on the
// RTX PRO 6000 run's per-request TPOT, not on these rows). The goal is 2 % on all 30 rows; the bounds are what each run
// reaches (worst row: RTX4090 1.16 %, TPOT P99; RTXPRO6000 0.77 %, TTFT P90 / median).
const VLLM_BOUND_PCT: Record<string, number> = { RTX4090: 1.2, RTXPRO6000: 0.8 };

describe.skipIf(!haveRef)('simulated (compat vllm) vs vLLM (reference ../shared absent → skipped)', () => {
  for (const hw of ['RTX4090', 'RTXPRO6000']) {
    it(`${hw}: every TTFT/TPOT/E2E row within ${VLLM_BOUND_PCT[hw]} % of vLLM 0.19`, async () => {
      const r = await runAccuracy(hw, 'vllm');
      expect(r.rows).toHaveLength(15);
      for (const row of r.rows) {
        const label = `${row.metric} ${row.stat}: sim ${row.simMs.toFixed(1)} vs vLLM ${row.vllmMs.toFixed(1)} (${row.diffPct.toFixed(2)}%)`;
        expect(Math.abs(row.diffPct), label).toBeLessThanOrEqual(VLLM_BOUND_PCT[hw]);
      }
    });
  }
});
