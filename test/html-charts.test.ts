// The report's data reductions and pages without a browser: the sampled CDF is the empirical CDF at its points, series
// averaged down keep their mean, iteration buckets conserve busy time and keep maxima however often they merge,
// throughput rebuilt from request timings gives back every token, a RunReport's page draws what the report holds, the
// sweep page's charts and per-model bars carry the runs' figures, and the page is self-contained and deterministic.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { createInProcessExecutor } from '../src/experiment/executor.js';
import { ResultsStore } from '../src/experiment/resultsStore.js';
import { planExperiment } from '../src/experiment/session.js';
import { runSweep } from '../src/experiment/sweep.js';
import { averageDown, cdfPoints } from '../src/report/chartSpecs.js';
import { renderRunHtml, renderSweepHtml, writeHtmlReport } from '../src/report/html.js';
import { energyParts, runPageFromReport } from '../src/report/runPage.js';
import { classifyHtmlInput } from '../src/report/htmlInput.js';
import { writeRunReportJson } from '../src/report/runReportWriters.js';
import { TimeBuckets } from '../src/report/iterationSeries.js';
import { bucketWidthS, throughputFromRequests } from '../src/report/requestThroughput.js';
import { sweepPageFromResults } from '../src/report/sweepPage.js';
import { finalizeRunReport, noCarbon } from '../src/report/runReport.js';
import { runOne as fakeRunOne } from './fixtures/experiments/fakeRunner.js';

const FIX = join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments');

describe('cdfPoints', () => {
  it('gives, at each point, the share of values at or under it; at most maxPoints points, ending at the maximum', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 2, max: 40 }), (values, maxPoints) => {
        const pts = cdfPoints(values, maxPoints);
        expect(pts.length).toBeLessThanOrEqual(maxPoints);
        expect(pts[0].value).toBe(Math.min(...values));
        expect(pts[pts.length - 1]).toEqual({ value: Math.max(...values), fraction: 1 });
        for (let i = 0; i < pts.length; i++) {
          const atOrUnder = values.filter((v) => v <= pts[i].value).length;
          expect(pts[i].fraction).toBe(atOrUnder / values.length);
          if (i > 0) expect(pts[i].value).toBeGreaterThan(pts[i - 1].value);
        }
      }),
    );
  });

  it('skips null and non-finite values (a TPOT of a one-token answer)', () => {
    expect(cdfPoints([3, null, 1, NaN, 2, Infinity])).toEqual([
      { value: 1, fraction: 1 / 3 },
      { value: 2, fraction: 2 / 3 },
      { value: 3, fraction: 1 },
    ]);
    expect(cdfPoints([null])).toEqual([]);
  });
});

describe('averageDown', () => {
  it('keeps at most maxPoints rows and, with equal groups, the mean of every field', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 12 }), (groups, size) => {
        const rows = Array.from({ length: groups * size }, (_, i) => ({ t: i, v: (i * 37) % 11 }));
        const out = averageDown(rows, groups);
        expect(out.length).toBeLessThanOrEqual(groups);
        const mean = (xs: { v: number }[]) => xs.reduce((a, r) => a + r.v, 0) / xs.length;
        expect(mean(out)).toBeCloseTo(mean(rows), 9);
        expect(out[0].t).toBe((size - 1) / 2); // the first group's mean time
      }),
    );
  });
});

