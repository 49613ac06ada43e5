// The piscina worker: loads the runner module once per thread and runs one scenario per task.
import { captureOutcome, type RunOne, type RunOutcome } from './runOutcome.js';
import type { Scenario } from '../simulate.js';

export interface WorkerTask {
  /** URL of a module exporting `runOne(scenario)`. */
  runnerModule: string;
  scenario: Scenario;
}

const runners = new Map<string, Promise<RunOne>>();

function runnerOf(url: string): Promise<RunOne> {
  let r = runners.get(url);
  if (!r) {
    r = import(url).then((m: { runOne?: RunOne }) => {
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
