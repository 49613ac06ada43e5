// Cost of EnergyAccumulator.onIteration() per iteration record (utilisation model, static grid and a 24-step hourly
// series), and of finishing a 4-instance ledger. The energy hook runs once per scheduled batch: goal <= 100 ns.
// Run: npm run bench:energy
import { cpus, loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { EnergyAccumulator, type EnergyModelConfig } from '../src/energy/accumulator.js';
import { seriesGrid, staticGrid, type GridIntensity } from '../src/energy/gridIntensity.js';
import type { InstanceEnergySpec } from '../src/energy/types.js';

const ITERS_PER_TASK = 10_000;
const GOAL_NS = 100;

function config(grid: GridIntensity, instances = 4): EnergyModelConfig {
  const spec = (id: number): InstanceEnergySpec => ({
    instanceId: id,
    gpuName: 'H100-SXM',
    gpuCount: 2,
    rates: { peakFlopsPerS: 989e12, memBandwidthBytesPerS: 3.35e12 },
    gpuPower: { activity: 'utilization', idleW: 70, staticW: 300, maxW: 600, powerLimitW: 700, computeWeight: 1, memoryWeight: 1, gamma: 0.8, standbyS: Infinity },
    host: { cpuIdleW: 30, cpuBusyW: 60, ramW: 20, otherW: 100 },
    linkEnergyPerBitPJ: 4,
    embodiedKgPerGpu: 876.5,
  });
  return {
    instances: Array.from({ length: instances }, (_, i) => spec(i)),
    site: { pue: 1.2 },
    grid,
    amortisation: { lifetimeYears: 3, basis: 'reservation' },
    hostSplit: true,
    factors: [],
    warnings: [],
  };
}

// One reused record, as the engine does.
const rec = { instanceId: 0, startNs: 0, endNs: 0, prefillTokens: 512, decodeTokens: 200, flops: 1.2e13, hbmBytes: 2.1e10, commBytes: 3e8 };

function runIterations(acc: EnergyAccumulator, clock: Float64Array): void {
  for (let k = 0; k < ITERS_PER_TASK; k++) {
    const inst = k & 3;
    rec.instanceId = inst;
    rec.startNs = clock[inst] + 1_000; // 1 µs gap, then a 30 ms iteration
    rec.endNs = rec.startNs + 30_000_000;
    clock[inst] = rec.endNs;
    acc.onIteration(rec);
  }
}

const hourly = seriesGrid(Array.from({ length: 24 }, (_, h) => 200 + 100 * Math.sin(h / 4)), 3600, 0, 'bench', 'bench');
const bench = new Bench({ time: 500 });
for (const [label, grid] of [['static grid', staticGrid(369.5, 'USA', 'bench')], ['hourly series', hourly]] as const) {
  const acc = new EnergyAccumulator(config(grid));
  const clock = new Float64Array(4);
  bench.add(`onIteration × ${ITERS_PER_TASK} (${label})`, () => runIterations(acc, clock));
}
bench.add('new ledger + finish (4 instances)', () => {
  new EnergyAccumulator(config(staticGrid(369.5, 'USA', 'bench'))).finish(1e9);
});
await bench.run();

const rows = bench.tasks.map((t) => {
  const r = t.result as { latency?: { mean?: number } } | undefined;
  const meanMs = r?.latency?.mean ?? NaN;
  const perIter = t.name.startsWith('onIteration') ? (meanMs * 1e6) / ITERS_PER_TASK : NaN;
  return { task: t.name, 'mean ms': meanMs.toFixed(4), 'ns per iteration': Number.isNaN(perIter) ? '' : perIter.toFixed(1), goal: Number.isNaN(perIter) ? '' : perIter <= GOAL_NS ? `ok (<= ${GOAL_NS})` : `over ${GOAL_NS}` };
});
console.table(rows);
// Shared machines skew this: say how loaded the CPUs were.
console.log(`load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);