describe('TimeBuckets', () => {
  it('puts iterations in 10 ms buckets by start time: busy-time mean batch, max batch and max KV by hand', () => {
    const b = new TimeBuckets(8, 10_000_000);
    b.add(0, 4_000_000, 2, 10); // bucket 0: 4 ms at batch 2
    b.add(4_000_000, 10_000_000, 5, 30); // bucket 0: 6 ms at batch 5
    b.add(25_000_000, 26_000_000, 1, 3); // bucket 2
    const pts = b.points(0, 100);
    expect(pts).toEqual([
      { timeS: 0.005, instance: 0, meanBatch: (2 * 4 + 5 * 6) / 10, maxBatch: 5, kvUsePct: 30 },
      { timeS: 0.025, instance: 0, meanBatch: 1, maxBatch: 1, kvUsePct: 3 },
    ]);
  });

  it('conserves busy time and request-time, and keeps the maxima, however many times the buckets merge', () => {
    const iteration = fc.record({ gapNs: fc.integer({ min: 0, max: 5e8 }), durNs: fc.integer({ min: 1, max: 5e7 }), reqs: fc.integer({ min: 1, max: 256 }), kv: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(
      fc.property(fc.array(iteration, { minLength: 1, maxLength: 400 }), (its) => {
        const b = new TimeBuckets(16, 1_000_000);
        let t = 0;
        let busy = 0;
        let reqNs = 0;
        for (const it of its) {
          t += it.gapNs;
          b.add(t, t + it.durNs, it.reqs, it.kv);
          busy += it.durNs;
          reqNs += it.reqs * it.durNs;
          t += it.durNs;
        }
        const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
        expect(sum(b.busyNs)).toBe(busy);
        expect(sum(b.reqNs)).toBe(reqNs);
        const pts = b.points(0, 1000);
        expect(pts.length).toBeLessThanOrEqual(16);
        expect(Math.max(...pts.map((p) => p.maxBatch))).toBe(Math.max(...its.map((i) => i.reqs)));
        expect(Math.max(...pts.map((p) => p.kvUsePct))).toBeCloseTo(Math.max(...its.map((i) => i.kv)) / 10, 9);
        // Every iteration started inside the span the buckets cover.
        expect(16 * b.widthNs).toBeGreaterThan(t - its[its.length - 1].durNs);
      }),
    );
  });

  it('decimates: 100 000 back-to-back 20 ms iterations (2000 s) end as at most 400 points spanning the run', () => {
    const b = new TimeBuckets(400, 10_000_000);
    for (let i = 0; i < 100_000; i++) b.add(i * 20_000_000, (i + 1) * 20_000_000, 1 + (i % 7), i % 50);
    const pts = b.points(0, 100);
    expect(pts.length).toBeLessThanOrEqual(400);
    expect(pts.length).toBeGreaterThan(200); // halved only as often as needed
    expect(pts[pts.length - 1].timeS).toBeGreaterThan(1990 - b.widthNs / 1e9);
    expect(Math.max(...pts.map((p) => p.maxBatch))).toBe(7);
  });
});

describe('throughputFromRequests', () => {
  it('by hand: prompt at the first token, the first output token then, the rest spread evenly until the end', () => {
    // 40 s run (1 s buckets). One request: arrives at 0.5 s, first token at 1.5 s, ends at 3.5 s; 100 in, 5 out.
    const pts = throughputFromRequests({ arrivalS: [0.5, 39], ttftMs: [1000, 500], e2eMs: [3000, 1000], inputTokens: [100, 1], outputTokens: [5, 1] });
    expect(pts).toHaveLength(40);
    expect(pts.slice(0, 4)).toEqual([
      { timeS: 1, promptTokensPerS: 0, generationTokensPerS: 0 },
      { timeS: 2, promptTokensPerS: 100, generationTokensPerS: 1 + 0.5 * 2 }, // first token + 4 tokens over 2 s: 2 tok/s
      { timeS: 3, promptTokensPerS: 0, generationTokensPerS: 2 },
      { timeS: 4, promptTokensPerS: 0, generationTokensPerS: 1 },
    ]);
    expect(pts[39]).toEqual({ timeS: 40, promptTokensPerS: 1, generationTokensPerS: 1 });
  });

  it('gives back every token: Σ rate × width = the requests\' input and output tokens, in at most maxPoints buckets', () => {
    const req = fc.record({ arrivalS: fc.double({ min: 0, max: 5000, noNaN: true }), ttftMs: fc.double({ min: 0, max: 1e5, noNaN: true }), extraMs: fc.double({ min: 0, max: 1e6, noNaN: true }), inTok: fc.integer({ min: 0, max: 5000 }), outTok: fc.integer({ min: 0, max: 2000 }) });
    fc.assert(
      fc.property(fc.array(req, { minLength: 1, maxLength: 60 }), fc.integer({ min: 5, max: 400 }), (rs, maxPoints) => {
        const pts = throughputFromRequests({ arrivalS: rs.map((r) => r.arrivalS), ttftMs: rs.map((r) => r.ttftMs), e2eMs: rs.map((r) => r.ttftMs + r.extraMs), inputTokens: rs.map((r) => r.inTok), outputTokens: rs.map((r) => r.outTok) }, maxPoints);
        const endS = Math.max(...rs.map((r) => r.arrivalS + (r.ttftMs + r.extraMs) / 1e3));
        if (!(endS > 0)) return;
        expect(pts.length).toBeLessThanOrEqual(Math.max(maxPoints, 20) + 1);
        const w = bucketWidthS(endS, maxPoints);
        const sum = (f: (p: (typeof pts)[number]) => number) => pts.reduce((a, p) => a + f(p) * w, 0);
        const inTotal = rs.reduce((a, r) => a + r.inTok, 0);
        const outTotal = rs.reduce((a, r) => a + r.outTok, 0);
        expect(Math.abs(sum((p) => p.promptTokensPerS) - inTotal)).toBeLessThanOrEqual(1e-6 * Math.max(1, inTotal));
        expect(Math.abs(sum((p) => p.generationTokensPerS) - outTotal)).toBeLessThanOrEqual(1e-6 * Math.max(1, outTotal));
      }),
    );
  });
});

describe('energyParts', () => {
  it('lists the components of a report that add up to its facility energy', () => {
    const r = finalizeRunReport({
      source: { kind: 'simulated', tool: 'test', run_id: 'x' },
      scenario: { model_id: 'm', accelerators: [{ name: 'RTX4090', count: 1 }], site: { pue: 1.5 } },
      workload: { duration_s: 10, requests_completed: 1, input_tokens: 10, output_tokens: 10 },
      performance: {},
      energy: { gpu_j: 300, gpu_busy_j: 250, gpu_idle_j: 50, cpu_j: 100, ram_j: null, link_j: 0, other_it_j: 20, it_total_j: 420, facility_overhead_j: 210, facility_total_j: 630, method: 'model:utilization', pue_applied_in_source: false },
      carbon: noCarbon(),
      provenance: { factors: [], warnings: [] },
    });
    const parts = energyParts(r);
    expect(parts.map((p) => p.component)).toEqual(['GPU busy', 'GPU idle', 'CPU', 'other IT', 'facility overhead (PUE)']);
    expect(parts.reduce((a, p) => a + p.energyJ, 0)).toBe(630);
  });
});

describe('run page of a RunReport', () => {
  const report = () =>
    finalizeRunReport({
      source: { kind: 'measured', tool: 'vllm bench', run_id: 'bench-1' },
      scenario: { model_id: 'm', accelerators: [{ name: 'H100', count: 2 }], site: { pue: null } },
      workload: { duration_s: 30, requests_completed: 3, input_tokens: 60, output_tokens: 30 },
      performance: {},
      energy: { gpu_j: 900, cpu_j: null, ram_j: null, it_total_j: 900, facility_overhead_j: null, facility_total_j: 900, method: 'nvml', pue_applied_in_source: false },
      carbon: noCarbon(),
      per_request: {
        request_id: ['a', 'b', 'c'],
        input_tokens: [10, 20, 30],
        output_tokens: [5, 10, 15],
        arrival_s: [0, 10, 20],
        ttft_ms: [100, 300, 200],
        tpot_ms: [10, null, 30],
        e2e_ms: [1000, 2000, 9000],
      },
      provenance: { factors: [], warnings: ['measured on a shared node'] },
    });

  it('draws the CDFs, throughput rebuilt from the requests and the energy it has; says why batch and KV are missing', async () => {
    const page = runPageFromReport(report());
    expect(page.title).toBe('m on 2× H100');
    expect(page.latencyCdfs.map((c) => [c.metric, c.points.map((p) => p.value)])).toEqual([
      ['TTFT', [100, 200, 300]],
      ['TPOT', [10, 30]],
      ['E2E', [1000, 2000, 9000]],
    ]);
    expect(page.energy).toEqual([{ component: 'GPU', energyJ: 900 }]);
    expect(page.throughputSource).toMatch(/rebuilt from per-request timings/);
    expect(page.notes.join(' ')).toMatch(/No batch size or KV use over time/);
    const html = await renderRunHtml(page);
    expect(html.charts.map((c) => c.id)).toEqual(['latency-cdf', 'throughput', 'energy']);
    expect(html.html).toContain('<li>measured on a shared node</li>');
  });

  it('is recognised by its schema, as a summary JSON is; anything else is refused naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-html-'));
    const rr = join(dir, 'bench.json');
    writeRunReportJson(rr, report());
    expect(classifyHtmlInput(rr)).toEqual({ kind: 'run-report', defaultOut: join(dir, 'bench.html') });
    const summary = join(dir, 's.json');
    writeFileSync(summary, '{"schema":"servesim.summary/1"}');
    expect(classifyHtmlInput(summary).kind).toBe('summary');
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, 'a,b\n');
    expect(() => classifyHtmlInput(csv)).toThrow(/x\.csv: expected a results folder, a RunReport/);
  });
});

