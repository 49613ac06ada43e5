// Pairs a benchmark report (latency, tokens, requests; no energy) with an energy report of the same run
// (CodeCarbon, a power trace) into one measured RunReport. Intensities are recomputed from the merged totals.
import { finalizeRunReport, type RunReport } from '../report/runReport.js';

export function combineMeasured(perf: RunReport, energy: RunReport): RunReport {
  const warnings = [...perf.provenance.warnings.filter((w) => !/no energy measurement/.test(w)), ...energy.provenance.warnings.filter((w) => !/records no tokens/.test(w))];
  const a = perf.workload.duration_s;
  const b = energy.workload.duration_s;
  if (a > 0 && b > 0 && Math.abs(a - b) / Math.max(a, b) > 0.1) {
    warnings.push(`benchmark duration ${a.toFixed(1)} s and energy-trace duration ${b.toFixed(1)} s differ by more than 10 %: energy may cover more or less than the benchmark`);
  }
  return finalizeRunReport({
    source: {
      kind: 'measured',
      tool: `${perf.source.tool} + ${energy.source.tool}`,
      tool_version: perf.source.tool_version ?? null,
      run_id: perf.source.run_id,
      started_at: perf.source.started_at ?? energy.source.started_at ?? null,
      ended_at: perf.source.ended_at ?? energy.source.ended_at ?? null,
      raw_files: [...(perf.source.raw_files ?? []), ...(energy.source.raw_files ?? [])],
    },
    scenario: {
      ...perf.scenario,
      accelerators: perf.scenario.accelerators.length > 0 ? perf.scenario.accelerators : energy.scenario.accelerators,
      site: energy.scenario.site,
    },
    workload: perf.workload,
    performance: perf.performance,
    energy: energy.energy,
    carbon: energy.carbon,
    water: energy.water ?? null,
    per_request: perf.per_request ?? null,
    timeseries: energy.timeseries ?? null,
    provenance: { factors: [...perf.provenance.factors, ...energy.provenance.factors], warnings },
  });
}
