// The energy ledger against hand computation (energy-model.md §4–§7) and conservation laws.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { EnergyAccumulator, requestTokensProcessed, type EnergyModelConfig } from '../src/energy/accumulator.js';
import { seriesGrid, staticGrid } from '../src/energy/gridIntensity.js';
import { llmServingSimHost, parseLlmServingSimPower, threeStateGpuPower } from '../src/energy/llmServingSimPower.js';
import type { GpuPowerParams, InstanceEnergySpec } from '../src/energy/types.js';

const YEAR_S = 365 * 24 * 3600;

const utilParams: GpuPowerParams = {
  activity: 'utilization',
  idleW: 50,
  staticW: 200,
  maxW: 400,
  powerLimitW: 500,
  computeWeight: 1,
  memoryWeight: 1,
  gamma: 1,
  standbyS: Infinity,
};

function instance(over: Partial<InstanceEnergySpec> = {}): InstanceEnergySpec {
  return {
    instanceId: 0,
    gpuName: 'TestGPU',
    gpuCount: 1,
    rates: { peakFlopsPerS: 100e12, memBandwidthBytesPerS: 1e12 },
    gpuPower: utilParams,
    host: { cpuIdleW: 10, cpuBusyW: 20, ramW: 5, otherW: 15 },
    linkEnergyPerBitPJ: 0,
    embodiedKgPerGpu: 876.5,
    ...over,
  };
}

function config(instances: InstanceEnergySpec[], over: Partial<EnergyModelConfig> = {}): EnergyModelConfig {
  return {
    instances,
    site: { pue: 1.5 },
    grid: staticGrid(360, 'test', 'test'),
    amortisation: { lifetimeYears: 3, basis: 'reservation' },
    hostSplit: true,
    factors: [],
    warnings: [],
    ...over,
  };
}

const iter = (instanceId: number, startNs: number, endNs: number, flops: number, hbmBytes: number, commBytes = 0) => ({
  instanceId,
  startNs,
  endNs,
  prefillTokens: 10,
  decodeTokens: 2,
  flops,
  hbmBytes,
  commBytes,
});

