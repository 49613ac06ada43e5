// Factor tables and embodied / grid / GPU-power resolution against the spec's derived values (energy-model.md §4.4, §6, §10).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { EnergyAccumulator } from '../src/energy/accumulator.js';
import { actEmbodied, embodiedRateGPerS, resolveEmbodied, seedLegacyEmbodied, seedMtcEmbodied } from '../src/energy/embodied.js';
import { resolveGpuPower } from '../src/energy/gpuPower.js';
import { loadGridSeriesCsv, regionGrid } from '../src/energy/gridIntensity.js';
import { cpuPowerFraction, hostFromNodeSpec } from '../src/energy/hostPower.js';
import { powerFromClusterConfig } from '../src/energy/llmServingSimPower.js';
import { buildEnergyModel, resolvePue } from '../src/energy/setup.js';
import type { HardwareSpec } from '../src/scenario/types.js';

const h100: HardwareSpec = {
  name: 'H100-SXM',
  vendor: 'NVIDIA',
  class: 'datacenter',
  peakTflops: { fp32: 67, fp16: 989, bf16: 989 },
  memBandwidthGBps: 3350,
  memCapacityGiB: 80,
  memType: 'HBM3',
  tdpW: 700,
  dieAreaMm2: 814,
  processNodeNm: 5,
  interconnect: { pcieGBps: 64 },
  sources: {},
};
const unknownGpu: HardwareSpec = { ...h100, name: 'MysteryGPU', tdpW: 300, dieAreaMm2: undefined, processNodeNm: undefined, idlePowerW: 20 };

describe('embodied carbon', () => {
  it('seed-mtc reproduces the spec’s H100 figure (179.9 kg)', () => {
    const e = seedMtcEmbodied({ name: 'H100', dieAreaMm2: 814, transistorDensityPerMm2: 98.3e6, memCapacityGB: 80, tdpW: 700 });
    // 105·(0.7·814·98.3e6/(826·65.6e6) + 0.3·80/40) + 4.8·700/400
    expect(e.kgCO2e).toBeCloseTo(105 * (0.7 * (814 * 98.3e6) / (826 * 65.6e6) + 0.6) + 4.8 * 1.75, 9);
    expect(e.kgCO2e).toBeCloseTo(179.9, 1);
  });

  it('ACT die carbon: A100 7 nm × 8.26 cm² ≈ 19.1 kg, H100 5 nm × 8.14 cm² ≈ 22.6 kg (plus 0.15 kg package)', () => {
    const a100 = actEmbodied({ name: 'A100', dieAreaMm2: 826, processNodeNm: 7 });
    expect(a100.kgCO2e - 0.15).toBeCloseTo((8.26 * (583 * 2.15 + 275 + 500)) / 0.875 / 1000, 9);
    expect(a100.kgCO2e - 0.15).toBeCloseTo(19.1, 0);
    expect(actEmbodied({ name: 'H100', dieAreaMm2: 814, processNodeNm: 5 }).kgCO2e - 0.15).toBeCloseTo(22.6, 1);
    const n4 = actEmbodied({ name: 'X', dieAreaMm2: 100, processNodeNm: 4 });
    expect(n4.notes.join(' ')).toMatch(/4 nm not tabulated, used 3 nm/);
  });

  it('seed-legacy: mean over per-cm² candidates plus memory factor', () => {
    const e = seedLegacyEmbodied({ name: 'A100', dieAreaMm2: 826, memCapacityGB: 40, memType: 'HBM2e' }, [1.0, 2.0]);
    expect(e.kgCO2e).toBeCloseTo(1.5 * 8.26 + (40 * 280) / 1000, 9);
    expect(() => seedLegacyEmbodied({ name: 'A100', dieAreaMm2: 826, memCapacityGB: 40, memType: 'HBM2e' }, [])).toThrow(InputError);
  });

  it('defaults to the fixed NVIDIA PCF for H100 plus the 712.5 kg server share, alternatives in provenance', () => {
    const r = resolveEmbodied({ name: 'H100-SXM', dieAreaMm2: 814, processNodeNm: 5, memCapacityGB: 85.9, tdpW: 700 });
    expect(r.gpu?.method).toBe('fixed');
    expect(r.kgPerGpu).toBeCloseTo(164 + 712.5, 9);
    expect(r.factors.some((f) => f.name.startsWith('embodied_gpu_alternative:act'))).toBe(true);
    const none = resolveEmbodied({ name: 'MysteryGPU' });
    expect(none.kgPerGpu).toBeNull();
    expect(none.warnings[0]).toMatch(/no embodied-carbon estimate/);
  });

  it('a GPU outside the fixed table: whole-card seed-mtc first, ACT (die + memory) as the alternative', () => {
    const g = { name: 'RTX4090', dieAreaMm2: 608.5, processNodeNm: 5, memCapacityGB: 25.8, memType: 'GDDR6X', tdpW: 450, transistorDensityPerMm2: 76.3e9 / 608.5 };
    const r = resolveEmbodied(g, { hostShareKg: 0 });
    expect(r.gpu?.method).toBe('seed-mtc');
    expect(r.kgPerGpu).toBeCloseTo(seedMtcEmbodied(g).kgCO2e, 9);
    expect(r.alternatives.map((a) => a.method)).toEqual(['act']);
    expect(r.factors.find((f) => f.name === 'embodied_server_share_per_gpu')?.source).toBe('user');
  });

  it('amortisation: 876.5 kg over 3 years = 33.35 g/h (spec §6.4)', () => {
    expect(embodiedRateGPerS(876.5, { lifetimeYears: 3, basis: 'reservation' }) * 3600).toBeCloseTo(33.35, 2);
    expect(() => embodiedRateGPerS(1, { lifetimeYears: 3, basis: 'busy' })).toThrow(/lifetimeUtilisation/);
  });
});

