// vLLM bench serve JSON: summary statistics taken as printed, per-request columns and missing statistics by hand.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importVllmBench } from '../src/measured/vllmBench.js';

const fixture = join(PACKAGE_ROOT, 'test', 'fixtures', 'measured', 'vllm-bench-detailed.json');

describe('vLLM bench serve import', () => {
  it('maps totals and keeps the printed TTFT statistics', () => {
    const r = importVllmBench(fixture);
    expect(r.source.kind).toBe('measured');
    expect(r.workload).toMatchObject({ duration_s: 1, requests_completed: 3, requests_failed: 0, input_tokens: 350, output_tokens: 9 });
    expect(r.scenario.request_rate_rps).toBe('inf');
    expect(r.scenario.concurrency).toBe(2);
    expect(r.performance.output_tok_per_s).toBe(9);
    expect(r.performance.ttft_ms).toMatchObject({ mean: 200, median: 200, p99: 299, count: 3 });
  });

  it('derives TPOT, ITL and E2E statistics from the detailed arrays when vLLM printed none', () => {
    const r = importVllmBench(fixture);
    // TPOT = (latency − ttft)/(output − 1): (0.5 − 0.1)/4 = 100 ms, (0.7 − 0.3)/2 = 200 ms; single-token request excluded
    expect(r.per_request?.tpot_ms).toEqual([expect.closeTo(100, 9), null, expect.closeTo(200, 9)]);
    expect(r.performance.tpot_ms?.mean).toBeCloseTo(150, 9);
    expect(r.performance.itl_ms?.count).toBe(6);
    expect(r.performance.itl_ms?.mean).toBeCloseTo((4 * 100 + 2 * 200) / 6, 9);
    expect(r.performance.e2e_latency_ms?.mean).toBeCloseTo((500 + 200 + 700) / 3, 9);
    expect(r.per_request?.arrival_s).toEqual([0, 0.25, 0.5]);
  });

  it('failed requests are left out of per-request latencies', () => {
    const raw = JSON.parse(readFileSync(fixture, 'utf8'));
    raw.errors = ['', 'timeout', ''];
    delete raw.mean_ttft_ms;
    delete raw.median_ttft_ms;
    delete raw.std_ttft_ms;
    delete raw.p99_ttft_ms;
    const f = join(mkdtempSync(join(tmpdir(), 'vllm-')), 'r.json');
    writeFileSync(f, JSON.stringify(raw));
    const r = importVllmBench(f);
    expect(r.per_request?.ttft_ms).toEqual([100, null, 300]);
    expect(r.performance.ttft_ms?.mean).toBeCloseTo(200, 9);
    expect(r.performance.ttft_ms?.count).toBe(2);
  });

  it('strict errors name the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vllm-'));
    const f = join(dir, 'r.json');
    const raw = JSON.parse(readFileSync(fixture, 'utf8'));
    writeFileSync(f, JSON.stringify({ ...raw, duration: 'long' }));
    expect(() => importVllmBench(f)).toThrow(/r\.json, field 'duration'/);
    writeFileSync(f, JSON.stringify({ ...raw, latencies: [0.5] }));
    expect(() => importVllmBench(f)).toThrow(/field 'latencies': expected 3 entries/);
  });
});
