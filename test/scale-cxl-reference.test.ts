// Weights on CXL memory against LLMServingSim 2.0's own CXL example (reference README §2.4, §7.3):
// configs/cluster/single_node_cxl_instance.json puts Llama-3.1-8B's blocks and its embedding / final_layernorm /
// lm_head on cxl:0 … cxl:3 (60 GB/s, 250 ns each); outputs/example_cxl_run.csv is what LLMServingSim wrote for
// workloads/example_trace.jsonl. Reads ../shared/reference at test time; skips if it is absent.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, REFERENCE_ROOT, runClusterExample } from '../bench/cluster-examples.js';
import { CostModel } from '../src/cost/costModel.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { loadClusterConfig } from '../src/scenario/cluster.js';
import { resolveHardware } from '../src/scenario/hardware.js';
import { resolveModel } from '../src/scenario/model.js';
import { sim } from './cli-harness.js';

const haveRef = existsSync(join(REFERENCE_ROOT, 'outputs', 'example_cxl_run.csv'));
const haveAddon = existsSync(join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node'));
const CONFIG = join(REFERENCE_ROOT, 'configs', 'cluster', EXAMPLES.cxl.config);

describe.skipIf(!haveRef || !haveAddon)(`CXL weight placement vs LLMServingSim 2.0 example_cxl_run.csv (needs ${REFERENCE_ROOT})`, () => {
  it("a lone 10-token prefill: cxl:3's queue (13 blocks, then lm_head) gates the iteration, as request 0's TTFT", async () => {
    // By hand, at 60 bytes/ns and 250 ns per load: one block's six loads (2 layernorms of 8,192 B, qkv_proj
    // 50,331,648 B, o_proj 33,554,432 B, gate_up_proj 234,881,024 B, down_proj 117,440,512 B) take
    // 2 x 386 + 839,110 + 559,490 + 3,914,933 + 1,957,591 = 7,271,896 ns; lm_head's 1,050,673,152 B take 17,511,469 ns.
    // cxl:3 holds blocks 11-23 and lm_head: its last load ends at 13 x 7,271,896 + 17,511,469 = 112,046,117 ns, long
    // after the rest of the walk; then lm_head and sampler at one sequence (714.006 us, 24.746 us in the bundle) and a
    // store of 40 B at 256 B/ns (0 ns).
    const expected = 13 * 7_271_896 + 17_511_469 + 714_006 + 24_746;
    const cfg = await loadClusterConfig(CONFIG, { resolveModel: () => resolveModel(join(REFERENCE_ROOT, 'configs', 'model', 'meta-llama', 'Llama-3.1-8B.json')) });
    const inst = cfg.instances[0];
    const cost = await CostModel.load({
      model: inst.model,
      hardware: resolveHardware(inst.hardware),
      weightDtype: 'bf16',
      kvDtype: 'bf16',
      tp: 1,
      perfBundle: join(REFERENCE_ROOT, 'profiler', 'perf', 'RTXPRO6000', 'meta-llama', 'Llama-3.1-8B', 'bf16'),
      hostMem: { bandwidthGBps: 256, latencyNs: 0 },
      weightPlacement: { locations: inst.resolvedPlacement!.weights, numBlocks: 32, cxl: { bandwidthGBps: 60, latencyNs: 250, numDevices: 4 } },
    });
    cost.newTokens[0] = 10;
    cost.computedBefore[0] = 0;
    expect(cost.iterate(1)).toBe(expected);
    // LLMServingSim: request 0 (10 prompt tokens) arrives alone and its first token ends that iteration.
    const row0 = readFileSync(join(REFERENCE_ROOT, 'outputs', 'example_cxl_run.csv'), 'utf8').split('\n').find((l) => l.startsWith('0,0,'))!;
    expect(Number(row0.split(',')[9])).toBe(expected);
  });

  it('sim run of the example reproduces every row to the ns (order, end, latency, queuing delay, TTFT, TPOT, ITL)', async () => {
    const r = await runClusterExample('cxl');
    expect(r.ourRequests).toBe(10);
    expect(r.ourMakespanNs).toBe(r.theirMakespanNs);
    expect(r.exact).toBe(true);
  });

  it("`sim run` with LLMServingSim's command line writes its CSV byte for byte", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'servesim-cxl-')), 'cxl.csv');
    const r = await sim([
      'run', '--cluster-config', CONFIG, '--dataset', join(REFERENCE_ROOT, 'workloads', 'example_trace.jsonl'), '--output', out, '--num-reqs', '10',
      '--dtype', 'bfloat16', '--block-size', '16', '--compat', 'llmservingsim2', '--perf-models', join(REFERENCE_ROOT, 'profiler', 'perf'), '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/placement/);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(REFERENCE_ROOT, 'outputs', 'example_cxl_run.csv'), 'utf8'));
  });
});
