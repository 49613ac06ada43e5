// The perf models that ship in perf_models/ (calibrated roofline bundles): each one is exactly what
// `sim perf-model build` regenerates, its calibration is reproducible from the measurements it cites, and
// `sim run` finds it under the hardware's aliases.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { sim } from './cli-harness.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { listPerfBundles, readRooflineTuning } from '../src/cost/perfModelBuild.js';
import { prepareScenario } from '../src/simulate.js';
import { HAS_REFERENCE, NO_REFERENCE_REASON } from './cost-fixtures.js';

const SHIPPED_ROOT = join(PACKAGE_ROOT, 'perf_models');
const shipped = listPerfBundles(SHIPPED_ROOT).filter((b) => /servesim roofline/.test(b.generator));

/** Every file of a bundle, relative path -> bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function expectSameFiles(rebuilt: string, original: string): void {
  const a = filesOf(rebuilt);
  const b = filesOf(original);
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, bytes] of b) expect(a.get(name)!.equals(bytes), `${name} differs`).toBe(true);
}

describe('shipped perf models', () => {
  it('include RTX3090, H100-SXM and A100-80GB x Llama-3.1-8B (bf16, tp1), each under 1 MB', () => {
    const names = shipped.map((b) => `${b.hardware} ${b.model} ${b.variant} tp${b.tpDegrees.join(',')}`);
    for (const hw of ['RTX3090', 'H100-SXM', 'A100-80GB']) expect(names).toContain(`${hw} meta-llama/Llama-3.1-8B-Instruct bf16 tp1`);
    for (const b of shipped) {
      const bytes = [...filesOf(b.variantDir).values()].reduce((s, x) => s + x.length, 0);
      expect(bytes).toBeLessThan(1_000_000);
    }
  });

  it('every shipped bundle records calibrated constants and their provenance', () => {
    for (const b of shipped) {
      const { roofline, calibration } = readRooflineTuning(join(b.variantDir, 'meta.yaml'));
      expect(calibration, b.variantDir).toBeDefined();
      expect(calibration!.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
      // a fit never does worse than the defaults it starts from
      expect(calibration!.rmsLogError).toBeLessThanOrEqual(calibration!.rmsLogErrorDefault);
      expect(roofline.computeEfficiency).toBeGreaterThan(0);
      expect(roofline.memoryEfficiency).toBeLessThanOrEqual(1);
    }
  });

  it.each(shipped.map((b) => [b.hardware, b]))(
    '%s: `sim perf-model build --roofline-from` regenerates it byte for byte',
    async (_hw, b) => {
      const out = mkdtempSync(join(tmpdir(), 'servesim-shipped-'));
      const r = await sim(['perf-model', 'build', '--hardware', b.hardware, '--model', b.model, '--dtype', b.variant, '--out', out,
        '--roofline-from', join(b.variantDir, 'meta.yaml')]);
      expect(r.code, r.stderr).toBe(0);
      expectSameFiles(join(out, b.hardware, b.model, b.variant), b.variantDir);
    },
    60_000,
  );

  it.skipIf(!HAS_REFERENCE).each(shipped.map((b) => [b.hardware, b]))(
    '%s: calibrating again on the cited measurements gives the same bundle byte for byte',
    async (_hw, b) => {
      const meta = parseYaml(readFileSync(join(b.variantDir, 'meta.yaml'), 'utf8')) as { calibration: { from: string; measured_hardware: string; source_sha256: string } };
      const profile = resolve(PACKAGE_ROOT, meta.calibration.from);
      expect(existsSync(profile), `${profile} (cited by ${b.variantDir}) is missing`).toBe(true);
      const hashed = statSync(profile).isDirectory() ? join(profile, 'meta.yaml') : profile;
      expect(createHash('sha256').update(readFileSync(hashed)).digest('hex')).toBe(meta.calibration.source_sha256);
      const out = mkdtempSync(join(tmpdir(), 'servesim-recal-'));
      const r = await sim(['perf-model', 'build', '--hardware', b.hardware, '--model', b.model, '--dtype', b.variant, '--out', out,
        '--calibrate-from', profile, '--calibrate-hardware', meta.calibration.measured_hardware]);
      expect(r.code, r.stderr).toBe(0);
      expectSameFiles(join(out, b.hardware, b.model, b.variant), b.variantDir);
    },
    60_000,
  );
  if (!HAS_REFERENCE) it.skip(`recalibration: ${NO_REFERENCE_REASON}`, () => {});

  it('--roofline-from a file that is not a ServeSim bundle meta.yaml is an input error naming the field', async () => {
    const out = mkdtempSync(join(tmpdir(), 'servesim-badmeta-'));
    const r = await sim(['perf-model', 'build', '--hardware', 'RTX3090', '--model', 'llama-3.1-8b', '--out', out,
      '--roofline-from', join(PACKAGE_ROOT, 'package.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/package\.json.*roofline/s);
  });
});

describe('sim run finds the shipped bundles', () => {
  const workload = { kind: 'file', path: join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv'), numReqs: 2 } as const;

  it.each([
    ['RTX3090', 'RTX3090'],
    ['H100', 'H100-SXM'], // an alias: found under the catalog's canonical name
    ['A100', 'A100-80GB'],
  ])('--hardware %s uses perf_models/%s without the roofline warning', async (typed, canonical) => {
    const run = await prepareScenario({ model: 'llama-3.1-8b', hardware: typed, workload });
    expect(run.instanceInfo[0].costSource).toBe('profile');
    expect(run.instanceInfo[0].perfBundle).toBe(join(SHIPPED_ROOT, canonical, 'meta-llama', 'Llama-3.1-8B-Instruct', 'bf16'));
    expect(run.warnings.filter((w) => /roofline/.test(w))).toEqual([]);
  });

  it('a TP degree no shipped bundle covers falls back to the roofline with a warning (a user bundle would be an error)', async () => {
    const run = await prepareScenario({ model: 'llama-3.1-8b', hardware: 'H100', tp: 2, workload });
    expect(run.instanceInfo[0].costSource).toBe('roofline');
    expect(run.warnings.join('\n')).toMatch(/no profile bundle .* on H100 \(bf16, tp2\): using the roofline model/);
  });
});
