// `sim impact --infra`: the Sim LLM Benchmark study simulated. The CSV is checked against hand computation from each
// level's per-GPU energy ledgers (usage = facility kWh × CI, manufacturing = kg × duration / lifetime with the seed-mtc
// kg worked by hand, global = Σ per GPU), the PNGs against the PNG format, and bad infra files against clear errors
// with nothing written.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sim } from './cli-harness.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { IMPACT_CSV_COLUMNS, impactCsv, runImpactStudy, usersOnGpu, writeImpactStudy, type ImpactStudy } from '../src/energy/impactStudy.js';
import { InputError } from '../src/errors.js';

const YEAR_S = 365 * 24 * 3600;

// Two different GPUs so per-GPU rows differ: an L40S and the A100 SXM4 40GB that the seed's MTC formula is scaled from.
const L40S = { nom: 'L40S', die_area: 608.5, tdp: 350, tech_node: '5', type_memoire: 'GDDR6', taille_memoire: 48, foundry: 'TSMC', date_sortie: '2022', fu: 'Large scale', density: 125390000 };
const A100 = { nom: 'A100-40GB', die_area: 826, tdp: 400, tech_node: '7', type_memoire: 'HBM2', taille_memoire: 40, foundry: 'TSMC', date_sortie: '2020', fu: 'Large scale', density: 65600000 };
const INFRA = { infra_name: 'mixed', description: 'test', PUE: 1.25, Nb_users: [1, 3], MANUFACTURE_DATA: 'more-than-carbon', gpus: { '0': L40S, '1': A100 } };

/** The seed's MTC manufacturing impact (bar_impact_mtc.py), kgCO2e, by hand. */
const mtcKg = (g: { die_area: number; density: number; taille_memoire: number; tdp: number }) =>
  105.0 * ((0.7 * g.die_area * g.density) / (826 * 65.6e6) + (0.3 * g.taille_memoire) / 40) + 4.8 * (g.tdp / 400);

let dir: string;
const writeInfra = (name: string, value: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(value));
  return f;
};
const OPTS = { requestsPerUser: 2, thinkTimeS: 1, seed: 3 };

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

let study: ImpactStudy;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'servesim-impact-'));
  study = await runImpactStudy(writeInfra('infra.json', INFRA), OPTS);
});

