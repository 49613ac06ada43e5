// LLM Energy Measure raw and aggregated results into RunReports, by hand.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importLlmEnergyMeasure } from '../src/measured/llmEnergyMeasure.js';

const fx = (f: string) => join(PACKAGE_ROOT, 'test', 'fixtures', 'measured', f);

describe('LLM Energy Measure import', () => {
  it('raw process result: energies, tokens, emissions; J/token recomputed from facility energy', () => {
    const r = importLlmEnergyMeasure(fx('lem-raw.json'));
    expect(r.energy).toMatchObject({ gpu_j: 3000, cpu_j: 800, ram_j: 200, other_it_j: 0, it_total_j: 4000, facility_total_j: 4000, method: 'codecarbon' });
    expect(r.workload).toMatchObject({ duration_s: 20, input_tokens: 3000, output_tokens: 1000 });
    expect(r.carbon.operational_gco2e).toBeCloseTo(0.4, 12);
    expect(r.intensity.j_per_output_token).toBeCloseTo(4, 12);
    expect(r.intensity.tokens_per_j).toBeCloseTo(0.25, 12);
    expect(r.performance.flops_total).toBe(2.2e12);
    expect(r.provenance.warnings.join(' ')).toMatch(/assumed 1\.0/);
  });

  it('aggregated: energies and tokens add over processes, duration is the longest, PUE applied on request', () => {
    const r = importLlmEnergyMeasure(fx('lem-aggregated.json'), { pue: 1.2 });
    expect(r.energy.it_total_j).toBe(9000);
    expect(r.energy.gpu_j).toBe(7000);
    expect(r.energy.facility_total_j).toBeCloseTo(10800, 9);
    expect(r.workload.output_tokens).toBe(2000);
    expect(r.workload.duration_s).toBe(21);
    expect(r.scenario.accelerators).toEqual([{ name: 'unknown', count: 2 }]);
    expect(r.energy.mean_gpu_power_w).toBe(175);
    expect(r.carbon.operational_gco2e).toBeCloseTo(0.9, 12);
    expect(r.intensity.j_per_output_token).toBeCloseTo(10800 / 2000, 12);
  });

  it('a total_tokens that is neither input+output nor output is used as output, with a warning', () => {
    const raw = JSON.parse(readFileSync(fx('lem-raw.json'), 'utf8'));
    raw.inference_metrics.total_tokens = 1200;
    const f = join(mkdtempSync(join(tmpdir(), 'lem-')), 'r.json');
    writeFileSync(f, JSON.stringify(raw));
    const r = importLlmEnergyMeasure(f);
    expect(r.workload.output_tokens).toBe(1200);
    expect(r.provenance.warnings.join(' ')).toMatch(/total_tokens 1200/);
  });

  it('strict: a missing energy field is named', () => {
    const raw = JSON.parse(readFileSync(fx('lem-raw.json'), 'utf8'));
    delete raw.energy_metrics.total_energy_j;
    const f = join(mkdtempSync(join(tmpdir(), 'lem-')), 'r.json');
    writeFileSync(f, JSON.stringify(raw));
    expect(() => importLlmEnergyMeasure(f)).toThrow(/r\.json, field 'energy_metrics\.total_energy_j'/);
  });
});
