// Every GPU of the bundled hardware catalog resolves to a consistent power model; embodied is known where the spec says.
import { describe, expect, it } from 'vitest';
import { EnergyAccumulator } from '../src/energy/accumulator.js';
import { buildEnergyModel } from '../src/energy/setup.js';
import { listHardware } from '../src/scenario/hardware.js';

describe('energy model over the hardware catalog', () => {
  const catalog = listHardware();
  it('the catalog is not empty', () => {
    expect(catalog.length).toBeGreaterThan(0);
  });
  for (const hw of catalog) {
    it(`${hw.name}: idle <= static <= max <= power limit, and a saturated second costs max power`, () => {
      const cfg = buildEnergyModel({ instances: [{ instanceId: 0, hardware: hw, gpuCount: 1, dtype: 'bf16' }], host: { kind: 'none' }, pue: 1 });
      const p = cfg.instances[0].gpuPower;
      expect(p.idleW).toBeLessThanOrEqual(p.staticW);
      expect(p.staticW).toBeLessThanOrEqual(p.maxW);
      expect(p.maxW).toBeLessThanOrEqual(p.powerLimitW);
      const acc = new EnergyAccumulator(cfg);
      const r = cfg.instances[0].rates;
      acc.onIteration({ instanceId: 0, startNs: 0, endNs: 1e9, prefillTokens: 1, decodeTokens: 0, flops: r.peakFlopsPerS, hbmBytes: 0, commBytes: 0 });
      expect(acc.finish(1e9).energyJ.gpu).toBeCloseTo(p.maxW, 9);
    });
  }
  it('a dtype the GPU lacks falls back to bf16 then fp16 peak (V100 has no bf16)', () => {
    const v100 = catalog.find((h) => h.name === 'V100');
    expect(v100).toBeDefined();
    const cfg = buildEnergyModel({ instances: [{ instanceId: 0, hardware: v100!, gpuCount: 1, dtype: 'bf16' }] });
    expect(cfg.instances[0].rates.peakFlopsPerS).toBe(v100!.peakTflops.fp16 * 1e12);
  });
  it('H100 uses the fixed NVIDIA PCF; A100 40GB the primary-data LCA', () => {
    const pick = (n: string) => catalog.find((h) => h.name === n);
    const h100 = pick('H100-SXM');
    const a100 = pick('A100-40GB');
    expect(h100 && a100).toBeDefined();
    expect(buildEnergyModel({ instances: [{ instanceId: 0, hardware: h100!, gpuCount: 1, dtype: 'bf16' }] }).instances[0].embodiedKgPerGpu).toBeCloseTo(164 + 712.5, 9);
    expect(buildEnergyModel({ instances: [{ instanceId: 0, hardware: a100!, gpuCount: 1, dtype: 'bf16' }] }).instances[0].embodiedKgPerGpu).toBeCloseTo(126.8 + 712.5, 9);
  });
});
