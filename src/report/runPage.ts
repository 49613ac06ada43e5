// What the HTML page of one run shows, gathered from what the run left: a RunReport (latency CDFs from its per-request
// columns, energy breakdown, headline figures, throughput rebuilt from request timings), plus, when the run is
// simulated here, the heartbeats (throughput over time) and the iteration records reduced to bounded series (batch
// size and KV use over time).
import { simulateImpact, type SimulateImpactOptions } from '../energy/simulatedRunReport.js';
import type { Scenario } from '../simulate.js';
import { averageDown, cdfPoints, type BatchPoint, type EnergyPart, type LatencyCdf, type ThroughputPoint } from './chartSpecs.js';
import { IterationSeries } from './iterationSeries.js';
import { throughputFromRequests } from './requestThroughput.js';
import { headlineFigures, type RunReport } from './runReport.js';
import type { RunSummary } from './summary.js';

export interface RunPage {
  title: string;
  subtitle: string;
  figures: { name: string; unit: string; value: number | null }[];
  /** One row per instance (model, hardware, parallelism, KV blocks, cost source), when known. */
  instances: Record<string, string | number>[];
  latencyCdfs: LatencyCdf[];
  throughput: ThroughputPoint[];
  /** How the throughput series was obtained, when not from heartbeats (shown under the chart's title). */
  throughputSource?: string;
  batch: BatchPoint[];
  energy: EnergyPart[];
  warnings: string[];
  /** Why a chart is missing (e.g. "no per-request columns in the report"). */
  notes: string[];
}

/** Chart points per series: enough for a smooth line, few enough to keep the page small. */
export const MAX_POINTS = 400;

/** Energy components of a RunReport with a value, in the order of the energy block. */
export function energyParts(r: RunReport): EnergyPart[] {
  const e = r.energy;
  if (e.method === 'none') return [];
  const busyIdle = e.gpu_busy_j != null && e.gpu_idle_j != null;
  const gpu: [string, number | null | undefined][] = busyIdle ? [['GPU busy', e.gpu_busy_j], ['GPU idle', e.gpu_idle_j]] : [['GPU', e.gpu_j]];
  const parts: [string, number | null | undefined][] = [
    ...gpu,
    ['CPU', e.cpu_j],
    ['RAM', e.ram_j],
    ['links', e.link_j],
    ['other IT', e.other_it_j],
    ['facility overhead (PUE)', e.facility_overhead_j],
  ];
  return parts.filter((p): p is [string, number] => typeof p[1] === 'number' && p[1] > 0).map(([component, energyJ]) => ({ component, energyJ }));
}

/** The page of a RunReport alone (simulated or measured): no time series unless `extra` brings them. */
export function runPageFromReport(r: RunReport, extra: Partial<Pick<RunPage, 'throughput' | 'batch' | 'instances'>> = {}): RunPage {
  const pr = r.per_request;
  const latencyCdfs: LatencyCdf[] = [];
  const notes: string[] = [];
  if (pr) {
    for (const [metric, col] of [['TTFT', pr.ttft_ms], ['TPOT', pr.tpot_ms], ['E2E', pr.e2e_ms]] as const) {
      if (col) latencyCdfs.push({ metric, points: cdfPoints(col, MAX_POINTS) });
    }
  }
  if (latencyCdfs.every((c) => c.points.length === 0)) notes.push('No latency CDFs: the report has no per-request latency columns.');
  const energy = energyParts(r);
  if (energy.length === 0) notes.push('No energy breakdown: the report has no energy figures.');
  let throughput = extra.throughput ?? [];
  let throughputSource: string | undefined;
  if (throughput.length === 0 && pr?.arrival_s && pr.ttft_ms && pr.e2e_ms) {
    throughput = throughputFromRequests(
      { arrivalS: pr.arrival_s, ttftMs: pr.ttft_ms, e2eMs: pr.e2e_ms, inputTokens: pr.input_tokens, outputTokens: pr.output_tokens },
      MAX_POINTS,
    );
    throughputSource = 'rebuilt from per-request timings: prompt tokens at the first token, output tokens spread until the end';
  }
  const batch = extra.batch ?? [];
  if (throughput.length === 0) notes.push('No throughput over time: the report has neither heartbeats nor per-request arrival, TTFT and E2E times.');
  if (batch.length === 0) notes.push('No batch size or KV use over time: iteration records are recorded only when the run is simulated for the report.');
  const accel = r.scenario.accelerators.map((a) => `${a.count}× ${a.name}`).join(', ');
  return {
    title: `${r.scenario.model_id}${accel ? ` on ${accel}` : ''}`,
    subtitle: `${r.source.kind} run '${r.source.run_id}' (${r.source.tool}), ${r.workload.requests_completed} requests`,
    figures: headlineFigures(r),
    instances: extra.instances ?? [],
    latencyCdfs,
    throughput,
    throughputSource,
    batch,
    energy,
    warnings: r.provenance.warnings,
    notes,
  };
}