describe('GPU power defaults', () => {
  it('calibrated H100 entry: static 300 W, max 600 W; idle from 0.10·TDP', () => {
    const r = resolveGpuPower(h100);
    expect(r.params.staticW).toBe(300);
    expect(r.params.maxW).toBe(600);
    expect(r.params.idleW).toBeCloseTo(70, 9);
    expect(r.params.powerLimitW).toBe(700);
  });
  it('uncalibrated GPU: hardware idle power, fractions of TDP for the rest, overrides win', () => {
    const r = resolveGpuPower(unknownGpu, { maxW: 280 });
    expect(r.params.idleW).toBe(20);
    expect(r.params.staticW).toBeCloseTo(120, 9);
    expect(r.params.maxW).toBe(280);
    expect(r.factors.find((f) => f.name === 'gpu_max_power:MysteryGPU')?.source).toBe('user override');
  });
  it('refuses inconsistent levels', () => {
    expect(() => resolveGpuPower(unknownGpu, { staticW: 10 })).toThrow(/idle <= static <= max/);
  });
});

describe('host, PUE and grid', () => {
  it('CPU curve passes through its anchor points and interpolates linearly', () => {
    expect(cpuPowerFraction(0)).toBeCloseTo(0.12, 12);
    expect(cpuPowerFraction(0.5)).toBeCloseTo(0.75, 12);
    expect(cpuPowerFraction(0.3)).toBeCloseTo(0.32 + (0.43 * 0.2) / 0.4, 12);
  });
  it('node host power is allocated by GPU share', () => {
    const h = hostFromNodeSpec({ gpusInstalled: 8, cpu: { tdpW: 200, count: 2 }, ramGB: 1000, baseNodePowerW: 400 }, 2);
    expect(h.levels.cpuIdleW).toBeCloseTo(0.25 * 2 * 200 * cpuPowerFraction(0.15), 9);
    expect(h.levels.ramW).toBeCloseTo(0.25 * 284, 9);
    expect(h.levels.otherW).toBeCloseTo(100, 9);
  });
  it('PUE profiles and numbers; unknown profile suggests names', () => {
    expect(resolvePue(undefined).value).toBe(1.56);
    expect(resolvePue('google').value).toBe(1.09);
    expect(() => resolvePue('gogle')).toThrow(/did you mean 'google'/);
    expect(() => resolvePue(0.9)).toThrow(/>= 1/);
  });
  it('bundled regions; unknown region suggests names', () => {
    expect(regionGrid('FRA').staticGPerKWh).toBe(56.0);
    expect(regionGrid('usa').staticGPerKWh).toBe(369.5);
    expect(() => regionGrid('FRAA')).toThrow(/did you mean 'FRA'/);
  });
  it('hourly CSV series: mean over an interval, run start offset, strict errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grid-'));
    const file = join(dir, 'ci.csv');
    writeFileSync(file, 'timestamp,ci_gco2e_per_kwh\n2026-01-01T00:00:00Z,100\n2026-01-01T01:00:00Z,200\n2026-01-01T02:00:00Z,400\n');
    const g = loadGridSeriesCsv(file, 'test', '2026-01-01T00:30:00Z');
    expect(g.meanGPerKWh(0, 3600)).toBeCloseTo(150, 9); // half an hour at 100, half at 200
    expect(g.meanGPerKWh(1800, 5400)).toBeCloseTo(200, 9); // exactly the second hour
    expect(g.meanGPerKWh(3600, 7200)).toBeCloseTo(300, 9); // half at 200, half at 400
    expect(g.extendsPastData(9000)).toBe(false); // series covers 3 h = 10 800 s from 30 min before the run
    expect(g.extendsPastData(9500)).toBe(true);
    expect(g.meanGPerKWh(10_000, 12_000)).toBeCloseTo(400, 9); // last value held
    writeFileSync(file, 'timestamp,ci_gco2e_per_kwh\n2026-01-01T00:00:00Z,100\n2026-01-01T01:00:00Z,x\n');
    expect(() => loadGridSeriesCsv(file, 'test')).toThrow(/ci\.csv, line 3, field 'ci_gco2e_per_kwh': expected a finite number/);
    writeFileSync(file, 'timestamp,ci_gco2e_per_kwh\n2026-01-01T00:00:00Z,100\n2026-01-01T01:00:00Z,100\n2026-01-01T03:00:00Z,100\n');
    expect(() => loadGridSeriesCsv(file, 'test')).toThrow(/line 4.*every 3600 s/);
    writeFileSync(file, 'time_stamp,ci\n2026-01-01T00:00:00Z,100\n');
    expect(() => loadGridSeriesCsv(file, 'test')).toThrow(/missing required column 'timestamp'/);
  });
});

