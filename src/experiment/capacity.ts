// Capacity search: for each configuration of an experiment (named scenario × sweep point), the largest load (request
// rate or user count) on the grid low + k·step whose run meets every SLO, by binary search over k assuming latency
// grows with load. The answer is always bracketed by two direct runs: value(k) meets the SLO, value(k+1) does not.
// Probes are ordinary runs (id = hash of the scenario) kept in the results folder, so a killed search resumes.
import { InputError } from '../errors.js';
import { scenarioSchema } from '../simulate.js';
import { inputErrorFromZod } from '../scenario/zodInput.js';
import type { Plan, PlannedRun } from './expand.js';
import { runLabel } from './expand.js';
import type { CapacitySpec, Experiment, PercentileKey, RankKey, Slo } from './experimentSchema.js';
import type { RunExecutor } from './executor.js';
import { cell, type ResultsStore, type RunRecord } from './resultsStore.js';
import { runIdOf } from './runId.js';
import { latencyColumn, type MetricColumn } from './runMetrics.js';
import { withPath } from './scenarioFields.js';
import { runAndRecord } from './sweep.js';

export type CapacityStatus = 'ok' | 'none-meets' | 'all-meet';

export interface CapacityRow {
  configId: string;
  config: PlannedRun;
  status: CapacityStatus;
  /** The largest probed load that meets the SLO (undefined when even `low` misses it). */
  capacity?: number;
  /** capacity + step, which misses it (undefined when capacity is `high`, or none meets). */
  next?: number;
  probes: number;
  atCapacity?: RunRecord;
  atNext?: RunRecord;
  throughputPerGpu: number;
  costPerMTokens: number;
  /** Facility energy per output token at capacity (J), when the runner reports energy. */
  energyPerOutputToken: number;
}

/** The SLO checks as (table column, limit) pairs, in a fixed order. */
export function sloChecks(slo: Slo): { column: MetricColumn; limitMs: number }[] {
  const out: { column: MetricColumn; limitMs: number }[] = [];
  for (const metric of ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const) {
    for (const stat of ['mean', 'median', 'p90', 'p95', 'p99'] as PercentileKey[]) {
      const limit = slo[metric]?.[stat];
      if (limit !== undefined) out.push({ column: latencyColumn(metric, stat), limitMs: limit });
    }
  }
  return out;
}

/** A run meets the SLO when it succeeded and every listed statistic is finite and at or under its limit. */
export function meetsSlo(record: RunRecord, slo: Slo): boolean {
  if (record.status !== 'ok') return false;
  return sloChecks(slo).every(({ column, limitMs }) => {
    const v = record.metrics[column];
    return typeof v === 'number' && Number.isFinite(v) && v <= limitMs;
  });
}

/** The k-th grid value, rounded to 12 significant digits so 0.1-steps do not drift (0.30000000000000004). */
export function loadAt(spec: Pick<CapacitySpec, 'low' | 'step'>, k: number): number {
  return Number((spec.low + k * spec.step).toPrecision(12));
}

export function gpuHourUsdFor(exp: Experiment, scenario: PlannedRun['scenario']): number | undefined {
  const price = exp.costs?.gpuHourUsd;
  if (price === undefined || typeof price === 'number') return price;
  return scenario.hardware !== undefined ? price[scenario.hardware] : undefined;
}

/** Check the capacity section against the plan before any run starts. */
export function checkCapacitySpec(exp: Experiment, plan: Plan, file: string): CapacitySpec {
  const spec = exp.capacity;
  if (!spec) throw new InputError('no capacity section: add capacity: { over, low, high, step, slo }', { file, field: 'capacity' });
  if (spec.high < spec.low) throw new InputError(`high (${spec.high}) is below low (${spec.low})`, { file, field: 'capacity.high' });
  if (plan.axes.includes(spec.over)) throw new InputError(`'${spec.over}' is both a sweep axis and the capacity search field`, { file, field: 'capacity.over' });
  if (sloChecks(spec.slo).length === 0) throw new InputError('give at least one SLO limit, e.g. ttftMs: { p99: 500 }', { file, field: 'capacity.slo' });
  // Every probe must be a valid scenario: check the ends of the range and one step (a whole-number field such as
  // users with a fractional step fails there) for each configuration now.
  const top = Math.floor((spec.high - spec.low) / spec.step + 1e-9);
  const samples = [...new Set([0, Math.min(1, top), top])].map((k) => loadAt(spec, k));
  for (const config of plan.runs) {
    for (const v of samples) {
      const r = scenarioSchema.safeParse(withPath(config.scenario, spec.over, v));
      if (!r.success) {
        throw new InputError(`capacity probe '${runLabel(config)}' at ${spec.over}=${v}: ${inputErrorFromZod(r.error, '').message}`, { file });
      }
    }
  }
  return spec;
}

export interface CapacityOptions {
  exp: Experiment;
  spec: CapacitySpec;
  plan: Plan;
  rootDir: string;
  store: ResultsStore;
  executor: RunExecutor;
  onProbe?(config: PlannedRun, load: number, meets: boolean): void;
}

