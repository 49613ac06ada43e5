// Joining shard folders: every shard carries the full plan, so the merged folder gets that plan, the union of the run
// records, and a table rebuilt in id order — byte for byte the table of the same sweep run unsharded.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { ResultsStore } from './resultsStore.js';

export interface MergeResult {
  shards: string[];
  runs: number;
  present: number;
  missing: string[];
}

/** Shard folders inside `dir` (shard-<i>-of-<n>), in index order. */
export function findShardDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^shard-\d+-of-\d+$/.test(f) && statSync(join(dir, f)).isDirectory())
    .sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]))
    .map((f) => join(dir, f));
}

export function mergeShards(sources: readonly string[], outDir: string): MergeResult {
  if (sources.length === 0) throw new InputError('no shard folders to merge (expected shard-<i>-of-<n> folders or paths to them)', { file: outDir });
  const stores = sources.map((s) => new ResultsStore(s));
  const plans = stores.map((s) => s.readPlan());
  const first = plans[0];
  plans.forEach((p, i) => {
    if (p.planId !== first.planId) {
      throw new InputError(`is a shard of a different plan than ${sources[0]} (plan ${p.planId} vs ${first.planId})`, { file: sources[i] });
    }
  });
  const out = new ResultsStore(outDir);
  out.init(first.name, { axes: first.axes, runs: first.runs, duplicates: 0 });
  for (const [i, store] of stores.entries()) {
    for (const id of store.finishedIds()) out.importRecord(id, readFileSync(store.recordPath(id), 'utf8'), sources[i]);
  }
  const present = out.writeTable(first);
  const have = out.finishedIds();
  return { shards: [...sources], runs: first.runs.length, present, missing: first.runs.filter((r) => !have.has(r.id)).map((r) => r.id) };
}
