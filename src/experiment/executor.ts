// Where runs execute: a piscina pool of worker threads (each run is independent and deterministic from its scenario,
// so which thread runs it does not matter), or in this thread with an injected runOne (tests, small jobs).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { Piscina } from 'piscina';
import { captureOutcome, type RunOne, type RunOutcome, type RunTask } from './runOutcome.js';
import type { WorkerTask } from './worker.js';

export interface RunExecutor {
  /** How many runs proceed at once. */
  readonly concurrency: number;
  run(task: RunTask): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** A sibling module of this file: the compiled .js under dist/, else the .ts source (run through tsx). */
function sibling(name: string): { url: string; isTs: boolean } {
  const js = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js.href, isTs: false };
  return { url: new URL(`./${name}.ts`, import.meta.url).href, isTs: true };
}

/** URL of the default runner module (simulate()). */
export function defaultRunnerModule(): string {
  return sibling('simulateRunner').url;
}

/** A runner module given on the command line (a path) as a URL. */
export function runnerModuleUrl(pathOrUrl: string): string {
  if (/^file:/.test(pathOrUrl)) return pathOrUrl;
  return pathToFileURL(isAbsolute(pathOrUrl) ? pathOrUrl : resolve(pathOrUrl)).href;
}

export function createWorkerExecutor(workers: number, runnerModule: string = defaultRunnerModule()): RunExecutor {
  const entry = sibling('worker');
  const needsTsx = entry.isTs || runnerModule.endsWith('.ts');
  const hasTsx = process.execArgv.some((a) => a.includes('tsx'));
  const pool = new Piscina({
    filename: entry.url,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    execArgv: needsTsx && !hasTsx ? [...process.execArgv, '--import', 'tsx'] : process.execArgv,
  });
  return {
    concurrency: workers,
    run: (task) => pool.run({ runnerModule, scenario: task.scenario } satisfies WorkerTask) as Promise<RunOutcome>,
    close: () => pool.destroy(),
  };
}

/** Runs in this thread, at most `concurrency` at once (runOne may be async, e.g. a fake that waits). */
export function createInProcessExecutor(runOne: RunOne, concurrency = 1): RunExecutor {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    concurrency,
    async run(task) {
      if (active >= concurrency) await new Promise<void>((r) => waiting.push(r));
      active++;
      try {
        return await captureOutcome(runOne, task.scenario);
      } finally {
        active--;
        waiting.shift()?.();
      }
    },
    close: async () => {},
  };
}
