// The list of `sim` commands, one module each.
import type { CommandModule } from 'yargs';
import { runCommand } from './run.js';
import { datasetCommand } from './dataset.js';
import { versionCommand } from './version.js';
import { catalogCommand } from './catalog.js';
import { perfModelCommand } from './perf-model.js';
import { importCommand } from './import.js';
import { impactCommand } from './impact.js';
import { compareCommand, reportCommand } from './report.js';
import { configCommand } from './config.js';
import { sweepCommand } from './sweep.js';
import { capacityCommand } from './capacity.js';
import { resultsCommand } from './results.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [versionCommand, datasetCommand, runCommand, catalogCommand, perfModelCommand, importCommand, impactCommand, reportCommand, compareCommand, configCommand, sweepCommand, capacityCommand, resultsCommand];