describe('impact study of an infra JSON', () => {
  it('spreads users over the GPUs (u mod n) and sends requestsPerUser each', () => {
    expect([0, 1].map((k) => usersOnGpu(1, k, 2))).toEqual([1, 0]);
    expect([0, 1, 2].map((k) => usersOnGpu(7, k, 3))).toEqual([3, 2, 2]);
    const rows = parseCsv(impactCsv(study));
    expect(rows).toHaveLength(2 * 3);
    expect(rows.map((r) => [r.users, r.gpu_id, r.users_on_gpu, r.requests])).toEqual([
      ['1', '0', '1', '2'], ['1', '1', '0', '0'], ['1', 'all', '1', '2'],
      ['3', '0', '2', '4'], ['3', '1', '1', '2'], ['3', 'all', '3', '6'],
    ]);
    expect(rows.map((r) => r.gpu_name)).toEqual(['L40S', 'A100-40GB', 'L40S+A100-40GB', 'L40S', 'A100-40GB', 'L40S+A100-40GB']);
  });

  it('CSV numbers match hand computation from the per-level ledgers', () => {
    const csv = impactCsv(study);
    expect(csv.split('\n')[0]).toBe(IMPACT_CSV_COLUMNS.join(','));
    const rows = parseCsv(csv);
    const ci = 80.1; // seed MTC electricity factor (Electricity_impacts.csv), the default for MANUFACTURE_DATA more-than-carbon
    const kg = [mtcKg(L40S), mtcKg(A100)];
    expect(kg[1]).toBeCloseTo(109.8, 9); // the reference card itself: 105.0 + 4.80
    for (const level of study.levels) {
      const mine = rows.filter((r) => Number(r.users) === level.users);
      const perGpu = mine.filter((r) => r.scope === 'per_gpu');
      const total = mine.find((r) => r.scope === 'global')!;
      perGpu.forEach((r, k) => {
        const ledger = level.perGpu[k].energy;
        const d = Number(r.duration_s);
        expect(d).toBe(level.durationS); // every GPU is reserved for the whole level
        expect(Number(r.gpu_energy_j)).toBe(ledger.energyJ.gpu);
        // scope 'gpu': IT energy is the GPU's; facility = IT × PUE; usage = kWh × CI
        expect(Number(r.it_energy_j)).toBeCloseTo(Number(r.gpu_energy_j), 6);
        expect(Number(r.facility_energy_j)).toBeCloseTo(Number(r.gpu_energy_j) * 1.25, 6);
        expect(Number(r.usage_gco2e)).toBeCloseTo((Number(r.gpu_energy_j) * 1.25 / 3.6e6) * ci, 9);
        expect(Number(r.mean_gpu_power_w)).toBeCloseTo(Number(r.gpu_energy_j) / d, 6);
        // manufacturing: seed-mtc kg amortised over 3 years of reservation, no server share in scope 'gpu'
        expect(Number(r.embodied_kgco2e_per_gpu)).toBeCloseTo(kg[k], 9);
        expect(Number(r.manufacturing_gco2e)).toBeCloseTo((kg[k] * 1000 * d) / (3 * YEAR_S), 12);
        expect(Number(r.total_gco2e)).toBeCloseTo(Number(r.usage_gco2e) + Number(r.manufacturing_gco2e), 12);
        if (Number(r.requests) > 0) {
          expect(Number(r.output_tokens)).toBeGreaterThan(0);
          expect(Number(r.total_gco2e_per_1k_output_tokens)).toBeCloseTo((Number(r.total_gco2e) / Number(r.output_tokens)) * 1000, 9);
        } else expect(r.total_gco2e_per_1k_output_tokens).toBe(''); // no token: no intensity
      });
      for (const col of ['users_on_gpu', 'requests', 'output_tokens', 'gpu_energy_j', 'it_energy_j', 'facility_energy_j', 'usage_gco2e', 'manufacturing_gco2e', 'total_gco2e']) {
        expect(Number(total[col]), col).toBeCloseTo(perGpu.reduce((a, r) => a + Number(r[col]), 0), 9);
      }
      expect(Number(total.duration_s)).toBe(level.durationS);
      expect(Number(total.total_gco2e_per_1k_output_tokens)).toBeCloseTo((Number(total.total_gco2e) / Number(total.output_tokens)) * 1000, 9);
    }
    // Level 1: the A100 has no user, so it sits parked (model loaded) at P_static = 0.40 × 400 W for the whole level
    // (energy-model.md §4.4 default fraction), while the L40S does the work and draws more than its 125 W parked level.
    const idle = rows.find((r) => r.users === '1' && r.gpu_id === '1')!;
    expect(Number(idle.mean_gpu_power_w)).toBeCloseTo(160, 9);
    expect(Number(rows.find((r) => r.users === '1' && r.gpu_id === '0')!.mean_gpu_power_w)).toBeGreaterThan(125);
    expect(study.warnings.some((w) => /level 1: GPU 1 has no user/.test(w))).toBe(true);
  });

  it('writes the CSV and three PNG charts, byte-identical across runs', async () => {
    const out1 = join(dir, 'out1');
    const files = await writeImpactStudy(study, out1);
    expect(files.map((f) => f.slice(out1.length + 1))).toEqual(['impact.csv', 'impact_usage.png', 'impact_manufacturing.png', 'impact_total.png', 'impact_per_1k_output_tokens.png']);
    expect(readFileSync(files[0], 'utf8')).toBe(impactCsv(study));
    for (const f of files.slice(1)) {
      const png = readFileSync(f);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.toString('latin1', 12, 16)).toBe('IHDR');
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      // 760 × 320 plot at 2× plus axes, titles and a legend below
      expect(width).toBeGreaterThan(2 * 760);
      expect(width).toBeLessThan(2 * 1100);
      expect(height).toBeGreaterThan(2 * 320);
      expect(height).toBeLessThan(2 * 600);
    }
    expect(readdirSync(out1).sort()).toEqual(['impact.csv', 'impact_manufacturing.png', 'impact_per_1k_output_tokens.png', 'impact_total.png', 'impact_usage.png']); // no temp files left
    // A second, independent study with the same inputs and seed writes the same bytes.
    const again = await runImpactStudy(join(dir, 'infra.json'), OPTS);
    const out2 = join(dir, 'out2');
    await writeImpactStudy(again, out2);
    for (const f of readdirSync(out1)) expect(readFileSync(join(out2, f)).equals(readFileSync(join(out1, f))), f).toBe(true);
    // ... and a different seed draws different request lengths.
    const other = await runImpactStudy(join(dir, 'infra.json'), { ...OPTS, seed: 4 });
    expect(impactCsv(other)).not.toBe(impactCsv(study));
  });
});

