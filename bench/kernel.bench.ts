// Cost of one CostModel.iterate() (one native call) for a batch of 256 decodes + one 2048-token prefill chunk,
// on the RTX 4090 profile bundle, the RTX PRO 6000 bundle (skew correction on) and the roofline. Goal <= 2 µs.
// The machine's load average is printed too: on a shared machine the figures move with it.
// Run: npm run bench:kernel
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { CostModel, type CostModelOptions } from '../src/cost/costModel.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import type { HardwareSpec, ModelArch } from '../src/scenario/types.js';

const CALLS_PER_TASK = 1000;
const GOAL_NS = 2000;
const perfRoot = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'profiler', 'perf');

const llama8b: ModelArch = {
  name: 'llama-3.1-8b', hfId: 'meta-llama/Llama-3.1-8B', modelType: 'llama', hiddenSize: 4096, numLayers: 32,
  numHeads: 32, numKvHeads: 8, headDim: 128, intermediateSize: 14336, vocabSize: 128256,
  maxPositionEmbeddings: 131072, tieWordEmbeddings: false, torchDtype: 'bf16',
};
const gpu = (name: string, bf16: number, bw: number): HardwareSpec => ({
  name, vendor: 'NVIDIA', class: 'consumer', peakTflops: { fp32: bf16 / 2, fp16: bf16, bf16 }, memBandwidthGBps: bw,
  memCapacityGiB: 24, memType: 'GDDR', tdpW: 450, interconnect: { pcieGBps: 32 }, sources: {},
});

function fillMixedBatch(cm: CostModel): number {
  for (let i = 0; i < 256; i++) {
    cm.newTokens[i] = 1;
    cm.computedBefore[i] = 200 + ((i * 977) % 6000); // heterogeneous decode lengths (exercises the skew path)
  }
  cm.newTokens[256] = 2048;
  cm.computedBefore[256] = 1024;
  return 257;
}

async function main(): Promise<void> {
  const base = { model: llama8b, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, hostMem: { bandwidthGBps: 50, latencyNs: 0 } } as const;
  const cases: [string, CostModelOptions][] = [
    ['roofline (RTX4090 spec)', { ...base, hardware: gpu('RTX4090', 165.2, 1008) }],
    // parallelism adds per-stage times and sends to the same single call
    ['roofline tp2 pp4 (RTX4090 spec)', { ...base, hardware: gpu('RTX4090', 165.2, 1008), tp: 2, pp: 4, link: { bandwidthGBps: 16, latencyNs: 1000 } }],
  ];
  for (const hw of ['RTX4090', 'RTXPRO6000']) {
    const dir = join(perfRoot, hw, 'meta-llama', 'Llama-3.1-8B', 'bf16');
    if (existsSync(dir)) cases.push([`profile ${hw}`, { ...base, hardware: gpu(hw, 165.2, 1008), perfBundle: dir }]);
    else console.log(`skipping profile ${hw}: ${dir} not found`);
  }
  const v021 = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim', 'v0.2.1', 'perf_model', 'RTX3090.csv');
  // v0.2.1 looks rope/attn up once per request (514 lookups here): informative, not held to the goal.
  if (existsSync(v021)) cases.push(['v0.2.1 CSV RTX3090 (per-request)', { ...base, hardware: gpu('RTX3090', 71, 936), perfCsv: v021 }]);
  const bench = new Bench({ time: 500, warmup: true });
  const models: CostModel[] = [];
  for (const [name, opts] of cases) {
    const cm = await CostModel.load(opts);
    const n = fillMixedBatch(cm);
    models.push(cm);
    bench.add(name, () => {
      for (let i = 0; i < CALLS_PER_TASK; i++) cm.iterate(n);
    });
  }
  await bench.run();
  const rows = bench.tasks.map((task, i) => {
    const r = task.result;
    const meanMs = r.state === 'completed' ? r.latency.mean : NaN;
    const nsPerCall = (meanMs * 1e6) / CALLS_PER_TASK;
    return {
      model: task.name,
      'ns/iterate': Math.round(nsPerCall),
      goal: task.name.startsWith('v0.2.1') ? '-' : nsPerCall <= GOAL_NS ? 'ok (<= 2 us)' : 'SLOW',
      'iteration ms': (models[i].iterate(257) / 1e6).toFixed(3),
    };
  });
  console.log(`one iterate() = 256 decodes + one 2048-token prefill chunk (load average ${loadavg()[0].toFixed(1)})`);
  console.table(rows);
}

await main();