describe('sweep page', () => {
  async function fakeSweep(): Promise<string> {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const dir = mkdtempSync(join(tmpdir(), 'servesim-html-'));
    await runSweep({ name: p.name, plan: p.plan, rootDir: p.rootDir, store: new ResultsStore(dir), executor: createInProcessExecutor(fakeRunOne, 2) });
    return dir;
  }

  it('draws P99 against rate and J/token against the batch limit from every run, and per-model means', async () => {
    const dir = await fakeSweep();
    const page = sweepPageFromResults(dir);
    expect(page).toMatchObject({ name: 'sweep24', planned: 24, finished: 24, failed: 0 });
    expect(page.table.rows).toHaveLength(24);
    expect(page.lines.map((l) => l.title)).toEqual(['P99 TTFT against load', 'P99 TPOT against load', 'Energy per output token against batch limit']);
    const ttft = page.lines[0];
    expect(ttft.points).toHaveLength(24);
    // The fake's P99 TTFT is 20 + 10 × rate at tp 1; 6 lines (2 scenarios × 3 batch limits) of 4 rates each.
    for (const pt of ttft.points) expect(pt.y).toBe(20 + 10 * pt.x);
    expect(new Set(ttft.points.map((p) => p.series)).size).toBe(6);
    expect(ttft.points.filter((p) => p.series === 'small, maxNumSeqs=8').map((p) => p.x)).toEqual([2, 4, 8, 16]);
    const jTok = page.lines[2];
    expect(jTok.points.every((p) => p.y === 2)).toBe(true);
    expect(new Set(jTok.points.map((p) => p.x))).toEqual(new Set([8, 32, 128]));
    // No E2E P99 in the fake's figures: no chart for it, rather than an empty one.
    // Per model: mean output tokens/s over the model's 12 runs = mean of 100 × rate + seed 3 over rates 2, 4, 8, 16.
    const tps = page.modelBars.filter((b) => b.measure === 'output tokens/s');
    expect(tps.map((b) => b.model).sort()).toEqual(['llama-3.2-1b', 'llama-3.2-3b']);
    for (const b of tps) expect(b.value).toBeCloseTo((100 * (2 + 4 + 8 + 16)) / 4 + 3, 9);
  });

  it('renders one self-contained page: an inline SVG per chart, no external URL, the same bytes twice', async () => {
    const dir = await fakeSweep();
    const a = await renderSweepHtml(sweepPageFromResults(dir));
    const b = await renderSweepHtml(sweepPageFromResults(dir));
    expect(a.html).toBe(b.html);
    expect(a.charts.map((c) => c.id)).toEqual(['p99-ttft-against-load', 'p99-tpot-against-load', 'energy-per-output-token-against-batch-limit', 'per-model']);
    expect(a.html.match(/<figure class="chart"/g)).toHaveLength(4);
    expect(a.html.match(/<svg[\s>]/g)).toHaveLength(4);
    expect(a.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(a.html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(a.html).not.toMatch(/@import/);
    for (const row of sweepPageFromResults(dir).table.rows) expect(a.html).toContain(`<td>${row[0]}</td>`);
    expect(a.html.match(/<tr>/g)).toHaveLength(25); // header + 24 runs
    const out = join(dir, 'report.html');
    writeHtmlReport(out, a);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