/** The page of a `sim run --summary` JSON: figures only (a summary keeps statistics, not distributions). */
export function runPageFromSummary(s: RunSummary, name: string): RunPage {
  const st = (label: string, x: { mean: number; median: number; p99: number }) => [
    { name: `${label} mean`, unit: 'ms', value: x.mean },
    { name: `${label} median`, unit: 'ms', value: x.median },
    { name: `${label} P99`, unit: 'ms', value: x.p99 },
  ];
  return {
    title: name,
    subtitle: `run summary, ${s.requests} requests`,
    figures: [
      { name: 'simulated duration', unit: 's', value: s.simulatedDurationS },
      { name: 'requests completed', unit: '', value: s.requests },
      { name: 'input tokens', unit: '', value: s.inputTokens },
      { name: 'output tokens', unit: '', value: s.outputTokens },
      { name: 'request throughput', unit: 'req/s', value: s.requestThroughputPerS },
      { name: 'output throughput', unit: 'tok/s', value: s.outputTokenThroughputPerS },
      ...st('TTFT', s.ttftMs),
      ...st('TPOT', s.tpotMs),
      ...st('ITL', s.itlMs),
      ...st('E2E', s.e2eMs),
      { name: 'peak KV cache use', unit: '%', value: s.peakKvUse * 100 },
      { name: 'preemptions', unit: '', value: s.preemptions },
    ],
    instances: [],
    latencyCdfs: [],
    throughput: [],
    batch: [],
    energy: [],
    warnings: [],
    notes: ['A run summary holds statistics only: for plots, give a RunReport (`sim impact --out report.json`) or an experiment file with one run.'],
  };
}

/** Simulate a scenario with the energy ledger and keep everything the page plots (bounded series, per-request columns). */
export async function simulateRunPage(scenario: Scenario, opts: Omit<SimulateImpactOptions, 'perRequest' | 'hooks'> = {}): Promise<RunPage> {
  const series = new IterationSeries(MAX_POINTS);
  const { simulation, report } = await simulateImpact(scenario, { ...opts, perRequest: true, hooks: { onIteration: series.onIteration } });
  const blocks = new Map(simulation.instances.map((i) => [i.instanceId, i.numKvBlocks]));
  const throughput = averageDown(
    simulation.heartbeats.map((h) => ({ timeS: h.timeS, promptTokensPerS: h.promptTokensPerS, generationTokensPerS: h.generationTokensPerS })),
    MAX_POINTS,
  );
  const instances = simulation.instances.map((i) => ({
    instance: i.instanceId,
    model: i.model,
    hardware: i.hardware,
    tp: i.tp,
    dtype: i.kvDtype === i.weightDtype ? i.weightDtype : `${i.weightDtype} (KV ${i.kvDtype})`,
    'KV blocks': i.numKvBlocks,
    'max seqs': i.knobs.maxNumSeqs,
    'cost source': i.costSource,
  }));
  return runPageFromReport(report, { throughput, batch: series.points((id) => blocks.get(id) ?? 0), instances });
}
