import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, RngStreams } from '../src/rng.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextU32());
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

describe('xoshiro128**', () => {
  it('matches the published algorithm from state [1,2,3,4] (worked by hand)', () => {
    // s1=2: rotl(2*5, 7)*9 = 11520; then s1 becomes 0 -> 0; then s1 = 1029: rotl(5145, 7)*9 = 5927040.
    expect(draws(Rng.fromState([1, 2, 3, 4]), 3)).toEqual([11520, 0, 5927040]);
  });

  it('same seed and stream give the same sequence; other seeds or streams do not', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.string(), (seed, name) => {
        const a = draws(new Rng(seed, name), 8);
        expect(draws(new Rng(seed, name), 8)).toEqual(a);
        expect(draws(new Rng(seed + 1, name), 8)).not.toEqual(a);
        expect(draws(new Rng(seed, `${name}x`), 8)).not.toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('named streams are independent: extra draws on one never shift another', () => {
    const quiet = new RngStreams(7);
    const busy = new RngStreams(7);
    for (let i = 0; i < 1000; i++) busy.get('lengths').normal();
    expect(draws(busy.get('arrivals'), 16)).toEqual(draws(quiet.get('arrivals'), 16));
    expect(busy.get('arrivals')).toBe(busy.get('arrivals'));
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Rng(1.5, 'x')).toThrow(RangeError);
    expect(() => new RngStreams(2 ** 60)).toThrow(RangeError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(RangeError);
  });
});

describe('distributions (moments against closed forms, n = 200k, fixed seed)', () => {
  const n = 200_000;
  const rng = new Rng(12345, 'moments');

  it('uniform is in [0,1) with mean 1/2 and variance 1/12', () => {
    const xs = Array.from({ length: n }, () => rng.uniform());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const { mean, variance } = meanVar(xs);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 3);
  });

  it('exponential(mean 3) has mean 3 and variance 9', () => {
    const { mean, variance } = meanVar(Array.from({ length: n }, () => rng.exponential(3)));
    expect(mean).toBeGreaterThan(3 * 0.99);
    expect(mean).toBeLessThan(3 * 1.01);
    expect(variance / 9).toBeGreaterThan(0.97);
    expect(variance / 9).toBeLessThan(1.03);
  });

  it('normal(5, 2) has mean 5 and variance 4', () => {
    const { mean, variance } = meanVar(Array.from({ length: n }, () => rng.normal(5, 2)));
    expect(mean).toBeCloseTo(5, 1);
    expect(variance / 4).toBeGreaterThan(0.98);
    expect(variance / 4).toBeLessThan(1.02);
  });

  it('gamma(k, θ) has mean kθ and variance kθ² for k below and above 1', () => {
    for (const [k, theta] of [
      [0.25, 4],
      [3, 0.5],
    ]) {
      const { mean, variance } = meanVar(Array.from({ length: n }, () => rng.gamma(k, theta)));
      expect(mean / (k * theta)).toBeGreaterThan(0.98);
      expect(mean / (k * theta)).toBeLessThan(1.02);
      expect(variance / (k * theta * theta)).toBeGreaterThan(0.95);
      expect(variance / (k * theta * theta)).toBeLessThan(1.05);
    }
    expect(() => rng.gamma(0, 1)).toThrow(RangeError);
  });

  it('lognormal(mu, sigma) has median e^mu and mean e^(mu + sigma²/2)', () => {
    const xs = Array.from({ length: n }, () => rng.lognormal(6, 0.5));
    const sorted = [...xs].sort((a, b) => a - b);
    expect(sorted[n / 2] / Math.exp(6)).toBeCloseTo(1, 1);
    expect(meanVar(xs).mean / Math.exp(6 + 0.125)).toBeCloseTo(1, 1);
  });

  it('intInRange covers [lo, hi] inclusive, evenly', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 70_000; i++) {
      const v = rng.intInRange(-3, 3);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(500); // ~5 sd
    expect(rng.intInRange(9, 9)).toBe(9);
    expect(() => rng.intInRange(2, 1)).toThrow(RangeError);
  });
});
