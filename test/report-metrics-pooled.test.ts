// MetricsAccumulator with parts (add(r, part)): past the exact cap the run's ITL histogram is pooled from its parts
// (per-instance accumulators) instead of binning every gap twice. The statistics must be exactly those of an
// accumulator fed the same requests without parts, and each part's those of a standalone accumulator.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogHistogram, MetricsAccumulator, type RequestTimings } from '../src/report/metrics.js';

function request(gaps: number[], ttftNs: number): RequestTimings {
  const itlNs = Float64Array.from(gaps);
  const decodeNs = gaps.reduce((a, b) => a + b, 0);
  return { inputToks: 10, outputToks: gaps.length + 1, ttftNs, tpotNs: gaps.length ? Math.floor(decodeNs / gaps.length) : 0, latencyNs: ttftNs + decodeNs, itlNs };
}

const requestArb = fc.record({
  part: fc.nat(3),
  ttftNs: fc.integer({ min: 1, max: 1e9 }),
  gaps: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5e8 })), { maxLength: 40 }),
});

describe('MetricsAccumulator with parts', () => {
  it('gives the run and each part the statistics of accumulators fed without parts (property)', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 200 }), (reqs, cap) => {
        const pooled = new MetricsAccumulator(cap);
        const parts = [0, 1, 2, 3].map(() => new MetricsAccumulator(Math.max(1, cap >> 2)));
        const plain = new MetricsAccumulator(cap);
        const alone = [0, 1, 2, 3].map(() => new MetricsAccumulator(Math.max(1, cap >> 2)));
        for (const q of reqs) {
          const r = request(q.gaps, q.ttftNs);
          const sum = pooled.add(r, parts[q.part]);
          expect(sum).toBe(q.gaps.reduce((a, b) => a + b, 0));
          plain.add(r);
          alone[q.part].add(r);
        }
        expect(pooled.result(1e9)).toEqual(plain.result(1e9));
        for (let p = 0; p < 4; p++) expect(parts[p].result(1e9)).toEqual(alone[p].result(1e9));
      }),
      { numRuns: 200 },
    );
  });

  it('pools the histogram once the run passes its cap (hand-built case)', () => {
    // Two parts, cap 3: the third request pushes the run to 5 gaps, so its percentiles come from the histogram.
    const run = new MetricsAccumulator(3);
    const a = new MetricsAccumulator(100);
    const b = new MetricsAccumulator(100);
    run.add(request([1000, 2000], 5), a);
    run.add(request([3000], 5), b);
    run.add(request([4000, 0], 5), a);
    const m = run.result(1e9);
    expect(m.itlApproximate).toBe(true);
    expect(m.itlMs.count).toBe(5);
    expect(m.itlMs.mean).toBeCloseTo((1000 + 2000 + 3000 + 4000) / 5 / 1e6, 12);
    const h = new LogHistogram();
    h.addAll([1000, 2000, 3000, 4000, 0]);
    expect(m.itlMs.median).toBe(h.percentile(50) * 1e-6);
    expect(m.itlMs.p99).toBe(h.percentile(99) * 1e-6);
    // The parts stay exact (under their own caps).
    expect(a.result(1e9).itlMs.median).toBeCloseTo(1500 / 1e6, 12);
    expect(b.result(1e9).itlMs.count).toBe(1);
  });

  it('refuses a request without a part once it pools its parts', () => {
    const run = new MetricsAccumulator(1);
    const a = new MetricsAccumulator(100);
    run.add(request([10, 20], 5), a);
    expect(() => run.add(request([10], 5))).toThrow(/every add\(\) needs one of its parts/);
  });

  it('bins a Float64Array (word view) exactly as a plain array of the same values (property)', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(-0, 0, 0.999999, 1, 2 ** 44, 2 ** 60, Infinity, -Infinity, NaN), fc.integer({ min: 0, max: 4e9 }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 80 }), fc.nat(5), (vs, offset) => {
        const plain = new LogHistogram();
        const typed = new LogHistogram();
        const backing = new Float64Array(vs.length + offset);
        backing.set(vs, offset);
        expect(Object.is(typed.addAll(backing.subarray(offset)), plain.addAll([...vs]))).toBe(true);
        expect(typed.total).toBe(plain.total);
        for (const q of [0, 1, 25, 50, 90, 99, 100]) expect(Object.is(typed.percentile(q), plain.percentile(q))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('merges histograms as if the values were added to one', () => {
    const x = new LogHistogram();
    const y = new LogHistogram();
    const both = new LogHistogram();
    const xs = [0, 0.5, 1, 7, 1e6, 3e9];
    const ys = [2, 2, 5e5, 1e12];
    x.addAll(xs);
    y.addAll(ys);
    both.addAll([...xs, ...ys]);
    x.merge(y);
    expect(x.total).toBe(10);
    for (const q of [0, 10, 50, 90, 99, 100]) expect(x.percentile(q)).toBe(both.percentile(q));
  });
});
