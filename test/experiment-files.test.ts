// Experiment files: `_extends` (order, deep merge, null removal, cycles), path rebasing, strict checking with the file
// and field named, sweep expansion (grid × named scenarios, seeded random search) and content-hash run ids.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sim } from './cli-harness.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { InputError } from '../src/errors.js';
import { deepMerge } from '../src/experiment/deepMerge.js';
import { expandExperiment } from '../src/experiment/expand.js';
import { loadExperiment } from '../src/experiment/experimentFile.js';
import { canonicalJson, runIdOf } from '../src/experiment/runId.js';
import { planExperiment } from '../src/experiment/session.js';

const FIX = join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments');

function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'servesim-exp-'));
}

describe('_extends', () => {
  it('merges bases in order (later wins), then the file itself, deep', () => {
    const { experiment, files } = loadExperiment(join(FIX, 'nested', 'child.json'));
    expect(files.map((f) => f.slice(FIX.length + 1))).toEqual(['nested/child.json', 'base.yaml', 'overrides.yaml']);
    const base = experiment.base as Record<string, any>;
    expect(base.workload.rateQps).toBe(6); // overrides.yaml (second base) beats base.yaml
    expect(base.workload.numReqs).toBe(40); // kept from base.yaml: a deep merge, not a replacement
    expect(base.knobs).toEqual({ maxNumSeqs: 64, enablePrefixCaching: false, maxNumBatchedTokens: 1024 });
    expect(base.seed).toBe(9);
    expect(experiment.name).toBe('nested-child');
    expect(experiment.seed).toBe(3);
  });

  it('rebases relative paths onto the top file: a base one folder up names the same dataset', () => {
    const { experiment } = loadExperiment(join(FIX, 'nested', 'child.json'));
    // base.yaml (in FIX) says ../../../datasets; seen from FIX/nested that is one more ../
    expect((experiment.base as any).workload.lengthsFrom).toBe('../../../../datasets/sharegpt.tsv');
    expect(join(FIX, 'nested', (experiment.base as any).workload.lengthsFrom)).toBe(join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv'));
  });

  it('null removes an inherited field', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.yaml'), 'base:\n  clusterConfig: c.json\n  workload: {kind: file, path: w.jsonl}\n');
    writeFileSync(join(dir, 'b.yaml'), '_extends: a.yaml\nbase:\n  clusterConfig: null\n  model: llama-3.2-1b\n  hardware: H100\n');
    const base = loadExperiment(join(dir, 'b.yaml')).experiment.base;
    expect(base).toEqual({ workload: { kind: 'file', path: 'w.jsonl' }, model: 'llama-3.2-1b', hardware: 'H100' });
  });

  it('a cyclic chain is an error naming the cycle', () => {
    const e = inputErrorOf(() => loadExperiment(join(FIX, 'cycle-a.yaml')));
    expect(e.message).toContain('cyclic _extends: cycle-a.yaml → cycle-b.yaml → cycle-a.yaml');
    expect(e.file).toBe(join(FIX, 'cycle-b.yaml'));
    expect(e.exitCode).toBe(2);
  });

  it('a file extending itself is a cycle too', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'self.yaml'), '_extends: ./self.yaml\nbase: {}\n');
    expect(inputErrorOf(() => loadExperiment(join(dir, 'self.yaml'))).message).toContain('cyclic _extends: self.yaml → self.yaml');
  });

  it('a missing base names the file that could not be read', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.yaml'), '_extends: nope.yaml\nbase: {}\n');
    expect(inputErrorOf(() => loadExperiment(join(dir, 'x.yaml'))).file).toBe(join(dir, 'nope.yaml'));
  });
});

describe('strict checking before any run', () => {
  it('an unknown scenario field names the file and full path, with a suggestion', () => {
    const e = inputErrorOf(() => planExperiment(join(FIX, 'bad-unknown.yaml')));
    expect(e.file).toBe(join(FIX, 'bad-unknown.yaml'));
    expect(e.field).toBe('base.knobs.maxNumSeq');
    expect(e.message).toContain('did you mean: maxNumSeqs');
  });

  it('an unknown top-level field is rejected by the schema', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.yaml'), 'base: {}\nsweeps: {}\n');
    const e = inputErrorOf(() => loadExperiment(join(dir, 'x.yaml')));
    expect(e.field).toBe('sweeps');
    expect(e.message).toContain('unknown field');
  });

  it('a sweep axis over a field that does not exist', () => {
    const e = inputErrorOf(() => planExperiment(join(FIX, 'bad-axis.yaml')));
    expect(e.field).toBe('sweep.grid.workload.rateQs');
    expect(e.message).toContain("'workload.rateQs' is not a scenario field (did you mean: workload.rateQps");
  });

  it('an axis value the scenario schema rejects names the run and the field', () => {
    const e = inputErrorOf(() => planExperiment(join(FIX, 'bad-value.yaml')));
    expect(e.message).toMatch(/run 'base tp=0': field 'tp': .*expected number to be >0/);
  });

  it('a YAML syntax error names the line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.yaml'), 'base:\n  model: a\n  hardware: [unclosed\n');
    const e = inputErrorOf(() => loadExperiment(join(dir, 'x.yaml')));
    expect(e.message).toContain('not valid YAML');
    expect(e.line).toBeGreaterThanOrEqual(3);
  });
});

