// Running a plan: skip runs that already have a record, hand the rest to the executor, write each record the moment
// its run finishes, then rebuild the table. Killing it loses only the runs in flight; the same command again does
// what is missing and, each run being deterministic from its scenario, ends with the same table.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../simulate.js';
import type { Plan, PlannedRun } from './expand.js';
import { rebaseScenarioPaths } from './experimentFile.js';
import type { RunExecutor } from './executor.js';
import type { RunOutcome } from './runOutcome.js';
import { ResultsStore, type RunRecord } from './resultsStore.js';
import { shardOf, type Shard } from './shard.js';

/** The scenario as the runner needs it: paths made absolute against the experiment's folder. */
export function runnableScenario(scenario: Scenario, rootDir: string): Scenario {
  return rebaseScenarioPaths('', scenario, (p) => resolve(rootDir, p)) as Scenario;
}

/** Run errors name absolute paths; keep them relative to the experiment so records do not depend on where it lies. */
export function portableOutcome(outcome: RunOutcome, rootDir: string): RunOutcome {
  if (outcome.status === 'ok') return outcome;
  return { status: 'error', error: outcome.error.split(rootDir + '/').join('') };
}

export interface SweepOptions {
  name: string;
  plan: Plan;
  rootDir: string;
  store: ResultsStore;
  executor: RunExecutor;
  shard?: Shard;
  /** Before the first run: how many of this shard's runs are already done (resumed) of how many. */
  onStart?(progress: { done: number; total: number }): void;
  onRunDone?(record: RunRecord, progress: { done: number; total: number }): void;
}

export interface SweepResult {
  /** Runs of this shard. */
  total: number;
  /** Done by earlier invocations (resumed). */
  skipped: number;
  ran: number;
  errors: number;
  tableRows: number;
}

/** Run one scenario through the executor and record it (used by the sweep and the capacity search). */
export async function runAndRecord(run: PlannedRun, rootDir: string, store: ResultsStore, executor: RunExecutor): Promise<RunRecord> {
  const t0 = performance.now();
  const outcome = await executor.run({ id: run.id, scenario: runnableScenario(run.scenario, rootDir) });
  const record = store.writeRecord(run, portableOutcome(outcome, rootDir));
  store.logWallTime(run.id, (performance.now() - t0) / 1e3);
  return record;
}

/**
 * fn over items, at most `limit` at once, in order of submission. After a failure no new item starts; the ones in
 * flight finish (their records are kept) and the first error is thrown.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.err;
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const planFile = o.store.init(o.name, o.plan, o.shard);
  o.store.removeStaleTemps();
  const mine = shardOf(o.plan.runs, o.shard);
  const finished = o.store.finishedIds();
  const todo = mine.filter((r) => !finished.has(r.id));
  let done = mine.length - todo.length;
  let errors = 0;
  o.onStart?.({ done, total: mine.length });
  await forEachLimited(todo, o.executor.concurrency, async (run) => {
    const record = await runAndRecord(run, o.rootDir, o.store, o.executor);
    if (record.status === 'error') errors++;
    done++;
    o.onRunDone?.(record, { done, total: mine.length });
  });
  const tableRows = o.store.writeTable(planFile);
  return { total: mine.length, skipped: mine.length - todo.length, ran: todo.length, errors, tableRows };
}
