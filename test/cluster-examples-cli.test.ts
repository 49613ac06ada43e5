// `sim run` of LLMServingSim 2.0's documented multi-instance examples (reference README §7.3: example_trace.jsonl,
// --dtype bfloat16 --block-size 16 --num-reqs 10, RTX PRO 6000 Llama-3.1-8B, plus each example's own flags) must
// write LLMServingSim's outputs/example_*_run.csv byte for byte: rows per instance in completion order, every time to
// the ns. Idle instances are polled at the layer ends of busy ones (src/cost/layerEvents.ts), as LLMServingSim's
// backend does. Reads ../shared/reference at test time; skips if it is absent.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { parseRequestsCsv, type RequestRow } from '../src/report/requestsCsv.js';
import { sim } from './cli-harness.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const haveRef = existsSync(join(REF, 'outputs'));
const haveAddon = existsSync(join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node'));

// LLMServingSim ran the prefix examples with --enable-prefix-sharing --prefix-storage CPU. ServeSim has no shared
// per-node pool (each instance keeps its own CPU tier) and refuses --enable-prefix-sharing; on this workload the pool
// serves no hit (example_prefix_cpu_mem_pool_run.csv is byte-identical to example_multi_run.csv), so
// --prefix-storage CPU alone gives the same rows.
const EXAMPLES: { name: string; config: string; flags?: string[] }[] = [
  { name: 'multi', config: 'single_node_multi_instance.json' },
  { name: 'pd', config: 'single_node_pd_instance.json' },
  { name: 'prefix_cpu_mem_pool', config: 'single_node_multi_instance.json', flags: ['--prefix-storage', 'CPU'] },
  { name: 'dual_prefix_cpu_mem_pool', config: 'dual_node_multi_instance.json', flags: ['--prefix-storage', 'CPU'] },
  // one instance over 4 (pp 4) and 2 x 2 (tp 2, pp 2) GPUs: its start NPU is polled at the events of its stages
  { name: 'pp', config: 'single_node_pp_instance.json' },
  { name: 'tp_pp', config: 'single_node_tp_pp_instance.json' },
];

describe.skipIf(!haveRef || !haveAddon)(`multi-instance examples through sim run (needs ${REF} and the built addon)`, () => {
  const dir = haveRef ? mkdtempSync(join(tmpdir(), 'servesim-cluster-examples-')) : '';
  for (const ex of EXAMPLES) {
    it(`outputs/example_${ex.name}_run.csv byte for byte`, async () => {
      const out = join(dir, `${ex.name}.csv`);
      const r = await sim([
        'run', '--cluster-config', join(REF, 'configs', 'cluster', ex.config), '--dataset', join(REF, 'workloads', 'example_trace.jsonl'),
        '--dtype', 'bfloat16', '--block-size', '16', '--num-reqs', '10', '--perf-models', join(REF, 'profiler', 'perf'),
        '--compat', 'llmservingsim2', '--output', out, '--quiet', ...(ex.flags ?? []),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const theirs = readFileSync(join(REF, 'outputs', `example_${ex.name}_run.csv`), 'utf8');
      // More than one instance wrote rows (else the grouping is not exercised).
      if (!['pd', 'pp', 'tp_pp'].includes(ex.name)) expect(new Set(theirs.split('\r\n').slice(1, -1).map((l) => l.split(',')[0])).size).toBeGreaterThan(1);
      expect(readFileSync(out, 'utf8')).toBe(theirs);
    });
  }
});

describe.skipIf(!haveRef || !haveAddon)(`the DP-group example through sim run (needs ${REF} and the built addon)`, () => {
  it('example_dp_run.csv: every row, end, latency, TTFT, TPOT and ITL to the ns; queuing delays never earlier', async () => {
    // Two tp-2 members of dp_group A step together, each padded to the group's largest total_len with dummy decodes
    // (one more sequence each for lm_head/sampler). LLMServingSim stamps a member's queuing delay when it builds its
    // batch, which may be before the round starts (its barrier waits for the other member); ServeSim builds every
    // member's batch when the round starts, so on 3 of the 10 rows its queuing delay is later.
    const out = join(mkdtempSync(join(tmpdir(), 'servesim-dp-example-')), 'dp.csv');
    const r = await sim([
      'run', '--cluster-config', join(REF, 'configs', 'cluster', 'single_node_dp_instance.json'), '--dataset', join(REF, 'workloads', 'example_trace.jsonl'),
      '--dtype', 'bfloat16', '--block-size', '16', '--num-reqs', '10', '--perf-models', join(REF, 'profiler', 'perf'),
      '--compat', 'llmservingsim2', '--output', out, '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rows = (file: string) => {
      const got: RequestRow[] = [];
      parseRequestsCsv(readFileSync(file, 'utf8'), file, (row) => got.push({ ...row, itlNs: Array.from(row.itlNs) }));
      return got;
    };
    const ours = rows(out);
    const theirs = rows(join(REF, 'outputs', 'example_dp_run.csv'));
    const withoutQueuing = (rs: RequestRow[]) => rs.map(({ queuingDelayNs: _, ...rest }) => rest);
    expect(withoutQueuing(ours)).toEqual(withoutQueuing(theirs));
    theirs.forEach((t, i) => expect(ours[i].queuingDelayNs).toBeGreaterThanOrEqual(t.queuingDelayNs));
  });
});
