// The report's charts as Vega-Lite specs (rendered by plots.ts), and the data reductions that keep them small: a CDF
// sampled at a bounded number of ranks, and series averaged down to a bounded number of points. Per run: latency CDFs,
// throughput over time, batch size and KV use over time, energy breakdown. Per sweep: P99 against rate, J/token
// against batch limit, per-model bars (latency, memory, tokens/s) as the exo benchmark draws them.
import type { TopLevelSpec } from 'vega-lite';
import { lineChartSpec } from './plots.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface CdfPoint {
  value: number;
  /** Share of values ≤ value (the empirical CDF at value). */
  fraction: number;
}

/**
 * The empirical CDF of the finite values, at most `maxPoints` points: every value when there are few, else the values
 * at evenly spaced ranks (always the smallest and the largest). Each point's fraction is (rank + 1) / n.
 */
export function cdfPoints(values: ArrayLike<number | null>, maxPoints = 200): CdfPoint[] {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && Number.isFinite(v)) xs.push(v);
  }
  xs.sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return [];
  const points: CdfPoint[] = [];
  const push = (rank: number) => {
    // Among ties, the last rank is the CDF's value at that x.
    let r = rank;
    while (r + 1 < n && xs[r + 1] === xs[rank]) r++;
    if (points.length && points[points.length - 1].value === xs[r]) return;
    points.push({ value: xs[r], fraction: (r + 1) / n });
  };
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) push(i);
  } else {
    for (let k = 0; k < maxPoints; k++) push(Math.round((k * (n - 1)) / (maxPoints - 1)));
  }
  return points;
}

/** Averages consecutive rows down to at most `maxPoints` rows (each field of a row is the mean over its group). */
export function averageDown<T extends Record<string, number>>(rows: readonly T[], maxPoints: number): T[] {
  if (rows.length <= maxPoints) return rows.slice();
  const group = Math.ceil(rows.length / maxPoints);
  const out: T[] = [];
  for (let start = 0; start < rows.length; start += group) {
    const end = Math.min(start + group, rows.length);
    const acc: Record<string, number> = {};
    for (const k of Object.keys(rows[start])) {
      let sum = 0;
      for (let i = start; i < end; i++) sum += rows[i][k];
      acc[k] = sum / (end - start);
    }
    out.push(acc as T);
  }
  return out;
}

// ---- Per run ----

export interface LatencyCdf {
  metric: string; // TTFT, TPOT, E2E
  points: CdfPoint[];
}

/** One CDF chart per latency metric, side by side; a log x axis when the values span two decades or more. */
export function latencyCdfSpec(cdfs: readonly LatencyCdf[], title = 'Latency distributions (CDF)'): TopLevelSpec {
  const charts = cdfs
    .filter((c) => c.points.length > 0)
    .map((c) => {
      const lo = c.points[0].value;
      const hi = c.points[c.points.length - 1].value;
      const log = lo > 0 && hi / lo >= 100;
      return {
        title: { text: `${c.metric} (ms)`, fontSize: 13 },
        width: 250,
        height: 200,
        data: { values: c.points.map((p) => ({ ms: p.value, fraction: p.fraction })) },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: {
            field: 'ms',
            type: 'quantitative',
            title: `${c.metric} (ms${log ? ', log' : ''})`,
            scale: log ? { type: 'log' } : { zero: false },
            // A log axis would draw a grid line at every 1..9 multiple: ticks and grid at the decades only.
            axis: log ? { grid: true, values: decades(lo, hi) } : { grid: true, tickCount: 5 },
          },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of requests', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
        },
      };
    });
  return { $schema: SCHEMA, title, hconcat: charts } as TopLevelSpec;
}

/** Powers of ten covering [lo, hi] (lo > 0). */
export function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

export interface ThroughputPoint {
  timeS: number;
  promptTokensPerS: number;
  generationTokensPerS: number;
}

/** Prompt and generation throughput per heartbeat interval. */
export function throughputSpec(points: readonly ThroughputPoint[], subtitle?: string): TopLevelSpec {
  const rows = points.flatMap((p) => [
    { timeS: p.timeS, kind: 'prompt', tokensPerS: p.promptTokensPerS },
    { timeS: p.timeS, kind: 'generation', tokensPerS: p.generationTokensPerS },
  ]);
  return timeSeries(subtitle ? { text: 'Throughput over time', subtitle } : 'Throughput over time', rows, 'tokensPerS', 'tokens/s', { field: 'kind', title: 'tokens' });
}

export interface BatchPoint {
  timeS: number;
  instance: number;
  /** Busy-time mean of the batch size (requests) in the bucket. */
  meanBatch: number;
  maxBatch: number;
  /** Highest KV cache use in the bucket, % of the instance's blocks. */
  kvUsePct: number;
}

