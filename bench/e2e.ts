// `npm run bench:e2e`: wall time and memory of whole simulations, each in its own process (so "peak MiB" is that
// run's own max RSS, setup included).
//  1. LLMServingSim 2.0's RTX4090 validation run (300 requests, KV-bound, 194 preemptions; README §8), goal 0.2 s
//     (LLMServingSim itself takes 6 min 36 s);
//  2. 100,000 requests on one instance (Llama-3.1-8B on H100-SXM, Poisson arrivals, ShareGPT-like lengths resampled
//     from datasets/sharegpt.tsv), goal 10 s;
//  3. 100,000 / 300,000 / 1,000,000 requests on 16 H100 instances behind the least-loaded router at 300 req/s (the
//     issue's `sim run ... --rate 300 --num-reqs 1000000 --instances 16 --router least-loaded`), goal for 1M: 20 s and
//     1 GiB; the last lines give the run time per request of each size (flat = linear in requests).
// "total" includes setup (profile/model loading, workload parsing; median of the repetitions); "run" is the event
// loop alone; "cpu" is the CPU time the process spent (on a shared machine wall time also counts waiting for a core).
// BENCH_E2E_QUICK=1 skips the 300k and 1M runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { simulate, type Scenario } from '../src/simulate.js';
import { REFERENCE_ROOT } from './accuracy.js';

interface Timed {
  name: string;
  goalS: number;
  goalMiB?: number;
  totalS: number;
  runS: number;
  cpuS: number; // user + system CPU of the last repetition (less sensitive than wall time to a busy machine)
  requests: number;
  iterations: number;
  simulatedS: number;
  peakMiB: number; // max RSS of the process that ran it
}

interface Case {
  name: string;
  goalS: number;
  goalMiB?: number;
  repeats: number;
  scenario: () => Scenario | undefined; // undefined: not runnable here (reason printed)
}

const lengths = join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv');
const cluster16 = (numReqs: number): Scenario => ({
  model: 'llama-3.1-8b',
  hardware: 'H100-SXM',
  instances: 16,
  router: 'least-loaded',
  workload: { kind: 'open-loop', arrival: 'poisson', rateQps: 300, numReqs, lengthsFrom: lengths },
  seed: 1,
});

const CASES: Case[] = [
  {
    name: 'RTX4090 reference run (300 req)',
    goalS: 0.2,
    repeats: 10,
    scenario: () => {
      const dir = join(REFERENCE_ROOT, 'bench', 'examples', 'RTX4090', 'Llama-3.1-8B');
      if (!existsSync(dir)) return undefined;
      return {
        clusterConfig: join(dir, 'config.json'),
        workload: { kind: 'file', path: join(REFERENCE_ROOT, 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl'), numReqs: 300 },
        dtype: 'bfloat16',
        knobs: { maxNumSeqs: 256, maxNumBatchedTokens: 2048 },
        perfModels: join(REFERENCE_ROOT, 'profiler', 'perf'),
        compat: 'llmservingsim2',
      };
    },
  },
  {
    name: '100,000 requests, one H100 instance',
    goalS: 10,
    repeats: 1,
    scenario: () => ({
      model: 'llama-3.1-8b',
      hardware: 'H100-SXM',
      workload: { kind: 'open-loop', arrival: 'poisson', rateQps: 20, numReqs: 100_000, lengthsFrom: lengths },
      seed: 1,
    }),
  },
  { name: '100,000 requests, 16 H100, least-loaded', goalS: 3, repeats: 1, scenario: () => cluster16(100_000) },
  { name: '300,000 requests, 16 H100, least-loaded', goalS: 7, repeats: 1, scenario: () => cluster16(300_000) },
  { name: '1,000,000 requests, 16 H100, least-loaded', goalS: 20, goalMiB: 1024, repeats: 1, scenario: () => cluster16(1_000_000) },
];

async function timeCase(c: Case, scenario: Scenario): Promise<Timed> {
  let last: Timed | undefined;
  const bench = new Bench({ name: c.name, iterations: c.repeats, time: 0, warmup: c.repeats > 1, warmupIterations: 1, warmupTime: 0 });
  bench.add(c.name, async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await simulate(scenario);
    const cpu = process.cpuUsage(c0);
    last = {
      name: c.name,
      goalS: c.goalS,
      goalMiB: c.goalMiB,
      totalS: (performance.now() - t0) / 1e3,
      cpuS: (cpu.user + cpu.system) / 1e6,
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
  if (!last) throw new Error(`${c.name}: no result`);
  if (c.repeats > 1 && typeof median === 'number') last.totalS = median / 1e3; // tinybench latencies are ms
  return last;
}

/** Child mode: run case `index` and print its figures as one JSON line. */
async function child(index: number): Promise<void> {
  const c = CASES[index];
  const scenario = c.scenario();
  if (!scenario) {
    process.stdout.write(`${JSON.stringify({ skipped: `reference data not found at ${REFERENCE_ROOT}` })}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify(await timeCase(c, scenario))}\n`);
}

function main(): void {
  const quick = process.env.BENCH_E2E_QUICK === '1';
  const results: Timed[] = [];
  const self = fileURLToPath(import.meta.url);
  CASES.forEach((c, i) => {
    if (quick && (c.name.startsWith('300,000') || c.name.startsWith('1,000,000'))) return;
    const out = spawnSync(process.execPath, [...process.execArgv, self, '--child', String(i)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (out.status !== 0) throw new Error(`${c.name}: child exited ${out.status}\n${out.stderr}`);
    const line = out.stdout.trim().split('\n').pop()!;
    const parsed = JSON.parse(line) as Timed | { skipped: string };
    if ('skipped' in parsed) process.stdout.write(`(${c.name}: ${parsed.skipped}; skipped)\n`);
    else results.push(parsed);
  });
  const pad = (s: string, n: number) => s.padStart(n);
  process.stdout.write(`${'scenario'.padEnd(44)}${pad('total s', 10)}${pad('run s', 9)}${pad('cpu s', 9)}${pad('goal s', 8)}${pad('requests', 10)}${pad('iterations', 12)}${pad('sim s', 11)}${pad('peak MiB', 10)}\n`);
  for (const r of results) {
    const ok = r.totalS <= r.goalS && (r.goalMiB === undefined || r.peakMiB <= r.goalMiB);
    process.stdout.write(
      `${r.name.padEnd(44)}${pad(r.totalS.toFixed(3), 10)}${pad(r.runS.toFixed(3), 9)}${pad(r.cpuS.toFixed(3), 9)}${pad(r.goalS.toFixed(1), 8)}${pad(String(r.requests), 10)}` +
        `${pad(String(r.iterations), 12)}${pad(r.simulatedS.toFixed(1), 11)}${pad(r.peakMiB.toFixed(0), 10)}${ok ? '  ok' : '  OVER GOAL'}\n`,
    );
  }
  const scale = results.filter((r) => r.name.includes('16 H100'));
  if (scale.length > 1) {
    process.stdout.write('\nlinearity (16 H100, least-loaded): event-loop time per request\n');
    const base = scale[0].runS / scale[0].requests;
    for (const r of scale) process.stdout.write(`  ${String(r.requests).padStart(9)} requests: ${((r.runS / r.requests) * 1e6).toFixed(2)} us/request (x${(r.runS / r.requests / base).toFixed(2)} of the smallest)\n`);
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(Number(process.argv[at + 1]));
else main();
