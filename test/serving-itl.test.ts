// Deferred inter-token gaps (stepClock.ts, ServingRequest.addStepGap/addGap/flushItl): whatever the pattern of steps
// a request produces tokens at, its itlNs must equal the gaps computed directly from its token times.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../src/rng.js';
import { ServingRequest } from '../src/serving/request.js';
import { MAX_ITL_RUN, StepClock } from '../src/serving/stepClock.js';

describe('deferred inter-token gaps', () => {
  it('match the gaps between token times, across breaks, zero gaps and long runs', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          steps: fc.integer({ min: 1, max: 3 * MAX_ITL_RUN }),
          tokenPercent: fc.integer({ min: 1, max: 100 }),
          zeroPercent: fc.integer({ min: 0, max: 10 }),
          flushPercent: fc.integer({ min: 0, max: 5 }),
        }),
        ({ seed, steps, tokenPercent, zeroPercent, flushPercent }) => {
          const rng = new Rng(seed, 'itl-test');
          const clock = new StepClock();
          const req = new ServingRequest(0);
          req.reset({ id: 1, arrivalNs: 0, inputToks: 4, outputToks: 2 * steps + 1 }, 16, false);
          req.lastTokenNs = 1_000; // the first token (prefill), as complete() stamps it
          const expected: number[] = [];
          let last = 1_000;
          let t = 1_000;
          for (let k = 0; k < steps; k++) {
            t += rng.intInRange(1, 4_000_000_000) * (rng.intInRange(1, 20) === 1 ? 3 : 1); // durations past 2^32 ns too
            clock.begin(t);
            if (rng.intInRange(1, 100) <= tokenPercent) {
              req.addStepGap(clock, t);
              expected.push(t - last);
              last = t;
              if (rng.intInRange(1, 100) <= zeroPercent) {
                req.addGap(0);
                expected.push(0);
              }
            }
            if (rng.intInRange(1, 100) <= flushPercent) req.flushItl(); // a preemption or a sweep: idempotent
          }
          req.flushItl();
          expect(req.lastTokenNs).toBe(last);
          expect(Array.from(req.itlNs.subarray(0, req.itlCount))).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a run left unwritten until the ring wrapped is an error, not wrong gaps', () => {
    const clock = new StepClock();
    const req = new ServingRequest(0);
    req.reset({ id: 7, arrivalNs: 0, inputToks: 4, outputToks: 10 }, 16, false);
    for (let k = 1; k <= 3; k++) {
      clock.begin(k * 100);
      req.addStepGap(clock, k * 100);
    }
    expect(req.hasEndedRun(clock)).toBe(false);
    clock.begin(400);
    expect(req.hasEndedRun(clock)).toBe(true);
    for (let k = 5; k < 10_000; k++) clock.begin(k * 100);
    expect(() => req.flushItl()).toThrow(/overwritten/);
  });

  it('keeps itlNs of finished requests valid when later requests reuse the pooled object', () => {
    const req = new ServingRequest(0);
    req.reset({ id: 1, arrivalNs: 0, inputToks: 4, outputToks: 3 }, 16, false);
    const clock = new StepClock();
    for (const t of [10, 30]) {
      clock.begin(t);
      req.addStepGap(clock, t);
    }
    req.flushItl();
    const kept = req.itlNs;
    expect(Array.from(kept)).toEqual([10, 20]);
    req.reset({ id: 2, arrivalNs: 0, inputToks: 4, outputToks: 3 }, 16, false);
    clock.begin(100);
    req.addStepGap(clock, 100);
    req.flushItl();
    expect(Array.from(kept)).toEqual([10, 20]); // a fresh region, not the old one overwritten
    expect(req.itlNs[0]).toBe(100);
  });
});
