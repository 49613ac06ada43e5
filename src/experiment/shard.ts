// Which slice of a plan this process runs: `--shard i/n` (0-based), or an array job's index from the environment
// (Slurm: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN; Kubernetes indexed Jobs:
// JOB_COMPLETION_INDEX, with the count given by --shards). Run k of the id-sorted plan goes to shard k mod n.
import { InputError } from '../errors.js';

export interface Shard {
  index: number;
  count: number;
  /** Where it came from, for the start banner. */
  source: string;
}

function intOf(text: string, what: string, field: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InputError(`${what}: expected a non-negative integer, got '${text}'`, { field });
  return Number(text);
}

function checked(index: number, count: number, source: string, field: string): Shard {
  if (count < 1) throw new InputError(`shard count must be at least 1, got ${count}`, { field });
  if (index >= count) throw new InputError(`shard index ${index} is out of range for ${count} shards (indexes are 0 to ${count - 1})`, { field });
  return { index, count, source };
}

/** The shard to run, or undefined to run everything. `flag` is --shard's value, `shards` --shards'. */
export function resolveShard(flag: string | undefined, shards: number | undefined, env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (flag !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flag);
    if (!m) throw new InputError(`--shard '${flag}': expected i/n, e.g. 0/4 (0-based index, shard count)`, { field: 'shard' });
    return checked(Number(m[1]), Number(m[2]), '--shard', 'shard');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = intOf(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_ID');
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? intOf(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MIN') : 0;
    const count = shards ?? (env.SLURM_ARRAY_TASK_COUNT !== undefined ? intOf(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_COUNT') : undefined);
    if (count === undefined) throw new InputError('SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give --shards N', { field: 'shards' });
    return checked(id - min, count, 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_ID');
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = intOf(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX', 'JOB_COMPLETION_INDEX');
    if (shards === undefined) throw new InputError('JOB_COMPLETION_INDEX is set: give --shards N (the Job\'s completions)', { field: 'shards' });
    return checked(index, shards, 'JOB_COMPLETION_INDEX', 'JOB_COMPLETION_INDEX');
  }
  if (shards !== undefined) throw new InputError('--shards needs an index: --shard i/n, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX', { field: 'shards' });
  return undefined;
}

export function shardOf<T>(runs: readonly T[], shard: Shard | undefined): T[] {
  return shard ? runs.filter((_, k) => k % shard.count === shard.index) : [...runs];
}

export function shardDirName(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}`;
}
