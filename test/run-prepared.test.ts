// runPrepared: the serving loop's records flow into metrics, the CSV and the summary; hand-traced timings with a fake
// linear cost model; all-or-nothing files; determinism.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequestsCsv, type RequestRow } from '../src/report/requestsCsv.js';
import { DEFAULT_KNOBS, type CostModelLike } from '../src/serving/types.js';
import { runPrepared, type PreparedRun } from '../src/simulate.js';
import type { RequestSource, RequestSpec } from '../src/workload/types.js';

/** latency = a + b·Σnew + c·Σcontext (integer ns); optionally throws on call number `failAt`. */
function fakeCost(a: number, b: number, c: number, failAt = -1): CostModelLike {
  let calls = 0;
  const newTokens = new Int32Array(512);
  const computedBefore = new Int32Array(512);
  return {
    newTokens,
    computedBefore,
    iterate(n: number) {
      if (++calls === failAt) throw new Error('cost model failure');
      let s = a;
      for (let i = 0; i < n; i++) s += b * newTokens[i] + c * computedBefore[i];
      return s;
    },
  };
}

function arraySource(specs: RequestSpec[]): RequestSource {
  let i = 0;
  return {
    peekArrivalNs: () => (i < specs.length ? specs[i].arrivalNs : Infinity),
    pop: () => specs[i++],
    onFinish: () => {},
    done: () => i >= specs.length,
    totalRequests: specs.length,
  };
}

function prepared(specs: RequestSpec[], cost: CostModelLike, numKvBlocks = 1000): PreparedRun {
  return {
    instances: [{ instanceId: 0, modelName: 'test/model', cost, knobs: { ...DEFAULT_KNOBS }, numKvBlocks }],
    instanceInfo: [],
    source: arraySource(specs),
    compat: 'llmservingsim2',
    logIntervalNs: 1_000_000_000,
    router: 'load',
    warnings: [],
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'servesim-run-'));

