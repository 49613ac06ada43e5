// A results folder: plan.json (every run of the experiment), runs/<id>.json (one record per finished run, written
// atomically as it finishes, so a killed sweep loses at most the runs in flight), results.csv (the table, rebuilt
// from the records in run-id order, so it is the same bytes however and wherever the runs were done), and
// wall-times.log (wall-clock seconds per run, kept out of the table because they differ between machines and runs).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import { InputError } from '../errors.js';
import { csvField } from '../report/requestsCsv.js';
import { canonicalJson, runIdOf } from './runId.js';
import { METRIC_COLUMNS, type RunMetrics } from './runMetrics.js';
import type { Plan, PlannedRun } from './expand.js';
import type { RunOutcome } from './runOutcome.js';
import type { Shard } from './shard.js';

export const PLAN_SCHEMA = 'servesim.plan/1';
export const RUN_SCHEMA = 'servesim.run/1';

export interface PlanFile {
  schema: typeof PLAN_SCHEMA;
  name: string;
  /** Hash of the run ids: shards of one plan share it. */
  planId: string;
  axes: string[];
  runs: PlannedRun[];
  shard?: { index: number; count: number };
}

export type RunRecord = { schema: typeof RUN_SCHEMA; id: string; scenarioName: string; axes: Record<string, unknown>; scenario: PlannedRun['scenario'] } & (
  | { status: 'ok'; metrics: RunMetrics }
  | { status: 'error'; error: string }
);

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n';

export function planIdOf(plan: Pick<Plan, 'runs' | 'axes'>): string {
  return runIdOf({ axes: plan.axes, ids: plan.runs.map((r) => r.id) });
}

export class ResultsStore {
  readonly runsDir: string;

  constructor(readonly dir: string) {
    this.runsDir = join(dir, 'runs');
  }

  ensureDir(): void {
    mkdirSync(this.runsDir, { recursive: true });
  }

  /** Create the folder and record the plan (the full plan, also in a shard, so shards can be merged). */
  init(name: string, plan: Plan, shard?: Shard): PlanFile {
    mkdirSync(this.runsDir, { recursive: true });
    const file: PlanFile = { schema: PLAN_SCHEMA, name, planId: planIdOf(plan), axes: plan.axes, runs: plan.runs };
    if (shard) file.shard = { index: shard.index, count: shard.count };
    writeFileAtomic(join(this.dir, 'plan.json'), json(file));
    return file;
  }

  readPlan(): PlanFile {
    const path = join(this.dir, 'plan.json');
    if (!existsSync(path)) throw new InputError('not a results folder (no plan.json); run `sim sweep` first', { file: this.dir });
    const plan = JSON.parse(readFileSync(path, 'utf8')) as PlanFile;
    if (plan.schema !== PLAN_SCHEMA) throw new InputError(`expected schema ${PLAN_SCHEMA}, got ${String(plan.schema)}`, { file: path, field: 'schema' });
    return plan;
  }

  /** Delete temp files left by a killed process (their writer's pid is gone); a live writer's are left alone. */
  removeStaleTemps(): number {
    if (!existsSync(this.runsDir)) return 0;
    let removed = 0;
    for (const f of readdirSync(this.runsDir)) {
      const m = /^\..+\.(\d+)\.tmp$/.exec(f);
      if (m && !processAlive(Number(m[1]))) {
        rmSync(join(this.runsDir, f), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Ids of the runs with a record (temp files of runs in flight when a sweep was killed are ignored). */
  finishedIds(): Set<string> {
    if (!existsSync(this.runsDir)) return new Set();
    return new Set(readdirSync(this.runsDir).filter((f) => /^[0-9a-f]+\.json$/.test(f)).map((f) => f.slice(0, -5)));
  }

  recordPath(id: string): string {
    return join(this.runsDir, `${id}.json`);
  }

  readRecord(id: string): RunRecord {
    return JSON.parse(readFileSync(this.recordPath(id), 'utf8')) as RunRecord;
  }

  writeRecord(run: PlannedRun, outcome: RunOutcome): RunRecord {
    const record = { schema: RUN_SCHEMA, id: run.id, scenarioName: run.scenarioName, axes: run.axes, scenario: run.scenario, ...outcome } as RunRecord;
    writeFileAtomic(this.recordPath(run.id), json(record));
    return record;
  }

  /** Copy a record file's text in (merge); an existing record must be the same run with the same result. */
  importRecord(id: string, text: string, from: string): void {
    const path = this.recordPath(id);
    if (existsSync(path)) {
      const mine = readFileSync(path, 'utf8');
      if (canonicalJson(JSON.parse(mine)) !== canonicalJson(JSON.parse(text))) {
        throw new InputError(`run ${id} has different results in ${from} and ${this.dir}`, { file: from });
      }
      return;
    }
    writeFileAtomic(path, text);
  }

  logWallTime(id: string, wallS: number): void {
    appendFileSync(join(this.dir, 'wall-times.log'), `${id}\t${wallS.toFixed(3)}\n`);
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(join(this.dir, name), text);
  }

  /** Rebuild results.csv from the plan's runs that have a record, in id order. Returns the row count. */
  writeTable(plan: Pick<PlanFile, 'axes' | 'runs'>): number {
    const done = this.finishedIds();
    const rows = plan.runs.filter((r) => done.has(r.id)).map((r) => this.readRecord(r.id));
    writeFileAtomic(join(this.dir, 'results.csv'), resultsTableCsv(plan.axes, rows));
    return rows.length;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = typeof v === 'string' ? v : canonicalJson(v);
  return csvField(text);
}

export function resultsTableHeader(axes: readonly string[]): string[] {
  return ['run_id', 'scenario', ...axes, 'seed', 'status', ...METRIC_COLUMNS, 'error'];
}

/** The results table: one row per record, in the order given (callers pass id order). */
export function resultsTableCsv(axes: readonly string[], records: readonly RunRecord[]): string {
  const lines = [resultsTableHeader(axes).join(',')];
  for (const r of records) {
    const metrics: RunMetrics = r.status === 'ok' ? r.metrics : {};
    lines.push(
      [r.id, r.scenarioName, ...axes.map((a) => r.axes[a]), r.scenario.seed, r.status, ...METRIC_COLUMNS.map((c) => metrics[c]), r.status === 'error' ? r.error : '']
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
