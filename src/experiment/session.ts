// What the commands share: read and expand an experiment (all checks done before anything runs), decide the results
// folder, and build the executor. Library functions; the CLI only parses and prints.
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { expandExperiment, type Plan } from './expand.js';
import { loadExperiment, type LoadedExperiment } from './experimentFile.js';
import { createInProcessExecutor, createWorkerExecutor, defaultRunnerModule, runnerModuleUrl, type RunExecutor } from './executor.js';
import type { RunOne } from './runOutcome.js';

export interface PlannedExperiment extends LoadedExperiment {
  name: string;
  plan: Plan;
}

/** Load, merge, validate and expand: every error here comes before the first run. */
export function planExperiment(path: string): PlannedExperiment {
  const loaded = loadExperiment(path);
  const plan = expandExperiment(loaded.experiment, loaded.file);
  const name = loaded.experiment.name ?? basename(loaded.file, extname(loaded.file));
  return { ...loaded, name, plan };
}

/** --out (relative to the working folder), else the file's `output` (relative to it), else results/<name> beside it. */
export function resultsDirOf(p: PlannedExperiment, out?: string): string {
  if (out) return resolve(out);
  if (p.experiment.output) return resolve(p.rootDir, p.experiment.output);
  return join(p.rootDir, 'results', p.name);
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** Worker threads (workers ≥ 1) or this thread (0), running the given runner module (default: simulate()). */
export async function createExecutor(workers: number, runner?: string): Promise<RunExecutor> {
  if (!Number.isInteger(workers) || workers < 0) throw new InputError(`--workers ${workers}: expected a whole number ≥ 0`, { field: 'workers' });
  const url = runner ? runnerModuleUrl(runner) : defaultRunnerModule();
  if (workers > 0) return createWorkerExecutor(workers, url);
  const mod = (await import(url)) as { runOne?: RunOne };
  if (typeof mod.runOne !== 'function') throw new InputError(`does not export runOne(scenario)`, { file: runner ?? url });
  return createInProcessExecutor(mod.runOne);
}
