// Sweep expansion: named scenarios × (grid points, then seeded random-search points) → runs, each a complete scenario
// validated with scenarioSchema before anything runs, identified by the hash of its content and listed by id.
import { closestNames, InputError } from '../errors.js';
import { Rng } from '../rng.js';
import { scenarioSchema, type Scenario } from '../simulate.js';
import { inputErrorFromZod } from '../scenario/zodInput.js';
import { deepMerge } from './deepMerge.js';
import type { Distribution, Experiment } from './experimentSchema.js';
import { runIdOf } from './runId.js';
import { withPath } from './scenarioFields.js';

/** One run of a plan. `scenario` keeps paths relative to the experiment's folder (portable; what the id hashes). */
export interface PlannedRun {
  id: string;
  /** The named scenario ('base' when the file names none). */
  scenarioName: string;
  /** Axis → value of this run's sweep point (axes not in the point are absent). */
  axes: Record<string, unknown>;
  scenario: Scenario;
}

export interface Plan {
  /** Axis names in column order: grid axes in file order, then random-search axes not already in the grid. */
  axes: string[];
  /** Sorted by id (the canonical order of every results table). */
  runs: PlannedRun[];
  /** Sweep points that resolved to the same scenario as an earlier one (kept once). */
  duplicates: number;
}

type Point = Record<string, unknown>;

function gridPoints(grid: Record<string, unknown[]>): Point[] {
  let points: Point[] = [{}];
  for (const [axis, values] of Object.entries(grid)) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [axis]: v })));
  }
  return points;
}

function draw(rng: Rng, d: Distribution): unknown {
  if ('uniform' in d) return rng.uniformIn(d.uniform[0], d.uniform[1]);
  if ('logUniform' in d) return Math.exp(rng.uniformIn(Math.log(d.logUniform[0]), Math.log(d.logUniform[1])));
  if ('intUniform' in d) return rng.intInRange(d.intUniform[0], d.intUniform[1]);
  return d.choice[rng.intInRange(0, d.choice.length - 1)];
}

/** Random-search points: one stream per experiment seed, axes drawn in file order, so the points are reproducible. */
function randomPoints(random: NonNullable<NonNullable<Experiment['sweep']>['random']>): Point[] {
  const rng = new Rng(random.seed, 'sweep.random');
  const points: Point[] = [];
  for (let i = 0; i < random.samples; i++) {
    const p: Point = {};
    for (const [axis, d] of Object.entries(random.space)) p[axis] = draw(rng, d);
    points.push(p);
  }
  return points;
}

/** A short human label of a run: scenario name and axis values. */
export function runLabel(run: Pick<PlannedRun, 'scenarioName' | 'axes'>): string {
  const parts = Object.entries(run.axes).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return [run.scenarioName, ...parts].join(' ');
}

/** The scenario of one named scenario at one sweep point (default seed filled in), validated. */
export function resolveRunScenario(exp: Experiment, scenarioName: string, point: Point, file: string): Scenario {
  const named = exp.scenarios ? exp.scenarios[scenarioName] : {};
  if (exp.scenarios && !named) {
    throw new InputError(`no scenario named '${scenarioName}' (did you mean: ${closestNames(scenarioName, Object.keys(exp.scenarios)).join(', ')}?)`, { file });
  }
  let s = deepMerge(exp.base, named ?? {}) as Record<string, unknown>;
  for (const [axis, value] of Object.entries(point)) s = withPath(s, axis, value);
  if (s.seed === undefined) s = { ...s, seed: exp.seed ?? 0 };
  const parsed = scenarioSchema.safeParse(s);
  if (!parsed.success) {
    const e = inputErrorFromZod(parsed.error, ''); // names the field only; the file is named once, below
    throw new InputError(`run '${runLabel({ scenarioName, axes: point })}': ${e.message}`, { file });
  }
  return s as Scenario;
}

/** Expand an experiment into its runs; throws an InputError (naming the file and the run) before anything runs. */
export function expandExperiment(exp: Experiment, file: string): Plan {
  const names = exp.scenarios ? Object.keys(exp.scenarios) : ['base'];
  if (exp.scenarios && names.length === 0) throw new InputError('scenarios is empty: name at least one, or remove it', { file, field: 'scenarios' });
  const grid = exp.sweep?.grid ?? {};
  const random = exp.sweep?.random;
  const points = [...(Object.keys(grid).length > 0 || !random ? gridPoints(grid) : []), ...(random ? randomPoints(random) : [])];
  const axes = [...Object.keys(grid), ...Object.keys(random?.space ?? {}).filter((a) => !(a in grid))];
  const byId = new Map<string, PlannedRun>();
  let duplicates = 0;
  for (const scenarioName of names) {
    for (const point of points) {
      const scenario = resolveRunScenario(exp, scenarioName, point, file);
      const id = runIdOf(scenario);
      if (byId.has(id)) duplicates++;
      else byId.set(id, { id, scenarioName, axes: point, scenario });
    }
  }
  const runs = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { axes, runs, duplicates };
}
