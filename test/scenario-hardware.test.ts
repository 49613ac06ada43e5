// Hardware catalog: lookups, cross-checks against LLMServingSim 2.0's cluster configs and datasheet arithmetic,
// and the seed infra JSON loader.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import {
  findHardware,
  isCompleteHardwareSpec,
  listHardware,
  loadSeedInfraGpus,
  parseHardwareSpec,
  resolveHardware,
  seedGpusFromJson,
} from '../src/scenario/hardware.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';

const REFERENCE = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const REQUIRED = ['RTX3090', 'RTX4090', 'RTXPRO6000', 'A100-40GB', 'A100-80GB', 'H100-SXM', 'H200', 'L4', 'L40S', 'V100', 'Jetson-AGX-Orin'];

describe('hardware catalog', () => {
  it('holds the required devices, each with a source for every figure', () => {
    const all = listHardware();
    expect(all.map((h) => h.name)).toEqual(expect.arrayContaining(REQUIRED));
    for (const h of all) {
      for (const field of ['peakTflops', 'memBandwidthGBps', 'memCapacityGiB', 'memType', 'tdpW', 'interconnect'] as const) {
        expect(h.sources[field], `${h.name}.${field}`).toMatch(/\w{8,}/);
      }
    }
  });
  it('resolves names and aliases case- and punctuation-insensitively', () => {
    expect(resolveHardware('H100').name).toBe('H100-SXM');
    expect(resolveHardware('A100').name).toBe('A100-80GB');
    expect(resolveHardware('a100-40gb').name).toBe('A100-40GB');
    expect(resolveHardware('NVIDIA GeForce RTX 4090').name).toBe('RTX4090');
    expect(resolveHardware('Tesla V100-SXM2-32GB').name).toBe('V100');
    expect(resolveHardware('NVIDIA RTX PRO 6000 Blackwell Server Edition').name).toBe('RTXPRO6000');
    expect(resolveHardware('jetson agx orin').name).toBe('Jetson-AGX-Orin');
    expect(findHardware('TPU v5e')).toBeUndefined();
  });
  it('unknown hardware is an InputError with suggestions', () => {
    const err = (() => {
      try {
        resolveHardware('RTX4080');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/unknown hardware 'RTX4080'; did you mean 'RTX4090'/);
  });
  it('returns copies: callers cannot corrupt the catalog', () => {
    const h = resolveHardware('L4');
    h.peakTflops.bf16 = 1;
    expect(resolveHardware('L4').peakTflops.bf16).toBe(121);
  });
  it('datasheet arithmetic holds: FP8 = 2 × BF16 on Ada/Hopper/Blackwell, H200 has H100 compute, A100 BF16 = 16 × FP32', () => {
    for (const name of ['RTX4090', 'L4', 'L40S', 'H100-SXM', 'H200', 'RTXPRO6000']) {
      const p = resolveHardware(name).peakTflops;
      expect(Math.abs((p.fp8 ?? 0) / (2 * p.bf16) - 1), name).toBeLessThan(0.015);
    }
    expect(resolveHardware('H200').peakTflops).toEqual(resolveHardware('H100-SXM').peakTflops);
    expect(resolveHardware('A100-80GB').peakTflops.bf16).toBe(16 * resolveHardware('A100-80GB').peakTflops.fp32);
    // memory bandwidth of GDDR parts = bus width × data rate: RTX 4090 384-bit × 21 Gb/s / 8 = 1008 GB/s
    expect(resolveHardware('RTX4090').memBandwidthGBps).toBe((384 * 21) / 8);
    expect(resolveHardware('RTX3090').memBandwidthGBps).toBe((384 * 19.5) / 8);
    expect(resolveHardware('V100').peakTflops.bf16).toBe(0); // no BF16 on Volta
  });
  it('every bundled file parses strictly and is named after its device', () => {
    const dir = join(PACKAGE_ROOT, 'perf_models', 'hardware');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const { spec } = parseHardwareSpec(readFileSync(join(dir, f), 'utf8'), f);
      expect(`${spec.name}.json`).toBe(f);
    }
  });
  it('a figure without a source, or a misspelt field, is rejected naming the field', () => {
    const good = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'perf_models', 'hardware', 'L4.json'), 'utf8'));
    const noSource = { ...good, sources: { ...good.sources, tdpW: undefined } };
    expect(() => parseHardwareSpec(JSON.stringify(noSource), 'x.json')).toThrow(/x\.json, field 'sources\.tdpW'/);
    expect(() => parseHardwareSpec(JSON.stringify({ ...good, memBandwithGBps: 1 }), 'x.json')).toThrow(/x\.json/);
    const badTflops = { ...good, peakTflops: { ...good.peakTflops, bf16: -1 } };
    expect(() => parseHardwareSpec(JSON.stringify(badTflops), 'x.json')).toThrow(/field 'peakTflops\.bf16'/);
  });
});