describe('seed-legacy manufacturing (no MANUFACTURE_DATA)', () => {
  it('uses the given per-cm2 GWP values, memory factors, 7 years and 79.1 gCO2e/kWh as bar_impact.py/perf_show.py', async () => {
    const { MANUFACTURE_DATA: _m, ...legacy } = INFRA;
    const f = writeInfra('legacy.json', { ...legacy, Nb_users: [2], gpus: { '0': L40S } });
    const s = await runImpactStudy(f, { ...OPTS, gwpPerCm2Candidates: [1, 2] });
    // mean over candidates of v·die_cm2 + mem_GB·360 g/GB (GDDR6) / 1000
    const kg = ((1 * 6.085 + (48 * 360) / 1000) + (2 * 6.085 + (48 * 360) / 1000)) / 2;
    const g = s.levels[0].perGpu[0];
    expect(s.embodiedMethod).toBe('seed-legacy');
    expect(g.embodiedKgPerGpu).toBeCloseTo(kg, 9);
    expect(g.manufacturingG).toBeCloseTo((kg * 1000 * g.durationS) / (7 * YEAR_S), 12);
    expect(g.usageG).toBeCloseTo((g.gpuEnergyJ * 1.25 / 3.6e6) * 79.1, 9);
    // without the values the seed reads from its (unbundled) table, the default estimate is used and said so
    const fallback = await runImpactStudy(f, OPTS);
    expect(fallback.warnings.some((w) => /seed-legacy manufacturing needs per-cm² GWP values/.test(w))).toBe(true);
    expect(fallback.embodiedMethod).toBe('seed-mtc'); // L40S has no fixed value; its die, density, memory and TDP are known
    expect(fallback.levels[0].perGpu[0].embodiedKgPerGpu).toBeCloseTo(mtcKg(L40S), 9);
  });
});

describe('sim impact --infra', () => {
  it('runs the bundled sample (L40S ×2, 1/10/100 users) and writes the CSV and charts', async () => {
    const out = join(dir, 'cli-out');
    const r = await sim(['impact', '--infra', join(PACKAGE_ROOT, 'datasets', 'infra-sample.json'), '--requests-per-user', '1', '--think-time', '0', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^L40Sx2: llama-3\.1-8b, PUE 1\.5, grid seed-fr-mtc \(80\.1 gCO2e\/kWh\), manufacturing seed-mtc over 3 y/m);
    expect(r.stdout.match(/^\s+(1|10|100)\s+all\s/gm)).toHaveLength(3);
    const rows = parseCsv(readFileSync(join(out, 'impact.csv'), 'utf8'));
    expect(rows.filter((x) => x.scope === 'global').map((x) => [x.users, x.requests])).toEqual([['1', '1'], ['10', '10'], ['100', '100']]);
    expect(readdirSync(out).sort()).toEqual(['impact.csv', 'impact_manufacturing.png', 'impact_per_1k_output_tokens.png', 'impact_total.png', 'impact_usage.png']);
  });
});

describe('bad infra files', () => {
  const withGpu0 = (patch: Record<string, unknown>) => ({ ...INFRA, gpus: { '0': { ...L40S, ...patch }, '1': A100 } });

  it('a negative die area names the file and field', async () => {
    const f = writeInfra('neg.json', withGpu0({ die_area: -608.5 }));
    await expect(runImpactStudy(f, OPTS)).rejects.toThrow(/neg\.json, field 'gpus\.0\.die_area'.*non-negative number/);
  });

  it('an unknown memory type names the field and suggests known ones', async () => {
    const f = writeInfra('mem.json', withGpu0({ type_memoire: 'GDDR66' }));
    const err = await runImpactStudy(f, OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/mem\.json, field 'gpus\.0\.type_memoire': unknown memory type 'GDDR66'.*did you mean 'GDDR6'/);
  });

  it('a GPU outside the catalog, or a zero die area for the MTC formula, is a clear error', async () => {
    await expect(runImpactStudy(writeInfra('nom.json', withGpu0({ nom: 'L40Z' })), OPTS)).rejects.toThrow(/field 'gpus\.0\.nom'.*not in the hardware catalog.*'L40S'/);
    await expect(runImpactStudy(writeInfra('zero.json', withGpu0({ die_area: 0 })), OPTS)).rejects.toThrow(/zero\.json, field 'gpus\.0\.die_area': seed-mtc manufacturing impact: .*dieAreaMm2 > 0/);
  });

  it('without density, the catalog transistor count fills it (AD102: 76.3e9 transistors on 608.5 mm2)', async () => {
    const { density: _d, ...noDensity } = L40S;
    const s = await runImpactStudy(writeInfra('dens.json', { ...INFRA, Nb_users: [1], gpus: { '0': noDensity } }), OPTS);
    expect(s.levels[0].perGpu[0].embodiedKgPerGpu).toBeCloseTo(mtcKg({ ...L40S, density: 76.3e9 / 608.5 }), 9);
  });

  it('through the CLI: exit code 2, the message, and no output folder', async () => {
    const f = writeInfra('neg-cli.json', withGpu0({ die_area: -1 }));
    const out = join(dir, 'never');
    const r = await sim(['impact', '--infra', f, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neg-cli\.json, field 'gpus\.0\.die_area'/);
    expect(existsSync(out)).toBe(false);
  });
});