export function batchSizeSpec(points: readonly BatchPoint[]): TopLevelSpec {
  const multi = new Set(points.map((p) => p.instance)).size > 1;
  const name = (p: BatchPoint, s: string) => (multi ? `instance ${p.instance} ${s}` : s);
  const rows = points.flatMap((p) => [
    { timeS: p.timeS, series: name(p, 'mean'), requests: p.meanBatch },
    { timeS: p.timeS, series: name(p, 'max'), requests: p.maxBatch },
  ]);
  return timeSeries('Batch size over time', rows, 'requests', 'requests per batch', { field: 'series', title: 'batch size' });
}

export function kvUseSpec(points: readonly BatchPoint[]): TopLevelSpec {
  const rows = points.map((p) => ({ timeS: p.timeS, series: `instance ${p.instance}`, kvUsePct: p.kvUsePct }));
  return timeSeries('KV cache use over time', rows, 'kvUsePct', 'KV blocks used (%)', { field: 'series', title: 'KV cache' }, [0, 100]);
}

function timeSeries(title: string | { text: string; subtitle: string }, rows: object[], yField: string, yTitle: string, color: { field: string; title: string }, yDomain?: [number, number]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 760,
    height: 220,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear' },
    encoding: {
      x: { field: 'timeS', type: 'quantitative', title: 'simulated time (s)', axis: { grid: true } },
      y: { field: yField, type: 'quantitative', title: yTitle, scale: yDomain ? { domain: yDomain } : { zero: true } },
      color: { field: color.field, type: 'nominal', title: color.title, sort: null, legend: { orient: 'bottom', direction: 'horizontal' } },
    },
  } as TopLevelSpec;
}

export interface EnergyPart {
  component: string;
  energyJ: number;
}

/** Horizontal bars, one per energy component, labelled with their value. */
export function energyBreakdownSpec(parts: readonly EnergyPart[], title = 'Energy breakdown'): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 640,
    height: { step: 28 },
    data: { values: parts.map((p) => ({ component: p.component, energyJ: p.energyJ, label: formatJ(p.energyJ) })) },
    encoding: {
      y: { field: 'component', type: 'nominal', title: null, sort: null, axis: { labelLimit: 260 } },
      x: { field: 'energyJ', type: 'quantitative', title: 'energy (J)', scale: { zero: true } },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 12 }, encoding: { text: { field: 'label' } } },
    ],
  } as TopLevelSpec;
}

export function formatJ(j: number): string {
  if (Math.abs(j) >= 3.6e6) return `${(j / 3.6e6).toFixed(3)} kWh`;
  if (Math.abs(j) >= 1e3) return `${(j / 1e3).toFixed(2)} kJ`;
  return `${j.toFixed(1)} J`;
}

// ---- Per sweep ----

export interface SweepPoint {
  x: number;
  y: number;
  /** The line this point belongs to (the run's other settings). */
  series: string;
}

/** A metric against a swept numeric axis, one line per combination of the other settings (plots.ts's line chart). */
export function sweepLineSpec(o: { title: string; subtitle?: string; xTitle: string; yTitle: string; points: readonly SweepPoint[]; log?: boolean }): TopLevelSpec {
  const ticks = [...new Set(o.points.map((p) => p.x))].sort((a, b) => a - b);
  return lineChartSpec({
    title: o.title,
    subtitle: o.subtitle,
    rows: o.points.map((p) => ({ x: p.x, y: p.y, series: p.series })),
    x: { field: 'x', title: o.xTitle, log: o.log, ticks },
    y: { field: 'y', title: o.yTitle },
    series: { field: 'series', title: 'configuration' },
    height: 260,
  });
}

export interface ModelBar {
  model: string;
  /** The panel: e.g. 'E2E latency mean (ms)'. */
  measure: string;
  value: number;
}

/** exo-style per-model bars: one small bar chart per measure, the models along the x axis, coloured alike in every panel. */
export function perModelBarsSpec(bars: readonly ModelBar[], title = 'Per model'): TopLevelSpec {
  const measures = [...new Set(bars.map((b) => b.measure))];
  return {
    $schema: SCHEMA,
    title,
    hconcat: measures.map((m) => ({
      title: { text: m, fontSize: 13 },
      width: { step: 48 },
      height: 200,
      data: { values: bars.filter((b) => b.measure === m).map((b) => ({ model: b.model, value: b.value, label: formatNumber(b.value) })) },
      encoding: {
        x: { field: 'model', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30, labelLimit: 140 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: true } },
      },
      layer: [
        { mark: { type: 'bar' }, encoding: { color: { field: 'model', type: 'nominal', legend: null, sort: null } } },
        { mark: { type: 'text', dy: -6, fontSize: 11 }, encoding: { text: { field: 'label' } } },
      ],
    })),
  } as TopLevelSpec;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (Number.isInteger(v) || a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}