async function searchOne(o: CapacityOptions, config: PlannedRun): Promise<CapacityRow> {
  const { spec, store } = o;
  const finished = store.finishedIds();
  const records = new Map<number, RunRecord>();
  const probe = async (k: number): Promise<boolean> => {
    const load = loadAt(spec, k);
    const scenario = withPath(config.scenario, spec.over, load);
    const run: PlannedRun = { id: runIdOf(scenario), scenarioName: config.scenarioName, axes: { ...config.axes, [spec.over]: load }, scenario };
    const record = finished.has(run.id) ? store.readRecord(run.id) : await runAndRecord(run, o.rootDir, store, o.executor);
    records.set(k, record);
    const ok = meetsSlo(record, spec.slo);
    o.onProbe?.(config, load, ok);
    return ok;
  };
  const top = Math.floor((spec.high - spec.low) / spec.step + 1e-9);
  let status: CapacityStatus;
  let lo = -1;
  let hi = -1;
  if (!(await probe(0))) status = 'none-meets';
  else if (top === 0 || (await probe(top))) {
    status = 'all-meet';
    lo = top;
  } else {
    // Invariant: value(lo) meets the SLO, value(hi) does not.
    status = 'ok';
    lo = 0;
    hi = top;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await probe(mid)) lo = mid;
      else hi = mid;
    }
  }
  const atCapacity = lo >= 0 ? records.get(lo) : undefined;
  const m = atCapacity?.status === 'ok' ? atCapacity.metrics : undefined;
  const gpus = m?.gpus ?? NaN;
  const outTps = m?.output_throughput ?? NaN;
  const price = gpuHourUsdFor(o.exp, config.scenario);
  return {
    configId: config.id,
    config,
    status,
    capacity: lo >= 0 ? loadAt(spec, lo) : undefined,
    next: hi >= 0 ? loadAt(spec, hi) : undefined,
    probes: records.size,
    atCapacity,
    atNext: hi >= 0 ? records.get(hi) : undefined,
    throughputPerGpu: outTps / gpus,
    // USD per million output tokens at capacity: GPUs × price per GPU-second ÷ output tokens per second × 1e6.
    costPerMTokens: price !== undefined ? ((gpus * price) / 3600 / outTps) * 1e6 : NaN,
    energyPerOutputToken: m?.j_per_output_token ?? NaN,
  };
}

/** Search every configuration (concurrently: each search is sequential, the executor spreads them over workers). */
export async function runCapacitySearch(o: CapacityOptions): Promise<CapacityRow[]> {
  o.store.ensureDir();
  o.store.removeStaleTemps();
  const rows = await Promise.all(o.plan.runs.map((config) => searchOne(o, config)));
  return rows; // plan.runs is in id order, so rows are too
}

/** Best first by the chosen key (capacity and throughput per GPU: higher is better; cost and energy: lower is better). */
export function rankCapacity(rows: readonly CapacityRow[], by: RankKey): CapacityRow[] {
  const keys: Record<RankKey, (r: CapacityRow) => number> = {
    capacity: (r) => r.capacity ?? -Infinity,
    throughputPerGpu: (r) => r.throughputPerGpu,
    costPerMTokens: (r) => -r.costPerMTokens,
    energyPerOutputToken: (r) => -r.energyPerOutputToken,
  };
  const key = keys[by];
  const score = (r: CapacityRow) => (Number.isFinite(key(r)) ? key(r) : -Infinity);
  return [...rows].sort((a, b) => score(b) - score(a) || (a.configId < b.configId ? -1 : 1));
}

export function capacityTableCsv(spec: CapacitySpec, axes: readonly string[], rows: readonly CapacityRow[]): string {
  const checks = sloChecks(spec.slo);
  const over = spec.over;
  const header = [
    'config_id', 'scenario', ...axes, 'status', `capacity_${over}`, `next_${over}`, 'probes', 'request_throughput', 'output_throughput', 'gpus',
    'output_throughput_per_gpu', 'cost_usd_per_m_output_tokens', 'j_per_output_token',
    ...checks.map((c) => `${c.column}_at_capacity`), ...checks.map((c) => `${c.column}_at_next`),
  ];
  const metric = (r: RunRecord | undefined, c: MetricColumn) => (r?.status === 'ok' ? r.metrics[c] : undefined);
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.configId, r.config.scenarioName, ...axes.map((a) => r.config.axes[a]), r.status, r.capacity, r.next, r.probes,
        metric(r.atCapacity, 'request_throughput'), metric(r.atCapacity, 'output_throughput'), metric(r.atCapacity, 'gpus'),
        r.throughputPerGpu, r.costPerMTokens, r.energyPerOutputToken,
        ...checks.map((c) => metric(r.atCapacity, c.column)), ...checks.map((c) => metric(r.atNext, c.column)),
      ]
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
