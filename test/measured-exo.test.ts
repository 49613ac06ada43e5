// exo benchmark CSV: estimated tokens flagged, failed rows counted, latency statistics by hand.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importExoBenchmark } from '../src/measured/exo.js';

const fixture = join(PACKAGE_ROOT, 'test', 'fixtures', 'measured', 'exo-benchmark.csv');

describe('exo benchmark import', () => {
  it('flags estimated tokens, counts failures, and summarises successful rows', () => {
    const r = importExoBenchmark(fixture);
    expect(r.workload).toMatchObject({ requests_completed: 2, requests_failed: 1, output_tokens: 195, tokens_estimated: true, input_tokens: null, duration_s: 5 });
    expect(r.performance.e2e_latency_ms?.mean).toBeCloseTo(2500, 9);
    expect(r.performance.ttft_ms?.mean).toBeCloseTo(375, 9);
    expect(r.performance.output_tok_per_s).toBeCloseTo(195 / 5, 12);
    expect(r.per_request?.request_id).toEqual(['Explain, briefly, gravity#1', 'Explain, briefly, gravity#2']);
    expect(r.provenance.warnings[0]).toMatch(/estimate/);
    expect(r.intensity.j_per_output_token).toBeNull();
  });

  it('strict: bad success value and several models without a choice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exo-'));
    const f = join(dir, 'b.csv');
    writeFileSync(f, 'model,prompt,run,total_latency,first_token_time,token_count,success\nm,p,1,1,0.1,10,maybe\n');
    expect(() => importExoBenchmark(f)).toThrow(/b\.csv, line 2, field 'success': expected True or False/);
    writeFileSync(f, 'model,prompt,run,total_latency,first_token_time,token_count,success\nm,p,1,1,0.1,10,True\nn,p,1,1,0.1,10,True\n');
    expect(() => importExoBenchmark(f)).toThrow(/2 models \(m, n\): choose one/);
    expect(importExoBenchmark(f, { model: 'n' }).scenario.model_id).toBe('n');
  });
});
