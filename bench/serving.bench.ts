// `npm run bench:serving`: cost of the serving loop itself (scheduler, KV cache, request state, event loop, records),
// with the native cost kernel replaced by an affine formula so only the loop is measured (decode groups on, and once
// off: "request by request"). Prints CPU ns per token
// (prompt + generated tokens processed) and per iteration (one scheduled batch) for:
//  - decode-heavy: one instance, 256 running requests, no token ids (the 100,000-request bench:e2e shape);
//  - prefix caching: requests with token ids sharing system prompts (chained hashing, prefix index lookups);
//  - KV-bound: a pool too small for the load, so requests are preempted and recomputed;
//  - 4 instances behind LLMServingSim's load router.
// CPU time (process.cpuUsage) is reported beside tinybench's wall-time mean: on a shared machine it moves less.
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { Rng } from '../src/rng.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type CostModelLike, type InstanceSetup, type RouterPolicy, type ServingKnobs } from '../src/serving/types.js';
import type { RequestSource, RequestSpec } from '../src/workload/types.js';

/** latency = 2 ms + 20 ns per new token + 0.05 ns per cached token: a decode step of 256 ≈ 2 ms, like an 8B model. */
class AffineCost implements CostModelLike {
  readonly rowOrderFree = true; // a sum: steady decoders may run as a decode group
  readonly newTokens = new Int32Array(4096);
  readonly computedBefore = new Int32Array(4096);
  iterate(n: number): number {
    let sumNew = 0;
    let sumCtx = 0;
    for (let i = 0; i < n; i++) {
      sumNew += this.newTokens[i];
      sumCtx += this.computedBefore[i];
    }
    return 2_000_000 + 20 * sumNew + Math.floor(sumCtx / 20);
  }
}

/** Replays a prepared list (sorted by arrival, then id); rewound for every repetition. */
class ArraySource implements RequestSource {
  private i = 0;
  constructor(private readonly specs: readonly RequestSpec[]) {}
  get totalRequests(): number {
    return this.specs.length;
  }
  rewind(): this {
    this.i = 0;
    return this;
  }
  peekArrivalNs(): number {
    return this.i < this.specs.length ? this.specs[this.i].arrivalNs : Infinity;
  }
  pop(): RequestSpec {
    return this.specs[this.i++];
  }
  onFinish(): void {}
  done(): boolean {
    return this.i >= this.specs.length;
  }
}

interface Case {
  name: string;
  source: ArraySource;
  instances: number;
  knobs: ServingKnobs;
  numKvBlocks: number;
  router?: RouterPolicy;
  groupDecodes?: boolean;
  tokens: number; // prompt + output tokens of the workload (recomputation not counted)
}

/** Poisson arrivals at rateQps; prompt and output lengths uniform in the given ranges; optional shared-prefix token ids. */
function makeSpecs(n: number, rateQps: number, inRange: [number, number], outRange: [number, number], prefixIds: boolean): RequestSpec[] {
  const rng = new Rng(7, 'serving-bench');
  const systemPrompts = prefixIds ? Array.from({ length: 8 }, (_, p) => Array.from({ length: 512 }, (_, j) => (p * 7919 + j * 31) % 128000)) : [];
  const specs: RequestSpec[] = [];
  let t = 0;
  for (let id = 0; id < n; id++) {
    t += Math.round(rng.exponential(1e9 / rateQps));
    const inputToks = rng.intInRange(inRange[0], inRange[1]);
    const outputToks = rng.intInRange(outRange[0], outRange[1]);
    const spec: RequestSpec = { id, arrivalNs: t, inputToks, outputToks };
    if (prefixIds) {
      const ids = systemPrompts[id % systemPrompts.length].slice(0, Math.min(512, inputToks));
      for (let j = ids.length; j < inputToks; j++) ids.push(rng.intInRange(0, 127_999));
      spec.inputTokIds = ids;
    }
    specs.push(spec);
  }
  return specs;
}

function tokensOf(specs: readonly RequestSpec[]): number {
  let s = 0;
  for (const r of specs) s += r.inputToks + r.outputToks;
  return s;
}

function makeCase(name: string, specs: RequestSpec[], instances: number, knobs: Partial<ServingKnobs>, numKvBlocks: number, router?: RouterPolicy, groupDecodes = true): Case {
  return { name, source: new ArraySource(specs), instances, knobs: { ...DEFAULT_KNOBS, ...knobs }, numKvBlocks, router, groupDecodes, tokens: tokensOf(specs) };
}

function runCase(c: Case): number {
  const instances: InstanceSetup[] = Array.from({ length: c.instances }, (_, i) => ({
    instanceId: i,
    modelName: 'bench',
    cost: new AffineCost(),
    knobs: c.knobs,
    numKvBlocks: c.numKvBlocks,
    maxPositionEmbeddings: 131_072,
  }));
  let finished = 0;
  const totals = runServing({ instances, source: c.source.rewind(), router: c.router, groupDecodes: c.groupDecodes, observer: { onRequest: () => finished++ } });
  if (finished !== c.source.totalRequests) throw new Error(`${c.name}: ${finished} of ${c.source.totalRequests} requests finished`);
  return totals.iterations;
}

async function main(): Promise<void> {
  const cases = [
    makeCase('decode-heavy, 1 instance', makeSpecs(4000, 40, [100, 1500], [100, 1200], false), 1, { maxNumSeqs: 256 }, 30_000),
    makeCase('the same, request by request', makeSpecs(4000, 40, [100, 1500], [100, 1200], false), 1, { maxNumSeqs: 256 }, 30_000, undefined, false),
    makeCase('prefix caching (token ids)', makeSpecs(2000, 20, [600, 1500], [50, 400], true), 1, { maxNumSeqs: 256 }, 30_000),
    makeCase('KV-bound, preemptions', makeSpecs(2000, 40, [200, 1200], [100, 800], false), 1, { maxNumSeqs: 256 }, 4_000),
    makeCase('4 instances, load router', makeSpecs(8000, 80, [100, 1500], [100, 1200], false), 4, { maxNumSeqs: 256 }, 30_000, 'load'),
  ];
  const rows: string[][] = [];
  for (const c of cases) {
    let iterations = 0;
    let cpuUs = 0;
    let runs = 0;
    const bench = new Bench({ iterations: 5, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
    bench.add(c.name, () => {
      const c0 = process.cpuUsage();
      iterations = runCase(c);
      const d = process.cpuUsage(c0);
      cpuUs += d.user + d.system;
      runs++;
    });
    await bench.run();
    const r = bench.tasks[0].result;
    const meanMs = r && 'latency' in r ? r.latency.mean : NaN;
    const cpuNs = (cpuUs * 1e3) / runs; // includes the warm-up run
    rows.push([c.name, meanMs.toFixed(1), (cpuNs / 1e6).toFixed(1), String(iterations), (cpuNs / c.tokens).toFixed(1), (cpuNs / iterations / 1e3).toFixed(2)]);
  }
  const head = ['case', 'wall ms', 'cpu ms', 'iterations', 'cpu ns/token', 'cpu µs/iter'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('');
  process.stdout.write(`load average ${loadavg()[0].toFixed(2)} (shared machine: compare ratios within one run)\n${line(head)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

await main();
