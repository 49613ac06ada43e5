// What one run gives back across the worker boundary: metrics, or the InputError that stopped it (deterministic for
// a scenario, e.g. "the model does not fit in memory", so it is recorded as that run's result, not retried). Any other
// error is a fault of the program, not of the run: it propagates and stops the sweep.
import type { Scenario } from '../simulate.js';
import type { RunMetrics } from './runMetrics.js';

/** The function a runner module exports: one scenario (paths absolute) → its metrics. */
export type RunOne = (scenario: Scenario) => Promise<RunMetrics>;

export type RunOutcome = { status: 'ok'; metrics: RunMetrics } | { status: 'error'; error: string };

export interface RunTask {
  id: string;
  /** The scenario with paths made absolute. */
  scenario: Scenario;
}

function isInputError(err: unknown): err is Error {
  return err instanceof Error && (err.name === 'InputError' || (err as { exitCode?: unknown }).exitCode === 2);
}

export async function captureOutcome(runOne: RunOne, scenario: Scenario): Promise<RunOutcome> {
  try {
    return { status: 'ok', metrics: await runOne(scenario) };
  } catch (err) {
    if (isInputError(err)) return { status: 'error', error: err.message };
    throw err;
  }
}