describe('runPrepared', () => {
  it('one request traced by hand: prefill then two decodes', () => {
    const dir = tmp();
    const csvPath = join(dir, 'sim.csv');
    const rows: RequestRow[] = [];
    const report = runPrepared(prepared([{ id: 0, arrivalNs: 0, inputToks: 4, outputToks: 3 }], fakeCost(1_000_000, 1000, 0)), {
      requestsCsvPath: csvPath,
      summaryJsonPath: join(dir, 'summary.json'),
      onRequest: (r) => rows.push({ ...r, itlNs: Array.from(r.itlNs) }),
    });
    // Batch at 0 (first wake-up = first arrival): 1,000,000 + 4·1000 → TTFT 1,004,000; decodes 1,001,000 each.
    expect(rows).toHaveLength(1);
    expect(rows[0].ttftNs).toBe(1_004_000);
    expect(Array.from(rows[0].itlNs)).toEqual([1_001_000, 1_001_000]);
    expect(rows[0].endNs).toBe(3_006_000);
    expect(rows[0].latencyNs).toBe(3_006_000);
    expect(rows[0].tpotNs).toBe(1_001_000);
    expect(rows[0].queuingDelayNs).toBe(0);
    expect(report.totals.makespanNs).toBe(3_006_000);
    expect(report.summary.ttftMs.mean).toBeCloseTo(1.004, 9);
    expect(report.summary.requestThroughputPerS).toBeCloseTo(1 / 3.006e-3, 6);
    const fromCsv: RequestRow[] = [];
    parseRequestsCsv(readFileSync(csvPath, 'utf8'), csvPath, (r) => fromCsv.push({ ...r, itlNs: Array.from(r.itlNs) }));
    expect(fromCsv).toEqual([{ ...rows[0], model: 'test/model', instanceId: 0 }].map(({ preemptions: _p, prefixHitTokens: _h, ...r }: any) => r));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.requests).toBe(1);
    expect(summary.simulatedDurationNs).toBe(3_006_000);
  });

  it('conserves requests and tokens; CSV rows in completion order; identical bytes on a re-run', () => {
    const specs: RequestSpec[] = [];
    for (let i = 0; i < 60; i++) specs.push({ id: i, arrivalNs: i * 7_000_000, inputToks: 50 + ((i * 37) % 300), outputToks: 1 + ((i * 13) % 40) });
    const run = (dir: string) =>
      runPrepared(prepared(specs, fakeCost(20_000_000, 5000, 20), 60), { requestsCsvPath: join(dir, 'a.csv') });
    const d1 = tmp();
    const d2 = tmp();
    const r1 = run(d1);
    run(d2);
    const bytes = readFileSync(join(d1, 'a.csv'));
    expect(bytes.equals(readFileSync(join(d2, 'a.csv')))).toBe(true);
    expect(r1.summary.requests).toBe(60);
    expect(r1.summary.inputTokens).toBe(specs.reduce((s, r) => s + r.inputToks, 0));
    expect(r1.summary.outputTokens).toBe(specs.reduce((s, r) => s + r.outputToks, 0));
    let lastEnd = 0;
    const seen = new Set<number>();
    parseRequestsCsv(bytes.toString('utf8'), 'a.csv', (r) => {
      expect(r.endNs).toBeGreaterThanOrEqual(lastEnd);
      lastEnd = r.endNs;
      seen.add(r.requestId);
      expect(r.ttftNs).toBeLessThanOrEqual(r.latencyNs);
      expect(r.itlNs.length).toBe(r.outputToks - 1);
    });
    expect(seen.size).toBe(60);
    expect(r1.summary.tpotMs.count).toBe(specs.filter((s) => s.outputToks > 1).length);
    // One heartbeat per elapsed log interval; the intervals' prompt tokens add up to at most the prompts (plus recompute).
    const intervals = Math.floor(r1.totals.makespanNs / 1e9);
    expect(intervals).toBeGreaterThanOrEqual(1);
    expect(r1.heartbeats.length).toBe(intervals);
    const promptInBeats = r1.heartbeats.reduce((s, h) => s + h.promptTokensPerS, 0); // 1-s intervals: rate = tokens
    expect(promptInBeats).toBeLessThanOrEqual(r1.summary.inputTokens + r1.totals.recomputedTokens);
  });

  it('a failing run leaves no CSV and no temp file behind', () => {
    const dir = tmp();
    const specs: RequestSpec[] = [{ id: 0, arrivalNs: 0, inputToks: 10, outputToks: 20 }];
    expect(() => runPrepared(prepared(specs, fakeCost(1000, 1, 0, 5)), { requestsCsvPath: join(dir, 'x.csv'), summaryJsonPath: join(dir, 's.json') })).toThrow(/cost model failure/);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('two instances: per-instance statistics come from that instance\'s requests only', () => {
    const specs: RequestSpec[] = [];
    for (let i = 0; i < 20; i++) specs.push({ id: i, arrivalNs: i * 3_000_000, inputToks: 30 + i, outputToks: 2 + (i % 5) });
    const p = prepared(specs, fakeCost(1_000_000, 1000, 0));
    p.instances.push({ instanceId: 1, modelName: 'test/model', cost: fakeCost(3_000_000, 1000, 0), knobs: { ...DEFAULT_KNOBS }, numKvBlocks: 1000 });
    p.router = 'round-robin';
    const byInstance = new Map<number, number[]>();
    const report = runPrepared(p, { onRequest: (r) => byInstance.set(r.instanceId, [...(byInstance.get(r.instanceId) ?? []), r.ttftNs]) });
    const per = report.summary.perInstance!;
    expect(per.map((x) => x.instanceId)).toEqual([0, 1]);
    expect(per[0].requests + per[1].requests).toBe(20);
    for (const x of per) {
      const ttfts = byInstance.get(x.instanceId)!;
      expect(x.requests).toBe(ttfts.length);
      expect(x.ttftMs.mean).toBeCloseTo(ttfts.reduce((a, b) => a + b, 0) / ttfts.length / 1e6, 9);
    }
    // The slower instance (3 ms per step) has the larger TTFT.
    expect(per[1].ttftMs.mean).toBeGreaterThan(per[0].ttftMs.mean);
  });
});