describe('EnergyAccumulator, utilisation model', () => {
  it('one 1 s iteration at activity 0.5, then a 2 s gap: joules, PUE, carbon and embodied by hand', () => {
    const acc = new EnergyAccumulator(config([instance()]));
    // U_c = 30e12 / (1 s · 100e12) = 0.3, U_m = 0.2e12 / 1e12 = 0.2 → a = 0.5 → P = 200 + 200·0.5 = 300 W
    acc.onIteration(iter(0, 0, 1e9, 30e12, 0.2e12));
    const r = acc.finish(3e9);
    expect(r.energyJ.gpuBusy).toBeCloseTo(300, 9);
    expect(r.energyJ.gpuIdle).toBeCloseTo(200 * 2, 9); // static power through the gap (weights resident)
    expect(r.energyJ.cpu).toBeCloseTo(20 * 1 + 10 * 2, 9);
    expect(r.energyJ.ram).toBeCloseTo(5 * 3, 9);
    expect(r.energyJ.otherIt).toBeCloseTo(15 * 3, 9);
    const it = 300 + 400 + 40 + 15 + 45;
    expect(r.energyJ.itTotal).toBeCloseTo(it, 9);
    expect(r.energyJ.facilityTotal).toBeCloseTo(it * 1.5, 9);
    expect(r.energyJ.facilityOverhead).toBeCloseTo(it * 0.5, 9);
    expect(r.carbonG.operational).toBeCloseTo(((it * 1.5) / 3.6e6) * 360, 12);
    const embodied = ((876.5 * 1000) / (3 * YEAR_S)) * 3;
    expect(r.carbonG.embodied).toBeCloseTo(embodied, 12);
    expect(r.carbonG.total).toBeCloseTo(((it * 1.5) / 3.6e6) * 360 + embodied, 12);
    expect(r.meanGpuPowerW).toBeCloseTo(700 / 3, 9);
    expect(r.effectiveCiGPerKWh).toBeCloseTo(360, 9);
    expect(r.method).toBe('model:utilization');
  });

  it('activity is clamped to 1 and power to the power limit; γ shapes activity', () => {
    const capped = new EnergyAccumulator(config([instance({ gpuPower: { ...utilParams, powerLimitW: 350 } })]));
    capped.onIteration(iter(0, 0, 2e9, 500e12, 5e12)); // a would be 2.5 + 2.5
    expect(capped.finish(2e9).energyJ.gpuBusy).toBeCloseTo(350 * 2, 9);
    const concave = new EnergyAccumulator(config([instance({ gpuPower: { ...utilParams, gamma: 0.5 } })]));
    concave.onIteration(iter(0, 0, 1e9, 25e12, 0)); // a = 0.25, a^0.5 = 0.5 → 300 W
    expect(concave.finish(1e9).energyJ.gpuBusy).toBeCloseTo(300, 9);
  });

  it('utilisation is per GPU: 4 ranks at the same total work draw less each', () => {
    const acc = new EnergyAccumulator(config([instance({ gpuCount: 4 })]));
    acc.onIteration(iter(0, 0, 1e9, 200e12, 0)); // U_c = 200e12 / (4 · 100e12) = 0.5 → 300 W per GPU
    expect(acc.finish(1e9).energyJ.gpuBusy).toBeCloseTo(4 * 300, 9);
  });

  it('a finite standby time drops the GPU to idle power within a gap', () => {
    const acc = new EnergyAccumulator(config([instance({ gpuPower: { ...utilParams, standbyS: 4 } })]));
    acc.onIteration(iter(0, 0, 1e9, 0, 0));
    const r = acc.finish(11e9); // gap of 10 s: 4 s static, 6 s idle
    expect(r.energyJ.gpuBusy).toBeCloseTo(200, 9);
    expect(r.energyJ.gpuIdle).toBeCloseTo(4 * 200 + 6 * 50, 9);
  });

  it('link energy is bytes × 8 × pJ/bit', () => {
    const acc = new EnergyAccumulator(config([instance({ linkEnergyPerBitPJ: 4 })]));
    acc.onIteration(iter(0, 0, 1e9, 0, 0, 1e9)); // 1 GB → 8e9 bit × 4e-12 J = 0.032 J
    expect(acc.finish(1e9).energyJ.link).toBeCloseTo(0.032, 12);
  });

  it('carbon follows an intensity series over the time each joule is spent', () => {
    // 100 g/kWh during [0,1) s, 300 during [1,2) s; a 1 s iteration over [0.5, 1.5] at 200 W static-only power
    const grid = seriesGrid([100, 300], 1, 0, 'test', 'test');
    const acc = new EnergyAccumulator(config([instance({ host: { cpuIdleW: 0, cpuBusyW: 0, ramW: 0, otherW: 0 } })], { grid, site: { pue: 1 } }));
    acc.onIteration(iter(0, 0.5e9, 1.5e9, 0, 0));
    const r = acc.finish(2e9);
    const busy = (200 / 3.6e6) * 200; // 200 J at mean 200 g/kWh
    const gap0 = (100 / 3.6e6) * 100; // 100 J over [0, 0.5] at 100 g/kWh
    const gap1 = (100 / 3.6e6) * 300; // 100 J over [1.5, 2] at 300 g/kWh
    expect(r.carbonG.operational).toBeCloseTo(busy + gap0 + gap1, 12);
  });

  it('amortisation basis busy: rate / lifetime utilisation × busy time', () => {
    const acc = new EnergyAccumulator(config([instance()], { amortisation: { lifetimeYears: 3, basis: 'busy', lifetimeUtilisation: 0.5 } }));
    acc.onIteration(iter(0, 1e9, 3e9, 0, 0));
    const r = acc.finish(10e9);
    expect(r.carbonG.embodied).toBeCloseTo(((876.5 * 1000) / (3 * YEAR_S) / 0.5) * 2, 12);
  });

  it('overlapping iterations of one instance are a bug and are refused', () => {
    const acc = new EnergyAccumulator(config([instance()]));
    acc.onIteration(iter(0, 0, 2e9, 0, 0));
    expect(() => acc.onIteration(iter(0, 1e9, 3e9, 0, 0))).toThrow(/overlaps/);
  });
});