describe('buildEnergyModel', () => {
  it('defaults: per-slot host 150 W, PUE 1.56, world 475 g/kWh, H100 embodied; worked example of spec §7', () => {
    const cfg = buildEnergyModel({ instances: [{ instanceId: 0, hardware: h100, gpuCount: 1, dtype: 'bf16' }], grid: regionGrid('USA'), pue: 1.2 });
    expect(cfg.instances[0].host.otherW).toBe(150);
    expect(cfg.hostSplit).toBe(false);
    // Spec §7: GPU at 600 W for 1 s producing 5000 output tokens, host 150 W, PUE 1.2 → 0.18 J/token facility.
    const acc = new EnergyAccumulator(cfg);
    acc.onIteration({ instanceId: 0, startNs: 0, endNs: 1e9, prefillTokens: 0, decodeTokens: 5000, flops: 989e12, hbmBytes: 0, commBytes: 0 });
    const r = acc.finish(1e9);
    expect(r.energyJ.gpu).toBeCloseTo(600, 9);
    expect(r.energyJ.facilityTotal / 5000).toBeCloseTo(0.18, 12);
    expect(r.energyJ.cpu).toBeNull();
    expect((r.carbonG.operational / 5000) * 1000).toBeCloseTo((0.18 * 1000 * 369.5) / 3.6e6, 12); // ≈ 0.0185 g/1k
    expect(cfg.factors.find((f) => f.name === 'pue')?.value).toBe(1.2);
    expect(cfg.warnings.some((w) => /link/.test(w))).toBe(true);
  });
});

describe('LLMServingSim power block from a cluster config', () => {
  const block = {
    base_node_power: 60,
    npu: { RTXPRO6000: { idle_power: 35, standby_power: 300, active_power: 600, standby_duration: 18 } },
    cpu: { idle_power: 10, active_power: 200, util: 0.15 },
    dram: { dimm_size: 32, idle_power: 2.0, energy_per_bit: 6.0 },
    link: { num_links: 1, idle_power: 5, energy_per_bit: 4.0 },
    nic: { num_nics: 1, idle_power: 20 },
    storage: { num_devices: 2, idle_power: 5 },
  };
  const node = (instances: number) => ({ num_instances: instances, cpu_mem: { mem_size: 512 }, power: block, instances: Array.from({ length: instances }, () => ({ hardware: 'RTXPRO6000', tp_size: 1 })) });
  const gpu = { ...h100, name: 'RTXPRO6000', tdpW: 600 };

  it('host power is per node: two single-instance nodes each carry a whole node, one node with two instances halves it', () => {
    const two = powerFromClusterConfig({ nodes: [node(1), node(1)] }, 'c.json')!;
    expect(two.instancesPerNode).toEqual([1, 1]);
    const inst = [0, 1].map((instanceId) => ({ instanceId, hardware: gpu, gpuCount: 1, dtype: 'bf16' as const }));
    const a = buildEnergyModel({ instances: inst, llmServingSim: two, pue: 1 });
    expect(a.instances.map((i) => i.host.otherW)).toEqual([95, 95]);
    expect(a.instances[0].gpuPower.activity).toBe('constant-active');
    expect(a.instances[0].linkEnergyPerBitPJ).toBe(4);
    const one = powerFromClusterConfig({ nodes: [node(2)] }, 'c.json')!;
    const b = buildEnergyModel({ instances: inst, llmServingSim: one, pue: 1 });
    expect(b.instances.map((i) => i.host.otherW)).toEqual([47.5, 47.5]);
  });

  it('no power block → null; differing blocks → error naming the node', () => {
    expect(powerFromClusterConfig({ nodes: [{ ...node(1), power: undefined }] }, 'c.json')).toBeNull();
    const other = { ...node(1), power: { ...block, base_node_power: 70 } };
    expect(() => powerFromClusterConfig({ nodes: [node(1), other] }, 'c.json')).toThrow(/c\.json, field 'nodes\.1\.power'/);
  });
});
