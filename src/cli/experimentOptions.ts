// Options that `sim sweep` and `sim capacity` share word for word (how runs are executed), so the two stay in step.
import type { Options } from 'yargs';

export const WORKERS_OPTION = { type: 'number', describe: 'worker threads (default: the number of cores; 0 = this thread)' } as const satisfies Options;

export const RUNNER_OPTION = { type: 'string', describe: 'module exporting runOne(scenario) → metrics (default: simulate)' } as const satisfies Options;
