// The default runner module: simulate() a scenario with the energy and carbon ledger (default site, no per-request
// columns) and keep the results-table figures.
import { simulateImpact } from '../energy/simulatedRunReport.js';
import type { Scenario } from '../simulate.js';
import { metricsFromReport, type RunMetrics } from './runMetrics.js';

export async function runOne(scenario: Scenario): Promise<RunMetrics> {
  const { simulation, energy } = await simulateImpact(scenario, { perRequest: false });
  return metricsFromReport(simulation, energy);
}
