// The bundled Sim LLM Benchmark infra sample parses, and its GPUs feed the seed-mtc embodied formula.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { seedMtcEmbodied } from '../src/energy/embodied.js';
import { loadSeedInfra } from '../src/energy/seedInfra.js';

describe('Sim LLM Benchmark infra JSON', () => {
  it('datasets/infra-sample.json: PUE, sweep, method and GPUs (string tech_node parsed)', () => {
    const infra = loadSeedInfra(join(PACKAGE_ROOT, 'datasets', 'infra-sample.json'));
    expect(infra).toMatchObject({ infraName: 'L40Sx2', pue: 1.5, concurrencySweep: [1, 10, 100], embodiedMethod: 'seed-mtc' });
    expect(infra.gpus).toHaveLength(2);
    expect(infra.gpus[0]).toMatchObject({ id: '0', name: 'L40S', processNodeNm: 5, memCapacityGB: 48, dieAreaMm2: 608.5 });
    expect(infra.gpus[0].spec.releaseYear).toBe(2022);
    const g = infra.gpus[0];
    const kg = seedMtcEmbodied(g).kgCO2e;
    expect(g.transistorDensityPerMm2).toBeCloseTo(125390000, 0);
    expect(kg).toBeCloseTo(105 * (0.7 * (608.5 * 125390000) / (826 * 65.6e6) + 0.3 * (48 / 40)) + 4.8 * (350 / 400), 9);
  });

  it('bad values name the field', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'infra-')), 'i.json');
    writeFileSync(f, JSON.stringify({ infra_name: 'x', PUE: 1.2, Nb_users: [1], gpus: { '0': { nom: 'A', die_area: 1, tdp: 1, tech_node: 'seven', type_memoire: 'HBM2', taille_memoire: 40 } } }));
    expect(() => loadSeedInfra(f)).toThrow(/i\.json.*gpus\.0\.tech_node/);
    writeFileSync(f, JSON.stringify({ infra_name: 'x', PUE: 0.8, Nb_users: [1], gpus: { '0': { nom: 'A', tdp: 1 } } }));
    expect(() => loadSeedInfra(f)).toThrow(/i\.json, field 'PUE'/);
  });
});
