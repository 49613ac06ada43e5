// What the HTML page of a sweep shows, read from its results folder (plan.json + runs/<id>.json): the results table,
// P99 latencies against the swept rate (or user count), J/output token against the batch limit, and per-model bars
// (latency, memory, tokens/s; means over the model's runs, as the exo benchmark draws one bar per model).
import { basename } from 'node:path';
import { ResultsStore, type RunRecord } from '../experiment/resultsStore.js';
import type { MetricColumn } from '../experiment/runMetrics.js';
import { shardOf } from '../experiment/shard.js';
import type { ModelBar, SweepPoint } from './chartSpecs.js';

export interface SweepLineChart {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  log: boolean;
  points: SweepPoint[];
}

export interface SweepPage {
  name: string;
  dir: string;
  planned: number;
  finished: number;
  failed: number;
  axes: string[];
  /** Header then one row per finished run, in run-id order. */
  table: { header: string[]; rows: (string | number | null)[][] };
  lines: SweepLineChart[];
  modelBars: ModelBar[];
  notes: string[];
}

/** The load axes a P99-against-load chart can use, most specific first. */
const LOAD_AXES = [
  ['workload.rateQps', 'request rate (req/s)'],
  ['workload.users', 'concurrent users'],
] as const;
/** The batch-limit axes J/token is drawn against. */
const BATCH_AXES = [
  ['knobs.maxNumSeqs', 'batch limit (max_num_seqs)'],
  ['knobs.maxNumBatchedTokens', 'token budget per step (max_num_batched_tokens)'],
] as const;

const TABLE_COLUMNS: [MetricColumn, string][] = [
  ['request_throughput', 'req/s'],
  ['output_throughput', 'output tok/s'],
  ['p99_ttft_ms', 'P99 TTFT (ms)'],
  ['p99_tpot_ms', 'P99 TPOT (ms)'],
  ['p99_e2el_ms', 'P99 E2E (ms)'],
  ['gpus', 'GPUs'],
  ['j_per_output_token', 'J/output token'],
];

const NATURAL = new Intl.Collator('en', { numeric: true });

const shortAxis = (axis: string) => axis.slice(axis.lastIndexOf('.') + 1);

/** The model a run serves: its `model` field, else its cluster config's file name, else its scenario name. */
export function modelOf(r: Pick<RunRecord, 'scenario' | 'scenarioName'>): string {
  const s = r.scenario as { model?: string; clusterConfig?: string };
  if (s.model) return s.model;
  if (s.clusterConfig) return basename(s.clusterConfig).replace(/\.json$/i, '');
  return r.scenarioName;
}

/** The label of a run's line: its scenario and every axis but the excluded ones. */
function seriesOf(r: RunRecord, axes: readonly string[], exclude: readonly string[]): string {
  const parts = axes.filter((a) => !exclude.includes(a)).map((a) => `${shortAxis(a)}=${formatAxis(r.axes[a])}`);
  if (r.scenarioName !== 'base') parts.unshift(r.scenarioName);
  return parts.join(', ') || 'all runs';
}

function formatAxis(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

const okMetric = (r: RunRecord, c: MetricColumn): number | undefined => {
  if (r.status !== 'ok') return undefined;
  const v = r.metrics[c];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

function linePoints(records: readonly RunRecord[], axes: readonly string[], xAxis: string, y: MetricColumn): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const r of records) {
    const x = r.axes[xAxis];
    const v = okMetric(r, y);
    if (typeof x === 'number' && v !== undefined) points.push({ x, y: v, series: seriesOf(r, axes, [xAxis]) });
  }
  // Legend order = data order: series in natural order (rate 2 before 16), each line's points left to right.
  return points.sort((a, b) => NATURAL.compare(a.series, b.series) || a.x - b.x);
}

