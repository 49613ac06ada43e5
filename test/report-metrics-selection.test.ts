// latencyStatsUnsorted (radix selection) must give latencyStats' numbers bit for bit: same mean (same summation
// order) and the same order statistics, whatever the ties and spreads; and refuse what its bit trick cannot order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { latencyStats, latencyStatsUnsorted, MetricsAccumulator } from '../src/report/metrics.js';
import { Rng } from '../src/rng.js';

describe('latencyStatsUnsorted', () => {
  it('equals latencyStats on random arrays (ties, narrow and wide spreads, fractions)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          n: fc.integer({ min: 1, max: 5000 }),
          spread: fc.constantFrom(1, 3, 1000, 2 ** 20, 2 ** 40),
          base: fc.constantFrom(0, 1, 20_000_000, 1e12),
          fractional: fc.boolean(),
        }),
        ({ seed, n, spread, base, fractional }) => {
          const rng = new Rng(seed, 'selection');
          const values = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const v = base + rng.uniform() * spread;
            values[i] = fractional ? v : Math.floor(v);
          }
          const copy = values.slice();
          const fast = latencyStatsUnsorted(values, n, 1e-6);
          expect(Array.from(values)).toEqual(Array.from(copy)); // left unsorted
          expect(fast).toEqual(latencyStats(copy, n, 1e-6));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads only the first n values', () => {
    const values = Float64Array.from([5, 1, 4, 2, 3, 1000, 1000]);
    expect(latencyStatsUnsorted(values, 5)).toEqual({ count: 5, mean: 3, median: 3, p90: 4.6, p95: 4.8, p99: 4.96 });
  });

  it('declines negative, -0, infinite and NaN values (the caller sorts instead)', () => {
    for (const bad of [-1, -0, Infinity, NaN]) expect(latencyStatsUnsorted(Float64Array.from([1, 2, bad, 3]))).toBeUndefined();
    expect(latencyStatsUnsorted(new Float64Array(0))).toBeUndefined();
  });

  it('gives MetricsAccumulator the same ITL statistics above the selection threshold as a full sort', () => {
    const acc = new MetricsAccumulator();
    const rng = new Rng(3, 'itl');
    const all: number[] = [];
    for (let r = 0; r < 200; r++) {
      const itlNs = Float64Array.from({ length: 500 }, () => 15_000_000 + rng.intInRange(0, 10_000_000));
      all.push(...itlNs);
      acc.add({ inputToks: 10, outputToks: 501, ttftNs: 1e8, tpotNs: 2e7, latencyNs: 1e10, itlNs });
    }
    expect(all.length).toBeGreaterThanOrEqual(1 << 16);
    expect(acc.result(1e10).itlMs).toEqual(latencyStats(Float64Array.from(all), all.length, 1e-6));
  });
});
