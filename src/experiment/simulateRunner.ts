// The default runner module: simulate() a scenario and keep the results-table figures.
import { simulate, type Scenario } from '../simulate.js';
import { metricsFromReport, type RunMetrics } from './runMetrics.js';

export async function runOne(scenario: Scenario): Promise<RunMetrics> {
  return metricsFromReport(await simulate(scenario));
}