describe('three-state model (LLMServingSim 2.0 parity, reference README §10)', () => {
  const block = {
    base_node_power: 60,
    npu: { RTXPRO6000: { idle_power: 35, standby_power: 300, active_power: 600, standby_duration: 18 } },
    cpu: { idle_power: 10, active_power: 200, util: 0.15 },
    dram: { dimm_size: 32, idle_power: 2.0, energy_per_bit: 6.0 },
    link: { num_links: 1, idle_power: 5, energy_per_bit: 4.0 },
    nic: { num_nics: 1, idle_power: 20 },
    storage: { num_devices: 2, idle_power: 5 },
  };

  it('matches LLMServingSim’s formula: base power × T + active and standby increments', () => {
    const power = parseLlmServingSimPower(block);
    const gpu = threeStateGpuPower(power, 'RTXPRO6000');
    const host = llmServingSimHost(power, 512, 1);
    const acc = new EnergyAccumulator(config([instance({ gpuPower: gpu.params, host: host.levels, embodiedKgPerGpu: null })], { site: { pue: 1 } }));
    acc.onIteration(iter(0, 5e9, 7e9, 0, 0)); // one 2 s batch at t = 5 s
    const r = acc.finish(37e9); // 30 s idle afterwards
    // base W = 60 + 35 + (10 + 190·0.15) + 2·⌊512/32⌋ + 5 + 20 + 2·5 = 200.5
    const base = 60 + 35 + (10 + 190 * 0.15) + 2 * 16 + 5 + 20 + 10;
    const events = (600 - 35) * 2 + 190 * (0.7 - 0.15) * 2 + (300 - 35) * Math.min(30, 18);
    expect(r.energyJ.itTotal).toBeCloseTo(base * 37 + events, 6);
    expect(r.energyJ.gpu).toBeCloseTo(35 * 37 + (600 - 35) * 2 + (300 - 35) * 18, 6);
    expect(r.method).toBe('model:three-state');
    expect(r.carbonG.embodied).toBeNull();
    expect(r.carbonG.total).toBeNull();
  });

  const refConfig = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'configs', 'cluster', 'single_node_power_instance.json');
  it.skipIf(!existsSync(refConfig))('reads the power block of the real LLMServingSim config (skipped without ../shared/reference)', () => {
    const raw = JSON.parse(readFileSync(refConfig, 'utf8'));
    const power = parseLlmServingSimPower(raw.nodes[0].power, { file: refConfig, field: 'nodes.0.power' });
    const gpu = threeStateGpuPower(power, 'RTXPRO6000');
    expect(gpu.params.standbyS).toBe(18);
    expect(llmServingSimHost(power, raw.nodes[0].cpu_mem.mem_size, 1).levels.ramW).toBe(2 * 16);
  });

  it('a bad power block names the field', () => {
    expect(() => parseLlmServingSimPower({ ...block, cpu: { idle_power: 10, active_power: 200, util: 1.5 } }, { file: 'c.json', field: 'nodes.0.power' })).toThrow(
      /c\.json, field 'nodes\.0\.power\.cpu\.util'/,
    );
  });
});

