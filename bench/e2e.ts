// `npm run bench:e2e`: wall time of whole simulations.
//  1. LLMServingSim 2.0's RTX4090 validation run (300 requests, KV-bound, 194 preemptions; README §8), goal 0.2 s
//     (LLMServingSim itself takes 6 min 36 s);
//  2. 100,000 requests on one instance (Llama-3.1-8B on H100-SXM, Poisson arrivals, ShareGPT-like lengths resampled
//     from datasets/sharegpt.tsv), goal 10 s;
//  3. with BENCH_E2E_SCALE=1 only (minutes today): 1,000,000 requests on 16 instances behind the least-loaded router,
//     goal 20 s and 1 GiB peak memory (the "peak MiB" column is the process's max RSS so far).
// "total" includes setup (profile/model loading, workload parsing; median of the repetitions); "run" is the event
// loop alone; "cpu" is the CPU time the process spent (on a shared machine wall time also counts waiting for a core).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { simulate, type Scenario } from '../src/simulate.js';
import { REFERENCE_ROOT } from './accuracy.js';

interface Timed {
  name: string;
  goalS: number;
  totalS: number;
  runS: number;
  cpuS: number; // user + system CPU of the last repetition (less sensitive than wall time to a busy machine)
  requests: number;
  iterations: number;
  simulatedS: number;
  peakMiB: number; // max RSS of the process so far
}

async function timeScenario(name: string, goalS: number, scenario: Scenario, repeats: number): Promise<Timed> {
  let last: Timed | undefined;
  const bench = new Bench({ name, iterations: repeats, time: 0, warmup: repeats > 1, warmupIterations: 1, warmupTime: 0 });
  bench.add(name, async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await simulate(scenario);
    const c = process.cpuUsage(c0);
    last = {
      name,
      goalS,
      totalS: (performance.now() - t0) / 1e3,
      cpuS: (c.user + c.system) / 1e6,
      runS: r.summary.wallTimeS,
      requests: r.summary.requests,
      iterations: r.totals.iterations,
      simulatedS: r.summary.simulatedDurationS,
      peakMiB: process.resourceUsage().maxRSS / 1024, // maxRSS is in KiB
    };
  });
  await bench.run();
  const res = bench.tasks[0].result;
  const median = res && 'latency' in res ? res.latency.p50 : undefined;
  if (!last) throw new Error(`${name}: no result`);
  if (typeof median === 'number') last.totalS = median / 1e3; // tinybench latencies are ms
  return last;
}

async function main(): Promise<void> {
  const results: Timed[] = [];
  const dir = join(REFERENCE_ROOT, 'bench', 'examples', 'RTX4090', 'Llama-3.1-8B');
  if (existsSync(dir)) {
    results.push(
      await timeScenario('RTX4090 reference run (300 req)', 0.2, {
        clusterConfig: join(dir, 'config.json'),
        workload: { kind: 'file', path: join(REFERENCE_ROOT, 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl'), numReqs: 300 },
        dtype: 'bfloat16',
        knobs: { maxNumSeqs: 256, maxNumBatchedTokens: 2048 },
        perfModels: join(REFERENCE_ROOT, 'profiler', 'perf'),
        compat: 'llmservingsim2',
      }, 10),
    );
  } else {
    process.stdout.write(`(reference data not found at ${REFERENCE_ROOT}: skipping the RTX4090 reference run)\n`);
  }
  results.push(
    await timeScenario('100,000 requests, one H100 instance', 10, {
      model: 'llama-3.1-8b',
      hardware: 'H100-SXM',
      workload: { kind: 'open-loop', arrival: 'poisson', rateQps: 20, numReqs: 100_000, lengthsFrom: join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv') },
      seed: 1,
    }, 1),
  );
  if (process.env.BENCH_E2E_SCALE === '1') {
    results.push(
      await timeScenario('1,000,000 requests, 16 H100, least-loaded', 20, {
        model: 'llama-3.1-8b',
        hardware: 'H100-SXM',
        instances: 16,
        router: 'least-loaded',
        workload: { kind: 'open-loop', arrival: 'poisson', rateQps: 320, numReqs: 1_000_000, lengthsFrom: join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv') },
        seed: 1,
      }, 1),
    );
  }
  const pad = (s: string, n: number) => s.padStart(n);
  process.stdout.write(`${'scenario'.padEnd(44)}${pad('total s', 10)}${pad('run s', 9)}${pad('cpu s', 9)}${pad('goal s', 8)}${pad('requests', 10)}${pad('iterations', 12)}${pad('sim s', 11)}${pad('peak MiB', 10)}\n`);
  for (const r of results) {
    process.stdout.write(
      `${r.name.padEnd(44)}${pad(r.totalS.toFixed(3), 10)}${pad(r.runS.toFixed(3), 9)}${pad(r.cpuS.toFixed(3), 9)}${pad(r.goalS.toFixed(1), 8)}${pad(String(r.requests), 10)}` +
        `${pad(String(r.iterations), 12)}${pad(r.simulatedS.toFixed(1), 11)}${pad(r.peakMiB.toFixed(0), 10)}${r.totalS <= r.goalS ? '  ok' : '  OVER GOAL'}\n`,
    );
  }
}

await main();
