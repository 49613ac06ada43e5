// Deferred inter-token gaps (stepClock.ts, RunningState.addStepGap/addGap/flushItl): whatever the pattern of steps
// a request produces tokens at, its itlNs must equal the gaps computed directly from its token times; and a request's
// counters survive attach/detach to the running state unchanged.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../src/rng.js';
import { ServingRequest } from '../src/serving/request.js';
import { RunningState } from '../src/serving/runningState.js';
import { MAX_ITL_RUN } from '../src/serving/stepClock.js';

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
          const st = new RunningState(4);
          const clock = st.clock;
          const req = new ServingRequest(0);
          req.reset({ id: 1, arrivalNs: 0, inputToks: 4, outputToks: 2 * steps + 1 }, 16, false);
          req.lastTokenNs = 1_000; // the first token (prefill), as complete() stamps it
          const h = st.attach(req);
          const expected: number[] = [];
          let last = 1_000;
          let t = 1_000;
          for (let k = 0; k < steps; k++) {
            t += rng.intInRange(1, 4_000_000_000) * (rng.intInRange(1, 20) === 1 ? 3 : 1); // durations past 2^32 ns too
            clock.begin(t);
            if (rng.intInRange(1, 100) <= tokenPercent) {
              st.addStepGap(h, t);
              expected.push(t - last);
              last = t;
              if (rng.intInRange(1, 100) <= zeroPercent) {
                st.addGap(h, 0);
                expected.push(0);
              }
            }
            if (rng.intInRange(1, 100) <= flushPercent) st.flushItl(h); // a sweep: idempotent
          }
          st.detach(h);
          expect(req.lastTokenNs).toBe(last);
          expect(Array.from(req.itlNs.subarray(0, req.itlCount))).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a run left unwritten until the ring wrapped is an error, not wrong gaps', () => {
    const st = new RunningState(4);
    const clock = st.clock;
    const req = new ServingRequest(0);
    req.reset({ id: 7, arrivalNs: 0, inputToks: 4, outputToks: 10 }, 16, false);
    const h = st.attach(req);
    for (let k = 1; k <= 3; k++) {
      clock.begin(k * 100);
      st.addStepGap(h, k * 100);
    }
    expect(st.hasEndedRun(h)).toBe(false);
    clock.begin(400);
    expect(st.hasEndedRun(h)).toBe(true);
    for (let k = 5; k < 10_000; k++) clock.begin(k * 100);
    expect(() => st.flushItl(h)).toThrow(/overwritten/);
  });

  it('keeps itlNs of finished requests valid when later requests reuse the pooled object', () => {
    const req = new ServingRequest(0);
    req.reset({ id: 1, arrivalNs: 0, inputToks: 4, outputToks: 3 }, 16, false);
    const st = new RunningState(4);
    const clock = st.clock;
    let h = st.attach(req);
    for (const t of [10, 30]) {
      clock.begin(t);
      st.addStepGap(h, t);
    }
    st.detach(h);
    const kept = req.itlNs;
    expect(Array.from(kept)).toEqual([10, 20]);
    req.reset({ id: 2, arrivalNs: 0, inputToks: 4, outputToks: 3 }, 16, false);
    h = st.attach(req);
    clock.begin(100);
    st.addStepGap(h, 100);
    st.detach(h);
    expect(Array.from(kept)).toEqual([10, 20]); // a fresh region, not the old one overwritten
    expect(req.itlNs[0]).toBe(100);
  });

  it('attach and detach keep every counter, whichever index the request gets, and indices are reused lowest first', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ computed: fc.nat(5000), reached: fc.nat(5000), drafts: fc.nat(8), inFlight: fc.boolean(), isInit: fc.boolean(), last: fc.nat(2 ** 40) }), { minLength: 1, maxLength: 40 }), (rows) => {
        const st = new RunningState(2); // grows on the way
        const reqs = rows.map((r, i) => {
          const q = new ServingRequest(i);
          q.reset({ id: i, arrivalNs: 0, inputToks: 3, outputToks: 5 }, 16, false);
          q.numComputed = r.computed;
          q.numReached = r.reached;
          q.draftTokens = r.drafts;
          q.inFlight = r.inFlight;
          q.isInit = r.isInit;
          q.lastTokenNs = r.last;
          return q;
        });
        const hs = reqs.map((q) => st.attach(q));
        expect(hs).toEqual(rows.map((_, i) => i));
        // Writes through the accessors land in the arrays, and back.
        reqs.forEach((q, i) => {
          expect(st.computed[hs[i]]).toBe(rows[i].computed);
          q.numComputed += 1;
          expect(st.computed[hs[i]]).toBe(rows[i].computed + 1);
        });
        for (let i = reqs.length - 1; i >= 0; i--) st.detach(hs[i]);
        reqs.forEach((q, i) => {
          expect([q.numComputed, q.numReached, q.draftTokens, q.inFlight, q.isInit, q.lastTokenNs, q.runningIndex]).toEqual([
            rows[i].computed + 1, rows[i].reached, rows[i].drafts, rows[i].inFlight, rows[i].isInit, rows[i].last, -1,
          ]);
        });
        expect(st.nextIndex()).toBe(0);
      }),
      { numRuns: 50 },
    );
  });
});
