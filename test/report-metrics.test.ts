// Metrics: percentile rule by hand, invariants by property, and the reference: LLMServingSim 2.0's validation
// summary (sim column) and sim.log statistics recomputed from its own sim.csv.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { LogHistogram, MetricsAccumulator, latencyStats, percentileSorted, type RequestTimings } from '../src/report/metrics.js';
import { parseRequestsCsv } from '../src/report/requestsCsv.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'bench', 'examples');
const haveRef = existsSync(REF);

describe('percentileSorted', () => {
  it('interpolates between closest ranks, idx = q/100·(n−1)', () => {
    const xs = [1, 2, 3, 4];
    expect(percentileSorted(xs, 0)).toBe(1);
    expect(percentileSorted(xs, 100)).toBe(4);
    expect(percentileSorted(xs, 50)).toBeCloseTo(2.5, 12); // idx 1.5
    expect(percentileSorted(xs, 90)).toBeCloseTo(3.7, 12); // idx 2.7
    expect(percentileSorted(xs, 99)).toBeCloseTo(3.97, 12); // idx 2.97
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(percentileSorted([10, 20, 30, 40, 50], 95)).toBeCloseTo(48, 12); // idx 3.8
  });

  it('is monotone in q and stays within [min, max]; integer ranks hit elements', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (arr, q1, q2) => {
        const s = Float64Array.from(arr).sort();
        const [a, b] = q1 <= q2 ? [q1, q2] : [q2, q1];
        const pa = percentileSorted(s, a);
        const pb = percentileSorted(s, b);
        expect(pa).toBeLessThanOrEqual(pb + 1e-6 * (Math.abs(pb) + 1));
        expect(pa).toBeGreaterThanOrEqual(s[0] - 1e-9);
        expect(pb).toBeLessThanOrEqual(s[s.length - 1] + 1e-9);
        for (let k = 0; k < s.length; k++) {
          if (s.length > 1) expect(percentileSorted(s, (100 * k) / (s.length - 1))).toBeCloseTo(s[k], 3);
        }
      }),
    );
  });
});

describe('latencyStats', () => {
  it('mean/median/P90/P95/P99 by hand, scaled ns → ms', () => {
    const ns = Float64Array.from([5e6, 1e6, 3e6, 2e6, 4e6]); // unsorted on purpose
    const s = latencyStats(ns, 5, 1e-6);
    expect(s.count).toBe(5);
    expect(s.mean).toBeCloseTo(3, 12);
    expect(s.median).toBeCloseTo(3, 12);
    expect(s.p90).toBeCloseTo(4.6, 12); // idx 3.6 between 4 and 5
    expect(s.p95).toBeCloseTo(4.8, 12);
    expect(s.p99).toBeCloseTo(4.96, 12);
  });
});

describe('LogHistogram', () => {
  it('percentiles within 0.1 % of the exact ones', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 2e9 }), fc.double({ min: 1, max: 1e13, noNaN: true })), { minLength: 1, maxLength: 400 }), fc.constantFrom(50, 90, 95, 99), (arr, q) => {
        const h = new LogHistogram();
        const half = arr.length >> 1;
        for (const v of arr.slice(0, half)) h.add(v); // both entry points fill the same buckets
        expect(h.addAll(arr.slice(half))).toBeCloseTo(arr.slice(half).reduce((a, b) => a + b, 0), 0);
        expect(h.total).toBe(arr.length);
        const exact = percentileSorted(Float64Array.from(arr).sort(), q);
        expect(Math.abs(h.percentile(q) - exact)).toBeLessThanOrEqual(1.001e-3 * exact + 1e-9);
      }),
    );
  });
});

function req(inputToks: number, outputToks: number, ttftNs: number, itlNs: number[]): RequestTimings {
  const latencyNs = ttftNs + itlNs.reduce((a, b) => a + b, 0);
  const tpotNs = outputToks > 1 ? Math.floor((latencyNs - ttftNs) / (outputToks - 1)) : 0;
  return { inputToks, outputToks, ttftNs, tpotNs, latencyNs, itlNs: Float64Array.from(itlNs) };
}

