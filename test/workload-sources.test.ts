import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';
import { createArrivalProcess, type ArrivalSpec } from '../src/workload/arrivals.js';
import { createClosedLoopSource } from '../src/workload/closedLoop.js';
import { WorkloadFileSource } from '../src/workload/fileSource.js';
import { datasetLengthSampler } from '../src/workload/lengths.js';
import { loadWorkload, parseWorkloadText } from '../src/workload/load.js';
import { createOpenLoopSource } from '../src/workload/openLoop.js';
import type { RequestSource, RequestSpec } from '../src/workload/types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE_TRACE = join(ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'workloads', 'example_trace.jsonl');

interface Served {
  spec: RequestSpec;
  finishNs: number;
}

/** A stand-in engine with unlimited servers: each request finishes serviceNs(spec) after it arrives. */
function drain(source: RequestSource, serviceNs: (spec: RequestSpec) => number): Served[] {
  const served: Served[] = [];
  const inFlight: Served[] = [];
  for (let guard = 0; guard < 1e6; guard++) {
    if (source.done() && inFlight.length === 0) return served;
    inFlight.sort((a, b) => a.finishNs - b.finishNs || a.spec.id - b.spec.id);
    const nextFinish = inFlight.length > 0 ? inFlight[0].finishNs : Infinity;
    const nextArrival = source.peekArrivalNs();
    if (nextArrival === Infinity && nextFinish === Infinity) throw new Error('source stalled: nothing pending, nothing in flight, not done');
    if (nextArrival <= nextFinish) {
      const spec = source.pop();
      const s = { spec, finishNs: spec.arrivalNs + serviceNs(spec) };
      served.push(s);
      inFlight.push(s);
    } else {
      const s = inFlight.shift() as Served;
      source.onFinish(s.spec.id, s.finishNs);
    }
  }
  throw new Error('drain did not finish');
}

function checkContract(served: Served[], total: number | undefined): void {
  const ids = served.map((s) => s.spec.id);
  expect(new Set(ids).size).toBe(ids.length);
  if (total !== undefined) expect(ids.length).toBe(total);
  for (let i = 1; i < served.length; i++) {
    const a = served[i - 1].spec;
    const b = served[i].spec;
    expect(b.arrivalNs > a.arrivalNs || (b.arrivalNs === a.arrivalNs && b.id > a.id)).toBe(true);
  }
  for (const s of served) expect(Number.isSafeInteger(s.spec.arrivalNs)).toBe(true);
}

