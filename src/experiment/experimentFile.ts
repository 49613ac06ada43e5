// Reading experiment files (YAML or JSON) with `_extends`: each file is read and checked on its own (so an error names
// the file that has it), its relative paths are rebased onto the top file's folder, then bases merge in order and the
// file itself wins. Cycles are reported with the chain that closes them.
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import YAML from 'yaml';
import { InputError } from '../errors.js';
import { parseJsonText, parseOrThrow } from '../scenario/zodInput.js';
import { deepMerge, isPlainObject } from './deepMerge.js';
import { experimentFileSchema, experimentSchema, type Experiment, type ExperimentFileContent } from './experimentSchema.js';
import { assertKnownScenarioKeys, assertScenarioField } from './scenarioFields.js';

/** Scenario fields that hold file paths (model only when it names a config.json). */
const PATH_FIELDS = new Set(['clusterConfig', 'perfModels', 'workload.path', 'workload.lengthsFrom', 'model']);

export interface LoadedExperiment {
  experiment: Experiment;
  /** The top file (absolute). */
  file: string;
  /** Its folder: relative paths in `experiment` are relative to it. */
  rootDir: string;
  /** Every file read, top first. */
  files: string[];
}

function readStructured(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read experiment file: ${(e as Error).message}`, { file });
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return parseJsonText(text, file);
  if (ext !== '.yaml' && ext !== '.yml') throw new InputError(`expected a .yaml, .yml or .json experiment file`, { file });
  try {
    return YAML.parse(text);
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new InputError(`not valid YAML: ${(e as Error).message.split('\n')[0]}`, { file, line });
  }
}

/** A relative path written in `fromDir`, re-expressed relative to `rootDir` ('/' separators, so run ids match across OSes). */
function rebase(p: string, fromDir: string, rootDir: string): string {
  if (isAbsolute(p)) return p;
  return relative(rootDir, resolve(fromDir, p)).split(sep).join('/') || '.';
}

/** Rebase the path fields found at `dotted` (a scenario field path, '' = the scenario root) inside `value`. */
export function rebaseScenarioPaths(dotted: string, value: unknown, fix: (p: string) => string): unknown {
  if (typeof value === 'string' && PATH_FIELDS.has(dotted)) {
    return dotted === 'model' && !value.toLowerCase().endsWith('.json') ? value : fix(value);
  }
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = rebaseScenarioPaths(dotted ? `${dotted}.${k}` : k, v, fix);
  return out;
}

function checkAndRebase(content: ExperimentFileContent, file: string, rootDir: string): ExperimentFileContent {
  const fix = (p: string) => rebase(p, dirname(file), rootDir);
  const out: ExperimentFileContent = { ...content };
  if (content.base) {
    assertKnownScenarioKeys(content.base, file, 'base');
    out.base = rebaseScenarioPaths('', content.base, fix) as Record<string, unknown>;
  }
  if (content.scenarios) {
    out.scenarios = {};
    for (const [name, s] of Object.entries(content.scenarios)) {
      assertKnownScenarioKeys(s, file, `scenarios.${name}`);
      out.scenarios[name] = rebaseScenarioPaths('', s, fix) as Record<string, unknown>;
    }
  }
  if (content.output) out.output = rebase(content.output, dirname(file), rootDir);
  const grid = content.sweep?.grid;
  const random = content.sweep?.random;
  if (grid || random) {
    out.sweep = { ...content.sweep };
    if (grid) {
      out.sweep.grid = {};
      for (const [axis, values] of Object.entries(grid)) {
        assertScenarioField(axis, file, `sweep.grid.${axis}`);
        out.sweep.grid[axis] = values.map((v) => rebaseScenarioPaths(axis, v, fix));
      }
    }
    if (random) {
      const space: typeof random.space = {};
      for (const [axis, dist] of Object.entries(random.space)) {
        assertScenarioField(axis, file, `sweep.random.space.${axis}`);
        space[axis] = 'choice' in dist ? { choice: dist.choice.map((v) => rebaseScenarioPaths(axis, v, fix)) } : dist;
      }
      out.sweep.random = { ...random, space };
    }
  }
  if (content.capacity) assertScenarioField(content.capacity.over, file, 'capacity.over');
  return out;
}

function loadChain(file: string, rootDir: string, chain: string[], files: string[]): Record<string, unknown> {
  if (chain.includes(file)) {
    const cycle = [...chain.slice(chain.indexOf(file)), file].map((f) => relative(rootDir, f) || f).join(' → ');
    throw new InputError(`cyclic _extends: ${cycle}`, { file: chain[chain.length - 1], field: '_extends' });
  }
  files.push(file);
  const raw = readStructured(file);
  if (!isPlainObject(raw)) throw new InputError('expected a mapping of experiment fields at the top level', { file });
  const content = checkAndRebase(parseOrThrow(experimentFileSchema, raw, file), file, rootDir);
  const bases = content._extends === undefined ? [] : Array.isArray(content._extends) ? content._extends : [content._extends];
  let merged: unknown = {};
  for (const b of bases) merged = deepMerge(merged, loadChain(resolve(dirname(file), b), rootDir, [...chain, file], files));
  const own: Record<string, unknown> = { ...content };
  delete own._extends;
  return deepMerge(merged, own) as Record<string, unknown>;
}

/** Read an experiment file and its `_extends` bases into one checked Experiment. */
export function loadExperiment(path: string): LoadedExperiment {
  const file = resolve(path);
  const rootDir = dirname(file);
  const files: string[] = [];
  const merged = loadChain(file, rootDir, [], files);
  const experiment = parseOrThrow(experimentSchema, merged, file) as Experiment;
  return { experiment, file, rootDir, files };
}