describe.skipIf(!existsSync(REFERENCE))('agrees with LLMServingSim 2.0 cluster configs (reference folder)', () => {
  it('npu_mem.mem_size and mem_bw of every instance match our entry for that hardware label', () => {
    const files = [
      ...readdirSync(join(REFERENCE, 'configs', 'cluster')).map((f) => join(REFERENCE, 'configs', 'cluster', f)),
      join(REFERENCE, 'bench', 'examples', 'RTX4090', 'Llama-3.1-8B', 'config.json'),
      join(REFERENCE, 'bench', 'examples', 'RTXPRO6000', 'Llama-3.1-8B', 'config.json'),
    ];
    let checked = 0;
    for (const file of files) {
      const cfg = JSON.parse(readFileSync(file, 'utf8'));
      for (const node of cfg.nodes) {
        for (const inst of node.instances) {
          const hw = resolveHardware(inst.hardware);
          expect(inst.npu_mem.mem_size, file).toBe(hw.memCapacityGiB);
          expect(inst.npu_mem.mem_bw, file).toBe(hw.memBandwidthGBps);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});

describe('seed infra JSON GPUs', () => {
  const seed = {
    infra_name: 'lab',
    PUE: 1.4,
    Nb_users: [1, 10],
    gpus: {
      '0': { nom: 'L40S', die_area: 608, tdp: 300, tech_node: '5', type_memoire: 'GDDR6', taille_memoire: 48, foundry: 'TSMC', date_sortie: '2023', fu: 'Large scale' },
      '1': { nom: 'Quadro RTX 8000', die_area: 754, tdp: 295, tech_node: '12', type_memoire: 'GDDR6', taille_memoire: 48, foundry: 'TSMC', date_sortie: '2018', fu: 'Gamming', density: 24_600_000 },
    },
  };
  it('seed values win; missing fields come from the catalog entry of the same name', () => {
    const [l40s, quadro] = seedGpusFromJson(seed, 'infra.json');
    expect(l40s.catalogName).toBe('L40S');
    expect(l40s.spec.tdpW).toBe(300); // the seed's value, not the datasheet's 350
    expect(l40s.spec.processNodeNm).toBe(5);
    expect(l40s.spec.releaseYear).toBe(2023);
    expect(l40s.spec.class).toBe('datacenter');
    expect(l40s.spec.sources.tdpW).toBe('seed infra JSON infra.json gpus.0.tdp');
    expect(l40s.spec.peakTflops?.bf16).toBe(362.05); // from the catalog
    expect(l40s.spec.sources.peakTflops).toMatch(/L40S GPU datasheet/);
    expect(isCompleteHardwareSpec(l40s.spec)).toBe(true);

    expect(quadro.catalogName).toBeUndefined();
    expect(quadro.spec).toMatchObject({ name: 'Quadro RTX 8000', tdpW: 295, dieAreaMm2: 754, processNodeNm: 12, memCapacityGiB: 48, class: 'consumer' });
    expect(quadro.spec.transistorsBillion).toBeCloseTo((24_600_000 * 754) / 1e9, 9);
    expect(isCompleteHardwareSpec(quadro.spec)).toBe(false);
  });
  it('reads a file; a bad field is named by file and JSON path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-seed-'));
    const file = join(dir, 'infra.json');
    writeFileSync(file, JSON.stringify(seed));
    expect((await loadSeedInfraGpus(file)).map((g) => g.spec.name)).toEqual(['L40S', 'Quadro RTX 8000']);
    const bad = structuredClone(seed) as { gpus: Record<string, Record<string, unknown>> };
    bad.gpus['1'].fu = 'spaceship';
    writeFileSync(file, JSON.stringify(bad));
    await expect(loadSeedInfraGpus(file)).rejects.toThrow(/infra\.json, field 'gpus\.1\.fu'/);
    bad.gpus['1'].fu = 'edge';
    bad.gpus['1'].tdp = 'hot';
    expect(() => seedGpusFromJson(bad, 'infra.json')).toThrow(/field 'gpus\.1\.tdp'.*non-negative number/);
    await expect(loadSeedInfraGpus(join(dir, 'missing.json'))).rejects.toThrow(InputError);
  });
});