describe('MetricsAccumulator', () => {
  it('computes throughput and statistics by hand; TPOT excludes single-token outputs', () => {
    const acc = new MetricsAccumulator();
    acc.add(req(100, 3, 10e6, [2e6, 4e6])); // TPOT 3 ms, E2E 16 ms
    acc.add(req(50, 1, 20e6, [])); // TPOT excluded, E2E 20 ms
    acc.add(req(10, 2, 30e6, [6e6])); // TPOT 6 ms, E2E 36 ms
    const m = acc.result(2e9);
    expect(m.requests).toBe(3);
    expect(m.inputTokens).toBe(160);
    expect(m.outputTokens).toBe(6);
    expect(m.requestThroughputPerS).toBeCloseTo(1.5, 12);
    expect(m.inputTokenThroughputPerS).toBeCloseTo(80, 12);
    expect(m.outputTokenThroughputPerS).toBeCloseTo(3, 12);
    expect(m.totalTokenThroughputPerS).toBeCloseTo(83, 12);
    expect(m.ttftMs.mean).toBeCloseTo(20, 9);
    expect(m.tpotMs.count).toBe(2);
    expect(m.tpotMs.mean).toBeCloseTo(4.5, 9);
    expect(m.tpotMs.p90).toBeCloseTo(3 + 0.9 * 3, 9);
    expect(m.itlMs.count).toBe(3);
    expect(m.itlMs.median).toBeCloseTo(4, 9);
    expect(m.e2eMs.median).toBeCloseTo(20, 9);
    expect(m.e2eMs.p99).toBeCloseTo(20 + 0.98 * 16, 9); // idx 1.98
    expect(m.itlApproximate).toBe(false);
  });

  it('switches ITL to the histogram past the cap, keeping mean and count exact and percentiles within 0.1 %', () => {
    const exact = new MetricsAccumulator();
    const capped = new MetricsAccumulator(50);
    for (let i = 0; i < 40; i++) {
      const r = req(10, 5, 1e6 + i, [1000 + i * 37, 2000 + i * 11, 3000 + i, 900 + i * 101]);
      exact.add(r);
      capped.add(r);
    }
    const a = exact.result(1e9).itlMs;
    const c = capped.result(1e9);
    expect(c.itlApproximate).toBe(true);
    expect(c.itlMs.count).toBe(a.count);
    expect(c.itlMs.mean).toBeCloseTo(a.mean, 12);
    for (const k of ['median', 'p90', 'p95', 'p99'] as const) expect(Math.abs(c.itlMs[k] - a[k])).toBeLessThanOrEqual(1.001e-3 * a[k]);
  });
});

describe('MetricsAccumulator.addGaps (gaps reported in aggregate)', () => {
  it('gives the statistics of the same gaps inside records, exact or past the cap, pooled over parts or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ part: fc.nat(2), gaps: fc.array(fc.record({ v: fc.integer({ min: 0, max: 5_000_000 }), n: fc.integer({ min: 1, max: 6 }) }), { maxLength: 8 }) }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom(8, 40, 1_000_000),
        fc.boolean(),
        (reqs, cap, withParts) => {
          const perRecord = new MetricsAccumulator(cap);
          const aggregate = new MetricsAccumulator(cap);
          const partsA = [0, 1, 2].map(() => new MetricsAccumulator(Math.floor(cap / 3)));
          const partsB = [0, 1, 2].map(() => new MetricsAccumulator(Math.floor(cap / 3)));
          reqs.forEach((r, i) => {
            const gaps = r.gaps.flatMap((g) => Array.from({ length: g.n }, () => g.v));
            const out = gaps.length + 1;
            const record = req(10, out, 1e6 + i, gaps);
            perRecord.add(record, withParts ? partsA[r.part] : undefined);
            for (const g of r.gaps) aggregate.addGaps(g.v, g.n, withParts ? partsB[r.part] : undefined);
            aggregate.add({ ...record, itlNs: new Float64Array(0) }, withParts ? partsB[r.part] : undefined);
          });
          const a = perRecord.result(1e9);
          const b = aggregate.result(1e9);
          expect(b).toEqual(a);
          if (withParts) for (let k = 0; k < 3; k++) expect(partsB[k].result(1e9)).toEqual(partsA[k].result(1e9));
        },
      ),
      { numRuns: 200 },
    );
  });
});

