// EcoLogits formulas against the values derived in energy-model.md §10.4 and by hand.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importVllmBench } from '../src/measured/vllmBench.js';
import { ecologitsEstimate, ecologitsDurationS, ecologitsGpuCount, ecologitsGpuJPerToken, ecologitsRequest } from '../src/energy/ecologits.js';

describe('EcoLogits estimate', () => {
  it('GPU J/token at batch 64: 8 B → 0.162, 70 B → 0.289, 405 B → 0.976 (spec §10.4)', () => {
    expect(ecologitsGpuJPerToken(8)).toBeCloseTo(0.162, 3);
    expect(ecologitsGpuJPerToken(70)).toBeCloseTo(0.289, 3);
    expect(ecologitsGpuJPerToken(405)).toBeCloseTo(0.976, 3);
  });
  it('GPU count: 8 B → 1, 70 B → 4 (ceil(2.1) = 3 → 4), 405 B → 16', () => {
    expect(ecologitsGpuCount(8)).toBe(1);
    expect(ecologitsGpuCount(70)).toBe(4);
    expect(ecologitsGpuCount(405)).toBe(16);
  });
  it('one request by hand: energy, operational and embodied carbon', () => {
    const dt = ecologitsDurationS(8, 100); // 100 · (6.785e-4·8 + 3.119e-4·64 + 1.947e-2)
    expect(dt).toBeCloseTo(100 * (6.785e-4 * 8 + 3.119e-4 * 64 + 1.947e-2), 12);
    expect(ecologitsDurationS(8, 100, 64, 1)).toBe(1); // capped by the measured latency
    const r = ecologitsRequest({ paramsActiveB: 8, paramsTotalB: 8, ciGPerKWh: 100, pue: 1.2 }, 100);
    const e = 1.2 * ((dt * 1200 * (1 / 8)) / 64 + 100 * ecologitsGpuJPerToken(8));
    expect(r.energyJ).toBeCloseTo(e, 9);
    expect(r.operationalG).toBeCloseTo((e / 3.6e6) * 100, 12);
    expect(r.embodiedG).toBeCloseTo((dt / (64 * 3 * 365 * 24 * 3600)) * (5700 / 8 + 164) * 1000, 12);
  });

  it('an estimated report for a measured run sums per-request impacts (latency-capped)', () => {
    const base = importVllmBench(join(PACKAGE_ROOT, 'test', 'fixtures', 'measured', 'vllm-bench-detailed.json'));
    const p = { paramsActiveB: 8, paramsTotalB: 8, ciGPerKWh: 56 };
    const est = ecologitsEstimate(base, p);
    const outs = [5, 1, 3];
    const lats = [0.5, 0.2, 0.7];
    const e = outs.reduce((a, o, i) => a + ecologitsRequest(p, o, lats[i]).energyJ, 0);
    expect(est.source.kind).toBe('estimated');
    expect(est.energy.facility_total_j).toBeCloseTo(e, 9);
    expect(est.intensity.j_per_output_token).toBeCloseTo(e / 9, 9);
  });
});