describe('expansion', () => {
  it('crosses named scenarios with the grid: 2 × 4 × 3 = 24 runs, ids unique and sorted', () => {
    const { plan } = planExperiment(join(FIX, 'sweep24.yaml'));
    expect(plan.runs).toHaveLength(24);
    expect(plan.axes).toEqual(['workload.rateQps', 'knobs.maxNumSeqs']);
    const ids = plan.runs.map((r) => r.id);
    expect(new Set(ids).size).toBe(24);
    expect([...ids].sort()).toEqual(ids);
    const mid8 = plan.runs.find((r) => r.scenarioName === 'mid' && r.axes['workload.rateQps'] === 8 && r.axes['knobs.maxNumSeqs'] === 32)!;
    expect(mid8.scenario).toMatchObject({ model: 'llama-3.2-3b', hardware: 'RTX4090', seed: 3, knobs: { maxNumSeqs: 32 } });
    expect(mid8.scenario.workload).toMatchObject({ kind: 'open-loop', rateQps: 8, numReqs: 60 });
    expect(mid8.id).toBe(runIdOf(mid8.scenario));
  });

  it('random search is reproducible from its seed, within its ranges, and another seed gives other points', () => {
    const a = planExperiment(join(FIX, 'nested', 'child.json')).plan;
    const b = planExperiment(join(FIX, 'nested', 'child.json')).plan;
    expect(b.runs).toEqual(a.runs);
    expect(a.runs).toHaveLength(5);
    for (const r of a.runs) {
      const rate = r.axes['workload.rateQps'] as number;
      expect(rate).toBeGreaterThanOrEqual(1);
      expect(rate).toBeLessThan(20);
      expect([16, 64]).toContain(r.axes['knobs.maxNumSeqs']);
    }
    const exp = loadExperiment(join(FIX, 'nested', 'child.json'));
    const other = expandExperiment({ ...exp.experiment, sweep: { random: { ...exp.experiment.sweep!.random!, seed: 12 } } }, exp.file);
    expect(other.runs.map((r) => r.axes['workload.rateQps'])).not.toEqual(a.runs.map((r) => r.axes['workload.rateQps']));
  });

  it('run ids do not depend on where the experiment folder lies (shards on other machines match)', () => {
    const dir = join(tempDir(), 'a', 'b', 'c'); // deep enough that ../../../ stays inside it
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'base.yaml'), readFileSync(join(FIX, 'base.yaml')));
    writeFileSync(join(dir, 'sweep24.yaml'), readFileSync(join(FIX, 'sweep24.yaml')));
    const here = planExperiment(join(FIX, 'sweep24.yaml')).plan.runs.map((r) => r.id);
    const there = planExperiment(join(dir, 'sweep24.yaml')).plan.runs.map((r) => r.id);
    expect(there).toEqual(here);
  });

  it('points that resolve to the same scenario run once', () => {
    const exp = loadExperiment(join(FIX, 'base.yaml'));
    const plan = expandExperiment({ ...exp.experiment, sweep: { grid: { 'workload.rateQps': [4, 5, 4] } } }, exp.file);
    expect(plan.runs).toHaveLength(2);
    expect(plan.duplicates).toBe(1);
  });
});

describe('run ids and merging (properties)', () => {
  const jsonValue = fc.jsonValue();
  it('canonical JSON ignores key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), jsonValue), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(runIdOf(reversed)).toBe(runIdOf(obj));
      }),
    );
  });

  it('deepMerge: every non-null scalar of the later object wins; untouched keys of the base survive', () => {
    const scalar = fc.oneof(fc.integer(), fc.string(), fc.boolean());
    const key = fc.constantFrom('a', 'b', 'c', 'd');
    const tree = fc.dictionary(key, fc.oneof(scalar, fc.dictionary(key, scalar)));
    fc.assert(
      fc.property(tree, tree, (base, over) => {
        const m = deepMerge(base, over) as Record<string, unknown>;
        for (const [k, v] of Object.entries(over)) {
          if (typeof v !== 'object') expect(m[k]).toEqual(v);
          else if (typeof base[k] !== 'object') expect(m[k]).toEqual(v);
          else for (const [k2, v2] of Object.entries(v)) expect((m[k] as Record<string, unknown>)[k2]).toEqual(v2);
        }
        for (const [k, v] of Object.entries(base)) if (!(k in over)) expect(m[k]).toEqual(v);
      }),
    );
  });
});

describe('sim config', () => {
  it('validate counts the runs; show prints the merged experiment and the run list', async () => {
    const v = await sim(['config', 'validate', join(FIX, 'sweep24.yaml')]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('(+1 base file): 24 runs (2 scenarios; axes: workload.rateQps, knobs.maxNumSeqs)');
    const show = await sim(['config', 'show', join(FIX, 'sweep24.yaml'), '--json']);
    const doc = JSON.parse(show.stdout);
    expect(doc.base.workload).toEqual({ kind: 'open-loop', arrival: 'poisson', rateQps: 4, numReqs: 60, lengthsFrom: '../../../datasets/sharegpt.tsv' });
    expect(doc.seed).toBe(3);
    const runs = await sim(['config', 'show', join(FIX, 'sweep24.yaml'), '--runs']);
    const { plan } = planExperiment(join(FIX, 'sweep24.yaml'));
    expect(runs.stdout.trimEnd().split('\n').map((l) => l.split(' ')[0])).toEqual(plan.runs.map((r) => r.id));
  });

  it.each(['bad-unknown.yaml', 'cycle-a.yaml', 'bad-axis.yaml'])('%s: exit 2 with the file named, and sweep starts nothing', async (name) => {
    const v = await sim(['config', 'validate', join(FIX, name)]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^sim: \/.*\.yaml, field '/);
    const out = join(tempDir(), 'out');
    const s = await sim(['sweep', join(FIX, name), '--workers', '0', '--out', out]);
    expect(s.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
