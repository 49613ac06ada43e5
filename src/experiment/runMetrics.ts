// The figures one run contributes to the results table, named as vLLM's benchmark_serving results
// (request_throughput, mean_ttft_ms, p99_itl_ms, ...; E2E as e2el), plus GPU count and throughput per GPU.
// Wall time is deliberately absent: it differs between runs of the same scenario and would break byte-identity.
import type { SimulationReport } from '../simulate.js';
import type { LatencyStats } from '../report/metrics.js';
import type { EnergyResult } from '../energy/accumulator.js';

const STATS = ['mean', 'median', 'p90', 'p95', 'p99'] as const;
const LATENCIES = [
  ['ttft', 'ttftMs'],
  ['tpot', 'tpotMs'],
  ['itl', 'itlMs'],
  ['e2el', 'e2eMs'],
] as const;

export const METRIC_COLUMNS = [
  'completed',
  'total_input_tokens',
  'total_output_tokens',
  'duration_s',
  'request_throughput',
  'output_throughput',
  'total_token_throughput',
  ...LATENCIES.flatMap(([name]) => STATS.map((s) => `${s}_${name}_ms`)),
  'preemptions',
  'gpus',
  'output_throughput_per_gpu',
  'peak_gpu_memory_gib',
  'energy_j',
  'gpu_energy_j',
  'j_per_output_token',
  'operational_gco2e',
  'total_gco2e',
] as const;
export type MetricColumn = (typeof METRIC_COLUMNS)[number];

/** What a run produced: any subset of the columns (absent ones print empty). */
export type RunMetrics = Partial<Record<MetricColumn, number>>;

/** The SLO-facing latency names of an experiment file (ttftMs.p99) → the table's column (p99_ttft_ms). */
export function latencyColumn(metric: 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs', stat: (typeof STATS)[number]): MetricColumn {
  const name = LATENCIES.find(([, key]) => key === metric)![0];
  return `${stat}_${name}_ms` as MetricColumn;
}

/**
 * Weights plus the KV cache at its peak, per GPU (GiB): Σ weights over ranks + peak KV blocks × block bytes, over the
 * GPU count. The engine keeps one peak for all instances (the sum of their peaks), so with instances of different KV
 * block sizes the largest block size is used: an upper bound.
 */
function peakGpuMemoryGiB(report: SimulationReport, gpus: number): number {
  if (gpus === 0) return NaN;
  let weightBytes = 0;
  let blockBytes = 0;
  for (const i of report.instances) {
    weightBytes += i.weightBytesPerRank * i.tp;
    blockBytes = Math.max(blockBytes, i.kvBytesPerToken * i.knobs.blockSize * i.tp);
  }
  return (weightBytes + report.summary.peakKvBlocks * blockBytes) / gpus / 2 ** 30;
}

/** The table's figures of a simulation, with energy (facility total, incl. PUE) and carbon when the ledger ran. */
export function metricsFromReport(report: SimulationReport, energy?: EnergyResult): RunMetrics {
  const s = report.summary;
  const gpus = report.instances.reduce((n, i) => n + i.tp, 0);
  const m: RunMetrics = {
    completed: s.requests,
    total_input_tokens: s.inputTokens,
    total_output_tokens: s.outputTokens,
    duration_s: s.simulatedDurationS,
    request_throughput: s.requestThroughputPerS,
    output_throughput: s.outputTokenThroughputPerS,
    total_token_throughput: s.totalTokenThroughputPerS,
    preemptions: s.preemptions,
    gpus,
    output_throughput_per_gpu: gpus > 0 ? s.outputTokenThroughputPerS / gpus : NaN,
    peak_gpu_memory_gib: peakGpuMemoryGiB(report, gpus),
  };
  for (const [, key] of LATENCIES) {
    const st: LatencyStats = s[key];
    for (const stat of STATS) m[latencyColumn(key, stat)] = st[stat];
  }
  if (energy) {
    m.energy_j = energy.energyJ.facilityTotal;
    m.gpu_energy_j = energy.energyJ.gpu;
    m.j_per_output_token = s.outputTokens > 0 ? energy.energyJ.facilityTotal / s.outputTokens : NaN;
    m.operational_gco2e = energy.carbonG.operational;
    m.total_gco2e = energy.carbonG.total ?? NaN;
  }
  return m;
}