describe('workload file source', () => {
  it('releases flat requests by (arrival, id) and session follow-ups at finish + tool time', () => {
    const text = [
      '{"input_toks":10,"output_toks":1,"arrival_time_ns":500}', // id 0
      '{"session_id":"agent","arrival_time_ns":100,"sub_requests":[{"input_toks":1,"output_toks":1,"tool_duration_ns":1000},{"input_toks":2,"output_toks":1,"tool_duration_ns":7},{"input_toks":3,"output_toks":1}]}', // ids 1-3
      '{"input_toks":20,"output_toks":1,"arrival_time_ns":500}', // id 4
    ].join('\n');
    const source = new WorkloadFileSource(parseWorkloadText(text, 'w.jsonl'));
    expect(source.totalRequests).toBe(5);
    const served = drain(source, () => 50);
    // Hand-computed: session sub-request 1 arrives at 100 + 50 + 1000 = 1150; sub-request 2 at 1150 + 50 + 7 = 1207.
    expect(served.map((s) => [s.spec.id, s.spec.arrivalNs, s.spec.sessionId])).toEqual([
      [1, 100, 'agent'],
      [0, 500, undefined],
      [4, 500, undefined],
      [2, 1150, 'agent'],
      [3, 1207, 'agent'],
    ]);
    expect(source.done()).toBe(true);
  });

  it('is not done while a session waits for a finish, and refuses unknown finishes', () => {
    const source = new WorkloadFileSource(
      parseWorkloadText('{"arrival_time_ns":0,"sub_requests":[{"input_toks":1,"output_toks":1},{"input_toks":1,"output_toks":1}]}', 's.jsonl'),
    );
    source.pop();
    expect(source.peekArrivalNs()).toBe(Infinity);
    expect(source.done()).toBe(false);
    expect(() => source.onFinish(1, 5)).toThrow(/no such request/);
    source.onFinish(0, 5);
    expect(source.peekArrivalNs()).toBe(5);
  });

  it('property: random flat + session workloads keep the contract and release every request once', () => {
    const flat = fc.record({ kind: fc.constant('flat' as const), arrival: fc.integer({ min: 0, max: 1000 }) });
    const session = fc.record({
      kind: fc.constant('session' as const),
      arrival: fc.integer({ min: 0, max: 1000 }),
      tools: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(flat, session), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 500 }), (lines, service) => {
        const text = lines
          .map((l) =>
            l.kind === 'flat'
              ? JSON.stringify({ input_toks: 1, output_toks: 1, arrival_time_ns: l.arrival })
              : JSON.stringify({ arrival_time_ns: l.arrival, sub_requests: l.tools.map((t) => ({ input_toks: 1, output_toks: 1, tool_duration_ns: t })) }),
          )
          .join('\n');
        const source = new WorkloadFileSource(parseWorkloadText(text, 'p.jsonl'));
        const served = drain(source, (s) => service + (s.id % 7));
        checkContract(served, source.totalRequests);
        const byId = new Map(served.map((s) => [s.spec.id, s]));
        let id = 0;
        for (const l of lines) {
          if (l.kind === 'flat') {
            expect(byId.get(id++)?.spec.arrivalNs).toBe(l.arrival);
            continue;
          }
          expect(byId.get(id)?.spec.arrivalNs).toBe(l.arrival);
          for (let i = 1; i < l.tools.length; i++) expect(byId.get(id + i)?.spec.arrivalNs).toBe((byId.get(id + i - 1) as Served).finishNs + l.tools[i - 1]);
          id += l.tools.length;
        }
      }),
    );
  });
});

