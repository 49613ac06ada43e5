// CodeCarbon emissions.csv: PUE divided out of component energies, by hand; pairing with a vLLM bench run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importCodeCarbon } from '../src/measured/codecarbon.js';
import { combineMeasured } from '../src/measured/combine.js';
import { importVllmBench } from '../src/measured/vllmBench.js';

const fixtures = join(PACKAGE_ROOT, 'test', 'fixtures', 'measured');
const cc = join(fixtures, 'codecarbon-emissions.csv');

describe('CodeCarbon import', () => {
  it('divides PUE out of component energies; energy_consumed is facility energy', () => {
    const r = importCodeCarbon(cc); // last row: pue 1.2
    expect(r.energy.gpu_j).toBeCloseTo((0.024 * 3.6e6) / 1.2, 6); // 72 000 J
    expect(r.energy.cpu_j).toBeCloseTo((0.003 * 3.6e6) / 1.2, 6);
    expect(r.energy.ram_j).toBeCloseTo((0.0006 * 3.6e6) / 1.2, 6);
    expect(r.energy.facility_total_j).toBeCloseTo(0.0276 * 3.6e6, 6);
    expect(r.energy.it_total_j).toBeCloseTo(82800, 6);
    expect(r.energy.facility_overhead_j).toBeCloseTo(99360 - 82800, 6);
    expect(r.energy.pue_applied_in_source).toBe(true);
    expect(r.carbon.operational_gco2e).toBeCloseTo(10.8, 9);
    expect(r.scenario.site.ci_gco2e_per_kwh).toBeCloseTo(10.8 / 0.0276, 9);
    expect(r.scenario.accelerators).toEqual([{ name: 'NVIDIA H100 80GB HBM3', count: 2 }]);
    expect(r.water?.total_l).toBe(0.5);
    expect(r.provenance.warnings.join(' ')).toMatch(/2 rows .* imported the last/);
  });

  it('selects a row by run_id or index; PUE 1 leaves energies as they are', () => {
    const r = importCodeCarbon(cc, { row: 'run-a' });
    expect(r.energy.gpu_j).toBeCloseTo(0.012 * 3.6e6, 6);
    expect(r.energy.pue_applied_in_source).toBe(false);
    expect(importCodeCarbon(cc, { row: 0 }).source.run_id).toBe('run-a');
    expect(() => importCodeCarbon(cc, { row: 'run-z' })).toThrow(/no row with run_id 'run-z'/);
  });

  it('with token counts, intensities come from facility energy', () => {
    const r = importCodeCarbon(cc, { outputTokens: 99360, inputTokens: 0, requests: 10 });
    expect(r.intensity.j_per_output_token).toBeCloseTo(1, 9);
    expect(r.intensity.wh_per_request).toBeCloseTo(99360 / 3600 / 10, 9);
  });

  it('strict: missing column and bad number name file, line, field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-'));
    const f = join(dir, 'emissions.csv');
    const text = readFileSync(cc, 'utf8');
    writeFileSync(f, text.replace('gpu_energy,', 'gpu_enrgy,'));
    expect(() => importCodeCarbon(f)).toThrow(/line 1, field 'gpu_energy': missing required column 'gpu_energy' \(did you mean .*'gpu_enrgy'/);
    writeFileSync(f, text.replace(',0.024,', ',abc,'));
    expect(() => importCodeCarbon(f)).toThrow(/emissions\.csv, line 3, field 'gpu_energy': expected a finite number, found 'abc'/);
  });

  it('pairs with a vLLM bench run: tokens from the benchmark, energy from CodeCarbon', () => {
    const perf = importVllmBench(join(fixtures, 'vllm-bench-detailed.json'));
    const energy = importCodeCarbon(cc, { row: 'run-a' });
    const r = combineMeasured(perf, energy);
    expect(r.workload.output_tokens).toBe(9);
    expect(r.energy.facility_total_j).toBeCloseTo(0.0138 * 3.6e6, 6);
    expect(r.intensity.j_per_output_token).toBeCloseTo((0.0138 * 3.6e6) / 9, 6);
    expect(r.provenance.warnings.join(' ')).toMatch(/differ by more than 10 %/);
    expect(r.per_request?.request_id).toHaveLength(3);
  });
});
