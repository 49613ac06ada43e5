import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';
import { createArrivalProcess } from '../src/workload/arrivals.js';
import { createLengthSampler } from '../src/workload/lengths.js';
import { arrivalSpecSchema, lengthSpecSchema, thinkTimeSpecSchema } from '../src/workload/specs.js';

describe('generator spec schemas', () => {
  it('accept well-formed specs unchanged', () => {
    const bursts = { kind: 'bursts', rateRps: 50, onS: 1, offS: 4 };
    expect(arrivalSpecSchema.parse(bursts)).toEqual(bursts);
    const logn = { kind: 'lognormal', input: { mu: 6, sigma: 0.5, min: 1, max: 8192 }, output: { mu: 5, sigma: 0.4, min: 1, max: 2048 } };
    expect(lengthSpecSchema.parse(logn)).toEqual(logn);
    expect(thinkTimeSpecSchema.parse({ kind: 'exponential', meanNs: 2e9 })).toEqual({ kind: 'exponential', meanNs: 2e9 });
  });

  it('name the bad field', () => {
    const path = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => r.error?.issues[0].path;
    expect(path(arrivalSpecSchema.safeParse({ kind: 'gamma', rateRps: 5 }))).toEqual(['cv']);
    expect(path(arrivalSpecSchema.safeParse({ kind: 'poisson', rateRps: 0 }))).toEqual(['rateRps']);
    expect(path(arrivalSpecSchema.safeParse({ kind: 'poisson', rateRps: 1, cv: 2 }))).toEqual([]); // unknown key on the object
    expect(path(lengthSpecSchema.safeParse({ kind: 'uniform', input: [10, 5], output: [1, 2] }))).toEqual(['input']);
    expect(path(lengthSpecSchema.safeParse({ kind: 'fixed', inputToks: 1.5, outputToks: 1 }))).toEqual(['inputToks']);
    expect(path(thinkTimeSpecSchema.safeParse({ kind: 'fixed', ns: -1 }))).toEqual(['ns']);
  });

  it('property: whatever the schema accepts, the generators build and produce in-range values', () => {
    const arrival = fc.record({
      kind: fc.constantFrom('poisson', 'gamma', 'constant', 'bursts'),
      rateRps: fc.double({ min: -1, max: 1e4, noNaN: true }),
      cv: fc.double({ min: -1, max: 5, noNaN: true }),
      onS: fc.double({ min: -1, max: 5, noNaN: true }),
      offS: fc.double({ min: -1, max: 5, noNaN: true }),
    });
    fc.assert(
      fc.property(arrival, (raw) => {
        const { kind, rateRps, cv, onS, offS } = raw;
        const candidate = kind === 'gamma' ? { kind, rateRps, cv } : kind === 'bursts' ? { kind, rateRps, onS, offS } : { kind, rateRps };
        const parsed = arrivalSpecSchema.safeParse(candidate);
        if (!parsed.success) return;
        const p = createArrivalProcess(parsed.data, new Rng(1, 'arrivals'));
        const t = p.nextArrivalNs();
        expect(Number.isSafeInteger(t) && t >= 0).toBe(true);
      }),
      { numRuns: 500 },
    );
    const axis = fc.record({ mu: fc.double({ min: 0, max: 9, noNaN: true }), sigma: fc.double({ min: 0, max: 2, noNaN: true }), min: fc.integer({ min: -2, max: 500 }), max: fc.integer({ min: -2, max: 5000 }) });
    fc.assert(
      fc.property(axis, axis, (input, output) => {
        const parsed = lengthSpecSchema.safeParse({ kind: 'lognormal', input, output });
        if (!parsed.success) return;
        const pair = createLengthSampler(parsed.data, new Rng(1, 'lengths')).sample();
        expect(pair.inputToks).toBeGreaterThanOrEqual(input.min);
        expect(pair.inputToks).toBeLessThanOrEqual(input.max);
        expect(pair.outputToks).toBeGreaterThanOrEqual(output.min);
        expect(pair.outputToks).toBeLessThanOrEqual(output.max);
      }),
    );
  });
});
