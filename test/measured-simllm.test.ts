// Sim LLM Benchmark: trapezoid integration of power logs by hand, PUE, and the seed's global impacts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importSimLlmBenchmark, readGlobalImpacts, readPowerTrace, trapezoidEnergyJ } from '../src/measured/simLlmBenchmark.js';

const fx = (f: string) => join(PACKAGE_ROOT, 'test', 'fixtures', 'measured', f);

describe('power log integration', () => {
  it('trapezoid rule by hand: 0.5·(100+120)/2 + 1·(120+80)/2 + 0.5·(80+80)/2 = 195 J', () => {
    const t = readPowerTrace(fx('sim-llm-power-gpu0.csv'));
    expect(t.energyJ).toBeCloseTo(195, 12);
    expect(t.durationS).toBe(2);
    expect(readPowerTrace(fx('sim-llm-power-gpu0.csv'), 'mW').energyJ).toBeCloseTo(0.195, 12);
  });

  it('a constant power integrates to P × duration (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 2, maxLength: 50 }), fc.double({ min: 0, max: 1000, noNaN: true }), (steps, p) => {
        const times: number[] = [];
        let t = 0;
        for (const s of steps) times.push((t += s));
        const e = trapezoidEnergyJ(times, times.map(() => p));
        expect(e).toBeCloseTo(p * (times[times.length - 1] - times[0]), 6);
      }),
    );
  });

  it('decreasing timestamps are refused with the line', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'simllm-')), 'p.csv');
    writeFileSync(f, 'timestamp,gpu_power\n0,1\n2,1\n1,1\n');
    expect(() => readPowerTrace(f)).toThrow(/p\.csv, line 4, field 'timestamp': timestamps must not decrease/);
  });
});

describe('Sim LLM Benchmark import', () => {
  it('two GPUs: energies add, PUE applied, GPU-only warning', () => {
    const r = importSimLlmBenchmark([fx('sim-llm-power-gpu0.csv'), fx('sim-llm-power-gpu1.csv')], { pue: 1.5, ciGPerKWh: 79.1, gpuName: 'L40S' });
    expect(r.energy.gpu_j).toBeCloseTo(295, 12);
    expect(r.energy.it_total_j).toBeCloseTo(295, 12);
    expect(r.energy.facility_total_j).toBeCloseTo(442.5, 12);
    expect(r.energy.mean_gpu_power_w).toBeCloseTo(295 / 2 / 2, 12);
    expect(r.energy.cpu_j).toBeNull();
    // the seed's usage formula: E_kWh × PUE × EGM
    expect(r.carbon.operational_gco2e).toBeCloseTo((295 / 3.6e6) * 1.5 * 79.1, 15);
    expect(r.provenance.warnings[0]).toMatch(/GPU power only/);
  });

  it('global impacts (legacy, gCO2e) and MTC (GWP in kg → g)', () => {
    const legacy = readGlobalImpacts(fx('sim-llm-global_impacts.csv'), 'mistral:7b', 10);
    expect(legacy).toEqual({ totalG: 3, usageG: 2, manufacturingG: 1, method: 'seed-legacy' });
    const mtc = readGlobalImpacts(fx('sim-llm-global_impacts_mtc.csv'), 'gemma3:4b', 1);
    expect(mtc.totalG).toBeCloseTo(0.3, 12);
    expect(mtc.method).toBe('seed-mtc');
    const r = importSimLlmBenchmark([fx('sim-llm-power-gpu0.csv')], { pue: 1.5, globalImpacts: fx('sim-llm-global_impacts.csv'), modelId: 'mistral:7b', nbUsers: 100 });
    expect(r.carbon).toMatchObject({ operational_gco2e: 4, embodied_gco2e: 2, total_gco2e: 6, embodied_method: 'seed-legacy', lifetime_years: 7 });
    expect(r.intensity.energy_per_user_j).toBeCloseTo((195 * 1.5) / 100, 12);
    expect(r.timeseries?.power_w).toHaveLength(4);
    expect(() => readGlobalImpacts(fx('sim-llm-global_impacts.csv'), 'mistral', 10)).toThrow(/no global row for model 'mistral'.*models: mistral:7b/);
  });

  it('raw latencies of one user count give E2E statistics and the request count', () => {
    const r = importSimLlmBenchmark([fx('sim-llm-power-gpu0.csv')], { pue: 1, nbUsers: 10, rawLatencies: fx('sim-llm-raw_latencies.csv') });
    expect(r.workload.requests_completed).toBe(2);
    expect(r.performance.e2e_latency_ms).toMatchObject({ count: 2, mean: 2000, min: 1000, max: 3000 });
    expect(r.intensity.wh_per_request).toBeCloseTo(195 / 3600 / 2, 12);
  });
});