/** Read a results folder into the sweep page's data. */
export function sweepPageFromResults(dir: string): SweepPage {
  const store = new ResultsStore(dir);
  const plan = store.readPlan();
  const done = store.finishedIds();
  const records = plan.runs.filter((r) => done.has(r.id)).map((r) => store.readRecord(r.id));
  const notes: string[] = [];
  const axes = plan.axes;

  const header = ['run', 'scenario', ...axes.map(shortAxis), 'status', ...TABLE_COLUMNS.map(([, t]) => t)];
  const rows = records.map((r) => [
    r.id,
    r.scenarioName,
    ...axes.map((a) => (r.axes[a] === undefined ? null : formatAxis(r.axes[a]))),
    r.status === 'ok' ? 'ok' : `error: ${r.error}`,
    ...TABLE_COLUMNS.map(([c]) => okMetric(r, c) ?? null),
  ]);

  const lines: SweepLineChart[] = [];
  const load = LOAD_AXES.find(([a]) => axes.includes(a));
  if (load) {
    const [axis, xTitle] = load;
    const log = isWideRange(records.map((r) => r.axes[axis]));
    for (const [col, name] of [['p99_ttft_ms', 'TTFT'], ['p99_tpot_ms', 'TPOT'], ['p99_e2el_ms', 'E2E']] as const) {
      const points = linePoints(records, axes, axis, col);
      if (points.length) lines.push({ title: `P99 ${name} against load`, xTitle, yTitle: `P99 ${name} (ms)`, log, points });
    }
  } else {
    notes.push(`No P99-against-load chart: the sweep has no ${LOAD_AXES.map(([a]) => a).join(' or ')} axis.`);
  }
  const batch = BATCH_AXES.find(([a]) => axes.includes(a));
  if (batch) {
    const [axis, xTitle] = batch;
    const points = linePoints(records, axes, axis, 'j_per_output_token');
    if (points.length) {
      lines.push({ title: 'Energy per output token against batch limit', subtitle: 'facility energy (IT × PUE)', xTitle, yTitle: 'J / output token', log: isWideRange(points.map((p) => p.x)), points });
    } else notes.push('No J/token chart: the runs have no energy figures.');
  } else {
    notes.push(`No J/token-against-batch chart: the sweep has no ${BATCH_AXES.map(([a]) => a).join(' or ')} axis.`);
  }

  const byModel = new Map<string, RunRecord[]>();
  for (const r of records) if (r.status === 'ok') byModel.set(modelOf(r), [...(byModel.get(modelOf(r)) ?? []), r]);
  const modelBars: ModelBar[] = [];
  const measures: [MetricColumn, string][] = [
    ['mean_e2el_ms', 'E2E latency, mean (ms)'],
    ['mean_ttft_ms', 'TTFT, mean (ms)'],
    ['peak_gpu_memory_gib', 'peak memory per GPU (GiB)'],
    ['output_throughput', 'output tokens/s'],
  ];
  for (const [col, measure] of measures) {
    for (const [model, runs] of byModel) {
      const vs = runs.map((r) => okMetric(r, col)).filter((v): v is number => v !== undefined);
      if (vs.length) modelBars.push({ model, measure, value: vs.reduce((a, b) => a + b, 0) / vs.length });
    }
  }
  if (byModel.size === 0) notes.push('No per-model bars: no run finished without error.');

  return {
    name: plan.name,
    dir,
    planned: shardOf(plan.runs, plan.shard && { ...plan.shard, source: 'plan.json' }).length,
    finished: records.length,
    failed: records.filter((r) => r.status === 'error').length,
    axes,
    table: { header, rows },
    lines,
    modelBars,
    notes,
  };
}

/** A log axis when the positive values span more than a decade (rates 1, 2, 4, ... 64). */
function isWideRange(values: readonly unknown[]): boolean {
  const xs = values.filter((v): v is number => typeof v === 'number' && v > 0);
  return xs.length > 1 && Math.max(...xs) / Math.min(...xs) > 10;
}