// validation/summary.txt prints the sim column to 0.1 ms; sim.log prints Mean/Median/P99 to 0.01 ms.
function summarySimColumn(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(TTFT|TPOT|Latency) (Mean|Median|P90|P95|P99)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, Number(m[4]));
  }
  return out;
}

function logValue(log: string, label: string): number {
  const m = new RegExp(`^${label.replace(/[()]/g, '\\$&')}\\s*:\\s+([\\d.]+)`, 'm').exec(log);
  if (!m) throw new Error(`no '${label}' in sim.log`);
  return Number(m[1]);
}

describe.skipIf(!haveRef)('reference: LLMServingSim 2.0 statistics recomputed from its sim.csv', () => {
  for (const hw of ['RTX4090', 'RTXPRO6000']) {
    it(`${hw}: summary.txt sim column and sim.log figures`, () => {
      const dir = join(REF, hw, 'Llama-3.1-8B');
      const acc = new MetricsAccumulator();
      let makespanNs = 0;
      const n = parseRequestsCsv(readFileSync(join(dir, 'outputs', 'sim.csv'), 'utf8'), 'sim.csv', (r) => {
        acc.add(r);
        makespanNs = Math.max(makespanNs, r.endNs);
      });
      expect(n).toBe(300);
      const m = acc.result(makespanNs);
      const want = summarySimColumn(join(dir, 'validation', 'summary.txt'));
      expect(want.size).toBe(15);
      const got: Record<string, number> = {};
      for (const [metric, stats] of [['TTFT', m.ttftMs], ['TPOT', m.tpotMs], ['Latency', m.e2eMs]] as const) {
        for (const [label, key] of [['Mean', 'mean'], ['Median', 'median'], ['P90', 'p90'], ['P95', 'p95'], ['P99', 'p99']] as const) {
          got[`${metric} ${label}`] = stats[key];
        }
      }
      for (const [k, v] of want) expect(Math.abs(got[k] - v), k).toBeLessThanOrEqual(0.05 + 1e-9);

      const log = readFileSync(join(dir, 'outputs', 'sim.log'), 'utf8');
      expect(makespanNs).toBe(logValue(log, 'Total clocks (ns)'));
      expect(m.inputTokens).toBe(logValue(log, 'Total input tokens'));
      expect(m.outputTokens).toBe(logValue(log, 'Total generated tokens'));
      expect(Math.abs(m.requestThroughputPerS - logValue(log, 'Request throughput (req/s)'))).toBeLessThanOrEqual(0.005);
      expect(Math.abs(m.outputTokenThroughputPerS - logValue(log, 'Average generation throughput (tok/s)'))).toBeLessThanOrEqual(0.005);
      for (const [label, v] of [
        ['Mean TTFT (ms)', m.ttftMs.mean], ['Median TTFT (ms)', m.ttftMs.median], ['P99 TTFT (ms)', m.ttftMs.p99],
        ['Mean TPOT (ms)', m.tpotMs.mean], ['Median TPOT (ms)', m.tpotMs.median], ['P99 TPOT (ms)', m.tpotMs.p99],
        ['Mean ITL (ms) ', m.itlMs.mean], ['Median ITL (ms) ', m.itlMs.median], ['P99 ITL (ms) ', m.itlMs.p99],
      ] as const) {
        expect(Math.abs(v - logValue(log, label)), label).toBeLessThanOrEqual(0.005 + 1e-9);
      }
    });
  }
});
