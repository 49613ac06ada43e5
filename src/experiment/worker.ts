// The piscina worker: loads the runner module once per thread and runs one scenario per task.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { captureOutcome, type RunOne, type RunOutcome } from './runOutcome.js';
import type { Scenario } from '../simulate.js';

export interface WorkerTask {
  /** URL of a module exporting `runOne(scenario)`. */
  runnerModule: string;
  scenario: Scenario;
}

/**
 * import() the module; from TypeScript sources (tests, `tsx`), Node 20's worker threads get tsx's require hook but not
 * its ESM hooks, so a .ts module that import() cannot load is required instead.
 */
async function loadModule(url: string): Promise<{ runOne?: RunOne }> {
  try {
    return (await import(url)) as { runOne?: RunOne };
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    return createRequire(import.meta.url)(fileURLToPath(url)) as { runOne?: RunOne };
  }
}

const runners = new Map<string, Promise<RunOne>>();

function runnerOf(url: string): Promise<RunOne> {
  let r = runners.get(url);
  if (!r) {
    r = loadModule(url).then((m: { runOne?: RunOne }) => {
      if (typeof m.runOne !== 'function') throw new Error(`runner module ${url} does not export runOne(scenario)`);
      return m.runOne;
    });
    runners.set(url, r);
  }
  return r;
}

export default async function runTask(task: WorkerTask): Promise<RunOutcome> {
  return captureOutcome(await runnerOf(task.runnerModule), task.scenario);
}