describe('attribution to requests', () => {
  it('splits an instance’s facility energy and carbon by tokens processed', () => {
    const acc = new EnergyAccumulator(config([instance()]));
    acc.onIteration(iter(0, 0, 1e9, 30e12, 0.2e12));
    const a = { instanceId: 0, requestId: 'a', inputToks: 100, outputToks: 51 }; // 150 tokens processed
    const b = { instanceId: 0, requestId: 'b', inputToks: 40, outputToks: 11 }; // 50
    acc.onRequest(a);
    acc.onRequest(b);
    const r = acc.finish(3e9);
    expect(requestTokensProcessed(a)).toBe(150);
    expect(r.attribute(a).energyJ).toBeCloseTo(r.energyJ.facilityTotal * 0.75, 9);
    expect(r.attribute(b).operationalG).toBeCloseTo(r.carbonG.operational * 0.25, 12);
    expect(r.attribute(b).embodiedG).toBeCloseTo((r.carbonG.embodied as number) * 0.25, 12);
  });

  it('conserves energy and carbon over random runs (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ inst: fc.integer({ min: 0, max: 2 }), gapNs: fc.integer({ min: 0, max: 1e9 }), durNs: fc.integer({ min: 0, max: 1e9 }), flops: fc.double({ min: 0, max: 1e15, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.record({ inst: fc.integer({ min: 0, max: 2 }), inTok: fc.integer({ min: 0, max: 5000 }), outTok: fc.integer({ min: 1, max: 2000 }) }), { minLength: 1, maxLength: 40 }),
        (iters, reqs) => {
          const acc = new EnergyAccumulator(config([0, 1, 2].map((id) => instance({ instanceId: id }))));
          const clock = [0, 0, 0];
          for (const it of iters) {
            const start = clock[it.inst] + it.gapNs;
            acc.onIteration(iter(it.inst, start, start + it.durNs, it.flops, 0));
            clock[it.inst] = start + it.durNs;
          }
          for (const q of reqs) acc.onRequest({ instanceId: q.inst, requestId: 0, inputToks: q.inTok, outputToks: q.outTok });
          const r = acc.finish(Math.max(...clock) + 1);
          let e = 0;
          let op = 0;
          for (const q of reqs) {
            const a = r.attribute({ instanceId: q.inst, requestId: 0, inputToks: q.inTok, outputToks: q.outTok });
            e += a.energyJ;
            op += a.operationalG;
          }
          const total = r.energyJ.facilityTotal;
          expect(e + r.energyJ.unattributed).toBeCloseTo(total, 6);
          const itSum = r.energyJ.gpu + (r.energyJ.cpu as number) + (r.energyJ.ram as number) + r.energyJ.otherIt + r.energyJ.link;
          expect(itSum).toBeCloseTo(r.energyJ.itTotal, 6);
          const opUnattributed = r.instances.filter((t) => t.requestWeight === 0).reduce((a, t) => a + t.operationalG, 0);
          expect(op + opUnattributed).toBeCloseTo(r.carbonG.operational, 9);
          expect(r.carbonG.unattributedOperational).toBeCloseTo(opUnattributed, 9);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("'equal' weights and 'unattributed' idle energy: busy parts split per request, the rest kept aside", () => {
    const acc = new EnergyAccumulator(config([instance()], { attribution: { weight: 'equal', idle: 'unattributed' } }));
    acc.onIteration(iter(0, 0, 1e9, 30e12, 0.2e12)); // busy IT: 300 J GPU + 40 J host
    const a = { instanceId: 0, requestId: 'a', inputToks: 100, outputToks: 51 };
    const b = { instanceId: 0, requestId: 'b', inputToks: 1, outputToks: 1 };
    acc.onRequest(a);
    acc.onRequest(b);
    const r = acc.finish(3e9);
    expect(r.attribute(a).energyJ).toBeCloseTo((340 * 1.5) / 2, 9);
    expect(r.attribute(b).energyJ).toBeCloseTo((340 * 1.5) / 2, 9);
    expect(r.energyJ.unattributed).toBeCloseTo(r.energyJ.facilityTotal - 340 * 1.5, 9);
    const busyEmb = (876.5 * 1000) / (3 * YEAR_S); // 1 s busy of a 3 s reservation
    expect(r.attribute(a).embodiedG).toBeCloseTo(busyEmb / 2, 12);
    expect(r.carbonG.unattributedEmbodied).toBeCloseTo(2 * busyEmb, 12);
  });
});
