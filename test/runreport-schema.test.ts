// RunReport: intensities recomputed from totals by hand, strict parsing, and the three writers round-tripping.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { finalizeRunReport, noCarbon, noEnergy, parseRunReport, summarize, type RunReportDraft } from '../src/report/runReport.js';
import { readRunReport, requestsCsvPath, runReportSummaryRows, writeRunReport } from '../src/report/runReportWriters.js';

function draft(): RunReportDraft {
  return {
    source: { kind: 'simulated', tool: 'servesim', tool_version: '0.1.0', run_id: 'r1' },
    scenario: { model_id: 'm', accelerators: [{ name: 'H100-SXM', count: 1, tdp_w: 700 }], concurrency: 4, site: { pue: 1.2, grid_region: 'USA', ci_gco2e_per_kwh: 369.5 } },
    workload: { duration_s: 2, requests_completed: 4, input_tokens: 6000, output_tokens: 10000 },
    performance: { output_tok_per_s: 5000 },
    energy: { ...noEnergy(), gpu_j: 1200, cpu_j: null, ram_j: null, other_it_j: 300, it_total_j: 1500, facility_overhead_j: 300, facility_total_j: 1800, method: 'model:utilization' },
    carbon: { operational_gco2e: 0.2, embodied_gco2e: 0.05, total_gco2e: 0.25 },
    per_request: {
      request_id: ['a', 'b,"x"', 'c', 'd'],
      input_tokens: [1000, 2000, 1000, 2000],
      output_tokens: [2500, 2500, 2500, 2500],
      ttft_ms: Array.from(new Float64Array([10, 20, 30, 40])),
      tpot_ms: [1, null, 3, 4],
    },
    provenance: { factors: [{ name: 'pue', value: 1.2, unit: '1', source: 'user', kind: 'user' }], warnings: ['w'] },
  };
}

describe('RunReport intensities', () => {
  it('are computed from facility energy, carbon and workload totals', () => {
    const r = finalizeRunReport(draft());
    expect(r.schema).toBe('servesim.run-report/1');
    expect(r.intensity.j_per_output_token).toBeCloseTo(1800 / 10000, 12);
    expect(r.intensity.j_per_total_token).toBeCloseTo(1800 / 16000, 12);
    expect(r.intensity.wh_per_request).toBeCloseTo(1800 / 3600 / 4, 12);
    expect(r.intensity.tokens_per_j).toBeCloseTo(10000 / 1800, 12);
    expect(r.intensity.energy_per_user_j).toBeCloseTo(1800 / 4, 12);
    expect(r.intensity.gco2e_per_1k_output_tokens.operational).toBeCloseTo(0.02, 12);
    expect(r.intensity.gco2e_per_1k_output_tokens.embodied).toBeCloseTo(0.005, 12);
    expect(r.intensity.gco2e_per_request.total).toBeCloseTo(0.0625, 12);
  });

  it('are null, not 0, when energy or tokens are unknown', () => {
    const d = draft();
    d.energy = noEnergy();
    d.carbon = noCarbon();
    d.workload.output_tokens = null;
    const r = finalizeRunReport(d);
    expect(r.intensity.j_per_output_token).toBeNull();
    expect(r.intensity.wh_per_request).toBeNull();
    expect(r.intensity.gco2e_per_request.operational).toBeNull();
  });

  it('copied from a file are ignored and recomputed', () => {
    const raw = JSON.parse(JSON.stringify(finalizeRunReport(draft())));
    raw.intensity.j_per_output_token = 999;
    expect(parseRunReport(raw).intensity.j_per_output_token).toBeCloseTo(0.18, 12);
  });

  it('bad input names the field', () => {
    const raw = JSON.parse(JSON.stringify(finalizeRunReport(draft())));
    raw.per_request.ttft_ms.pop();
    expect(() => parseRunReport(raw, 'r.json')).toThrow(InputError);
    expect(() => parseRunReport(raw, 'r.json')).toThrow(/r\.json, field 'per_request\.ttft_ms': expected 4 values/);
    raw.per_request.ttft_ms.push(1);
    raw.energy.method = 'guess';
    expect(() => parseRunReport(raw, 'r.json')).toThrow(/field 'energy\.method'/);
  });
});

describe('summarize', () => {
  it('mean, population std, interpolated percentiles, nulls skipped', () => {
    const s = summarize([4, null, 1, 3, 2]);
    expect(s).toMatchObject({ count: 4, mean: 2.5, median: 2.5, min: 1, max: 4 });
    expect(s.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(s.p90).toBeCloseTo(1 + 0.9 * 3 * 1, 12); // idx 2.7 between 3 and 4 → 3.7
    expect(summarize([])).toEqual({ count: 0 });
  });
});

describe('writers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runreport-'));
  const report = finalizeRunReport(draft());

  it('JSON round-trips', () => {
    const p = join(dir, 'r.json');
    writeRunReport(p, report);
    expect(readRunReport(p)).toEqual(report);
  });

  it('msgpack holds the whole report with plain arrays, even from typed arrays', () => {
    const withTyped = { ...report, per_request: { ...report.per_request!, energy_j: new Float64Array([1, 2, 3, 4]) as unknown as number[] } };
    const p = join(dir, 'r.msgpack');
    writeRunReport(p, withTyped);
    const raw = decode(readFileSync(p)) as { per_request: { energy_j: unknown } };
    expect(Array.isArray(raw.per_request.energy_j)).toBe(true);
    expect(raw.per_request.energy_j).toEqual([1, 2, 3, 4]);
    const back = readRunReport(p);
    expect(back.per_request?.energy_j).toEqual([1, 2, 3, 4]);
    expect(back.energy).toEqual(report.energy);
  });

  it('CSV: field,value summary plus one quoted row per request; no temp files left', () => {
    const p = join(dir, 'r.csv');
    const written = writeRunReport(p, report);
    expect(written).toEqual([p, requestsCsvPath(p)]);
    const summary = readFileSync(p, 'utf8').split('\n');
    expect(summary[0]).toBe('field,value');
    expect(summary).toContain('energy.facility_total_j,1800');
    expect(summary).toContain('intensity.j_per_output_token,0.18');
    expect(summary).toContain('energy.cpu_j,');
    const req = readFileSync(requestsCsvPath(p), 'utf8').trim().split('\n');
    expect(req[0]).toBe('request_id,input_tokens,output_tokens,ttft_ms,tpot_ms');
    expect(req).toHaveLength(5);
    expect(req[2]).toBe('"b,""x""",2000,2500,20,');
    expect(runReportSummaryRows(report).some(([k]) => k.startsWith('per_request'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('unknown extension and unreadable files are InputErrors', () => {
    expect(() => writeRunReport(join(dir, 'r.xml'), report)).toThrow(/expected \.json, \.msgpack or \.csv/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => readRunReport(bad)).toThrow(/bad\.json: not a valid JSON/);
    expect(existsSync(join(dir, 'r.xml'))).toBe(false);
  });
});