describe('loadWorkload', () => {
  it('streams the shipped TSV as a source: ids in row order, which is arrival order', async () => {
    const source = await loadWorkload(join(ROOT, 'datasets', 'sharegpt.tsv'));
    const served = drain(source, () => 1e9);
    checkContract(served, 1000);
    expect(served.map((s) => s.spec.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it.skipIf(!existsSync(EXAMPLE_TRACE))('replays the reference example trace with its token ids (skipped without ../shared/reference)', async () => {
    const source = await loadWorkload(EXAMPLE_TRACE, { numReqs: 2 });
    expect(source.totalRequests).toBe(2);
    const first = source.pop();
    expect([first.id, first.arrivalNs, first.inputToks, first.outputToks]).toEqual([0, 46_926_808, 10, 70]);
    expect(first.inputTokIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(source.pop().arrivalNs).toBe(347_938_952);
    expect(source.done()).toBe(true);
  });
});

describe('arrival processes', () => {
  const n = 100_000;
  function gapsS(spec: ArrivalSpec, seed = 3): number[] {
    const p = createArrivalProcess(spec, new Rng(seed, 'arrivals'));
    const gaps: number[] = [];
    let last = 0;
    for (let i = 0; i < n; i++) {
      const t = p.nextArrivalNs();
      gaps.push((t - last) / 1e9);
      last = t;
    }
    return gaps;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cv = (xs: number[]) => {
    const m = mean(xs);
    return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) / m;
  };

  it('constant: exactly 1/rate apart, first one gap after 0', () => {
    const p = createArrivalProcess({ kind: 'constant', rateRps: 4 }, new Rng(1, 'a'));
    expect([p.nextArrivalNs(), p.nextArrivalNs(), p.nextArrivalNs()]).toEqual([250_000_000, 500_000_000, 750_000_000]);
    const third = createArrivalProcess({ kind: 'constant', rateRps: 3 }, new Rng(1, 'a'));
    const ts = Array.from({ length: 3000 }, () => third.nextArrivalNs());
    expect(ts[2999]).toBe(1000 * 1e9); // rounding never accumulates
  });

  it('poisson: mean gap 1/rate, CV 1', () => {
    const g = gapsS({ kind: 'poisson', rateRps: 10 });
    expect(mean(g)).toBeCloseTo(0.1, 2);
    expect(cv(g)).toBeCloseTo(1, 1);
  });

  it('gamma: mean gap 1/rate and the requested CV', () => {
    for (const c of [0.5, 3]) {
      const g = gapsS({ kind: 'gamma', rateRps: 20, cv: c });
      expect(mean(g) / 0.05).toBeGreaterThan(0.97);
      expect(mean(g) / 0.05).toBeLessThan(1.03);
      expect(cv(g) / c).toBeGreaterThan(0.95);
      expect(cv(g) / c).toBeLessThan(1.05);
    }
  });

  it('bursts: nothing in off windows, rate inside on windows, long-run rate × on/(on+off)', () => {
    const p = createArrivalProcess({ kind: 'bursts', rateRps: 100, onS: 2, offS: 3 }, new Rng(9, 'arrivals'));
    const ts = Array.from({ length: n }, () => p.nextArrivalNs() / 1e9);
    expect(ts.filter((t) => t % 5 > 2 + 1e-9)).toEqual([]);
    const span = ts[n - 1];
    expect(n / span / (100 * (2 / 5))).toBeCloseTo(1, 1);
  });

  it('rejects non-positive rates', () => {
    expect(() => createArrivalProcess({ kind: 'poisson', rateRps: 0 }, new Rng(1, 'a'))).toThrow(RangeError);
  });
});

describe('open loop', () => {
  it('emits exactly N requests in contract order with lengths in range', () => {
    const source = createOpenLoopSource({
      numRequests: 500,
      seed: 5,
      arrival: { kind: 'gamma', rateRps: 50, cv: 2 },
      lengths: { kind: 'uniform', input: [10, 20], output: [1, 3] },
    });
    expect(source.totalRequests).toBe(500);
    const served = drain(source, () => 1);
    checkContract(served, 500);
    for (const { spec } of served) {
      expect(spec.inputToks).toBeGreaterThanOrEqual(10);
      expect(spec.inputToks).toBeLessThanOrEqual(20);
      expect(spec.outputToks).toBeGreaterThanOrEqual(1);
      expect(spec.outputToks).toBeLessThanOrEqual(3);
    }
  });

  it('same seed → identical stream; lengths do not move arrivals (separate streams)', () => {
    const make = (lengths: 'fixed' | 'lognormal') =>
      createOpenLoopSource({
        numRequests: 200,
        seed: 77,
        arrival: { kind: 'poisson', rateRps: 5 },
        lengths:
          lengths === 'fixed'
            ? { kind: 'fixed', inputToks: 8, outputToks: 8 }
            : { kind: 'lognormal', input: { mu: 5, sigma: 1, min: 1, max: 4096 }, output: { mu: 4, sigma: 1, min: 1, max: 2048 } },
      });
    const a = drain(make('lognormal'), () => 0).map((s) => s.spec);
    expect(drain(make('lognormal'), () => 0).map((s) => s.spec)).toEqual(a);
    expect(drain(make('fixed'), () => 0).map((s) => s.spec.arrivalNs)).toEqual(a.map((s) => s.arrivalNs));
  });

  it('property: every arrival process and seed keeps the contract and repeats itself', () => {
    const arrival = fc.oneof(
      fc.record({ kind: fc.constant('poisson' as const), rateRps: fc.double({ min: 0.01, max: 1e6, noNaN: true }) }),
      fc.record({ kind: fc.constant('gamma' as const), rateRps: fc.double({ min: 0.01, max: 1e6, noNaN: true }), cv: fc.double({ min: 0.05, max: 10, noNaN: true }) }),
      fc.record({ kind: fc.constant('constant' as const), rateRps: fc.double({ min: 0.01, max: 1e9, noNaN: true }) }),
      // Bursts keep at least ~1e-3 req/s on average, so 200 arrivals stay far inside integer ns (a lower rate is a RangeError by design).
      fc.record({ kind: fc.constant('bursts' as const), rateRps: fc.double({ min: 1, max: 1e6, noNaN: true }), onS: fc.double({ min: 0.01, max: 10, noNaN: true }), offS: fc.double({ min: 0, max: 10, noNaN: true }) }),
    );
    fc.assert(
      fc.property(arrival, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 200 }), (spec: ArrivalSpec, seed, n) => {
        const make = () => createOpenLoopSource({ numRequests: n, seed, arrival: spec, lengths: { kind: 'uniform', input: [1, 100], output: [1, 100] } });
        const served = drain(make(), () => 0);
        checkContract(served, n);
        expect(drain(make(), () => 0).map((s) => s.spec)).toEqual(served.map((s) => s.spec));
      }),
      { numRuns: 60 },
    );
  });

  it('samples dataset lengths with replacement, keeping each row’s pairing', () => {
    const ds = parseWorkloadText('input_toks\toutput_toks\tarrival_time_ns\n100\t1\t0\n200\t2\t0\n300\t3\t0\n', 'd.tsv');
    const source = createOpenLoopSource({ numRequests: 3000, seed: 2, arrival: { kind: 'constant', rateRps: 1000 }, lengths: datasetLengthSampler(ds, new Rng(2, 'lengths')) });
    const counts = new Map<number, number>();
    while (!source.done()) {
      const r = source.pop();
      expect(r.inputToks).toBe(r.outputToks * 100);
      counts.set(r.outputToks, (counts.get(r.outputToks) ?? 0) + 1);
    }
    for (const k of [1, 2, 3]) expect(Math.abs((counts.get(k) ?? 0) - 1000)).toBeLessThan(130); // ~5 sd
  });

  it('streams a million requests one ahead (no per-request storage)', () => {
    const source = createOpenLoopSource({ numRequests: 1_000_000, seed: 1, arrival: { kind: 'poisson', rateRps: 1000 }, lengths: { kind: 'fixed', inputToks: 1, outputToks: 1 } });
    let last = -1;
    let count = 0;
    let sumIn = 0;
    while (!source.done()) {
      const r = source.pop();
      if (r.arrivalNs < last) throw new Error('arrivals went backwards');
      last = r.arrivalNs;
      sumIn += r.inputToks;
      count++;
    }
    expect([count, sumIn]).toEqual([1_000_000, 1_000_000]);
    expect(last / 1e9).toBeCloseTo(1000, -1); // 10^6 requests at 1000/s ≈ 1000 s
  });
});

describe('closed loop', () => {
  it('each user resends after finish + think; hand-computed times for 2 users, fixed service and think', () => {
    const source = createClosedLoopSource({ users: 2, numRequests: 5, seed: 1, thinkTime: { kind: 'fixed', ns: 10 }, lengths: { kind: 'fixed', inputToks: 4, outputToks: 2 } });
    const served = drain(source, (s) => (s.sessionId === 'user-0' ? 100 : 30));
    // user-1: 0 → finish 30 → 40 → finish 70 → 80; user-0: 0 → finish 100 → 110. Ids in order of sending.
    expect(served.map((s) => [s.spec.id, s.spec.arrivalNs, s.spec.sessionId])).toEqual([
      [0, 0, 'user-0'],
      [1, 0, 'user-1'],
      [2, 40, 'user-1'],
      [3, 80, 'user-1'],
      [4, 110, 'user-0'],
    ]);
    expect(source.done()).toBe(true);
  });

  it('never has more than `users` requests outstanding, and waits for finishes', () => {
    const source = createClosedLoopSource({ users: 3, numRequests: 10, seed: 1, thinkTime: { kind: 'exponential', meanNs: 1e6 }, lengths: { kind: 'fixed', inputToks: 1, outputToks: 1 } });
    for (let i = 0; i < 3; i++) source.pop();
    expect(source.peekArrivalNs()).toBe(Infinity);
    expect(source.done()).toBe(false);
  });

  it('property: any users/think/service keeps the contract and emits exactly N', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (users, n, thinkMean, seed) => {
          const source = createClosedLoopSource({ users, numRequests: n, seed, thinkTime: { kind: 'exponential', meanNs: thinkMean }, lengths: { kind: 'fixed', inputToks: 1, outputToks: 1 } });
          const served = drain(source, (s) => 1 + (s.id % 5) * 100);
          checkContract(served, n);
          const again = drain(createClosedLoopSource({ users, numRequests: n, seed, thinkTime: { kind: 'exponential', meanNs: thinkMean }, lengths: { kind: 'fixed', inputToks: 1, outputToks: 1 } }), (s) => 1 + (s.id % 5) * 100);
          expect(again.map((s) => s.spec)).toEqual(served.map((s) => s.spec));
        },
      ),
    );
  });
});
