// The run summary: throughput, latency statistics (ms), KV and prefix-cache figures, durations. Built from the metrics
// (records) and the engine's run totals; written as JSON atomically and printed as text like LLMServingSim's summary.
import { writeFileAtomic } from '../atomicFile.js';
import type { LatencyStats, ServingMetrics } from './metrics.js';

export const SUMMARY_SCHEMA = 'servesim.summary/1';

/** What the summary needs from the engine's totals (a structural subset of serving's RunTotals). */
export interface EngineTotals {
  preemptions: number;
  recomputedTokens: number;
  peakKvBlocks: number;
  kvBlocksTotal: number;
  prefixRequestedTokens: number;
  prefixHitTokens: number;
  iterations: number;
  kvSwapOuts?: number;
  kvTierHitTokens?: number;
  pdHandoffs?: number;
  specProposedTokens?: number;
  specAcceptedTokens?: number;
}

/** Serving-at-scale counters: each key appears in the summary only when the run made it non-zero (so single-GPU
 * summaries keep their shape). */
export interface ScaleCounters {
  /** P/D: requests handed from a prefill to a decode instance. */
  pdHandoffs?: number;
  /** KV tiers: preemptions swapped out instead of recomputed. */
  kvSwapOuts?: number;
  /** KV tiers: prefix-cache hit tokens loaded from a lower tier. */
  kvTierHitTokens?: number;
  /** Speculative decoding: draft tokens proposed and accepted, and accepted / proposed. */
  specProposedTokens?: number;
  specAcceptedTokens?: number;
  specAcceptanceRate?: number;
}

export interface RunSummary extends ScaleCounters {
  schema: typeof SUMMARY_SCHEMA;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  simulatedDurationNs: number;
  simulatedDurationS: number;
  wallTimeS: number;
  requestThroughputPerS: number;
  inputTokenThroughputPerS: number;
  outputTokenThroughputPerS: number;
  totalTokenThroughputPerS: number;
  ttftMs: LatencyStats;
  tpotMs: LatencyStats;
  itlMs: LatencyStats;
  e2eMs: LatencyStats;
  itlApproximate: boolean;
  preemptions: number;
  recomputedTokens: number;
  iterations: number;
  kvBlocksTotal: number;
  peakKvBlocks: number;
  /** peakKvBlocks / kvBlocksTotal */
  peakKvUse: number;
  prefixRequestedTokens: number;
  prefixHitTokens: number;
  /** prefixHitTokens / prefixRequestedTokens (0 when nothing was requested) */
  prefixHitRate: number;
  /** With more than one instance: each one's statistics (as LLMServingSim's `Instance [i]` blocks). */
  perInstance?: InstanceLatency[];
}

export interface InstanceLatency {
  instanceId: number;
  requests: number;
  ttftMs: LatencyStats;
  tpotMs: LatencyStats;
  itlMs: LatencyStats;
  e2eMs: LatencyStats;
}

export function buildSummary(metrics: ServingMetrics, totals: EngineTotals, wallTimeS: number): RunSummary {
  return {
    schema: SUMMARY_SCHEMA,
    requests: metrics.requests,
    inputTokens: metrics.inputTokens,
    outputTokens: metrics.outputTokens,
    simulatedDurationNs: metrics.durationNs,
    simulatedDurationS: metrics.durationNs / 1e9,
    wallTimeS,
    requestThroughputPerS: metrics.requestThroughputPerS,
    inputTokenThroughputPerS: metrics.inputTokenThroughputPerS,
    outputTokenThroughputPerS: metrics.outputTokenThroughputPerS,
    totalTokenThroughputPerS: metrics.totalTokenThroughputPerS,
    ttftMs: metrics.ttftMs,
    tpotMs: metrics.tpotMs,
    itlMs: metrics.itlMs,
    e2eMs: metrics.e2eMs,
    itlApproximate: metrics.itlApproximate,
    preemptions: totals.preemptions,
    recomputedTokens: totals.recomputedTokens,
    iterations: totals.iterations,
    kvBlocksTotal: totals.kvBlocksTotal,
    peakKvBlocks: totals.peakKvBlocks,
    peakKvUse: totals.kvBlocksTotal > 0 ? totals.peakKvBlocks / totals.kvBlocksTotal : 0,
    prefixRequestedTokens: totals.prefixRequestedTokens,
    prefixHitTokens: totals.prefixHitTokens,
    prefixHitRate: totals.prefixRequestedTokens > 0 ? totals.prefixHitTokens / totals.prefixRequestedTokens : 0,
    ...scaleCounters(totals),
  };
}

function scaleCounters(t: EngineTotals): ScaleCounters {
  const out: ScaleCounters = {};
  if (t.pdHandoffs) out.pdHandoffs = t.pdHandoffs;
  if (t.kvSwapOuts) out.kvSwapOuts = t.kvSwapOuts;
  if (t.kvTierHitTokens) out.kvTierHitTokens = t.kvTierHitTokens;
  if (t.specProposedTokens) {
    out.specProposedTokens = t.specProposedTokens;
    out.specAcceptedTokens = t.specAcceptedTokens ?? 0;
    out.specAcceptanceRate = out.specAcceptedTokens / t.specProposedTokens;
  }
  return out;
}

/** JSON text of a summary (NaN statistics of empty sets become null, as JSON has no NaN). */
/** Pretty JSON with non-finite numbers (a latency of a run without such requests) written as null. */
export function jsonWithNulls(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

export function summaryJson(summary: RunSummary): string {
  return jsonWithNulls(summary);
}

export function writeSummaryJson(path: string, summary: RunSummary): void {
  writeFileAtomic(path, summaryJson(summary));
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** A readable end-of-run summary, laid out like LLMServingSim's (label left, value right). */
export function formatSummaryText(s: RunSummary): string {
  const rows: [string, string][] = [
    ['Total requests', String(s.requests)],
    ['Simulated time (s)', fmt(s.simulatedDurationS, 3)],
    ['Wall time (s)', fmt(s.wallTimeS, 3)],
    ['Total input tokens', String(s.inputTokens)],
    ['Total generated tokens', String(s.outputTokens)],
  ];
  if (s.preemptions > 0) {
    rows.push(['Preemptions', String(s.preemptions)], ['Recomputed prompt tokens (preemption)', String(s.recomputedTokens)]);
  }
  rows.push(
    ['Request throughput (req/s)', fmt(s.requestThroughputPerS)],
    ['Prompt throughput (tok/s)', fmt(s.inputTokenThroughputPerS)],
    ['Generation throughput (tok/s)', fmt(s.outputTokenThroughputPerS)],
    ['Total token throughput (tok/s)', fmt(s.totalTokenThroughputPerS)],
    ['Peak KV cache use (%)', `${fmt(s.peakKvUse * 100)} (${s.peakKvBlocks} / ${s.kvBlocksTotal} blocks)`],
    ['Prefix cache hit rate (%)', `${fmt(s.prefixHitRate * 100)} (${s.prefixHitTokens} / ${s.prefixRequestedTokens} tokens)`],
  );
  if (s.pdHandoffs) rows.push(['P/D handoffs (prefill to decode)', String(s.pdHandoffs)]);
  if (s.kvSwapOuts) rows.push(['KV swap-outs to a lower tier (preemption)', String(s.kvSwapOuts)]);
  if (s.kvTierHitTokens) rows.push(['Prefix hit tokens loaded from a lower tier', String(s.kvTierHitTokens)]);
  if (s.specProposedTokens) {
    rows.push(
      ['Speculative tokens proposed / accepted', `${s.specProposedTokens} / ${s.specAcceptedTokens ?? 0}`],
      ['Speculative acceptance rate (%)', fmt((s.specAcceptanceRate ?? 0) * 100)],
    );
  }
  const stat = (name: string, st: LatencyStats, note = '') => {
    rows.push([`${name} mean / median (ms)${note}`, `${fmt(st.mean)} / ${fmt(st.median)}`]);
    rows.push([`${name} P90 / P95 / P99 (ms)${note}`, `${fmt(st.p90)} / ${fmt(st.p95)} / ${fmt(st.p99)}`]);
  };
  stat('TTFT', s.ttftMs);
  stat('TPOT', s.tpotMs);
  stat('ITL', s.itlMs, s.itlApproximate ? ' ~0.1%' : '');
  stat('E2E', s.e2eMs);
  for (const i of s.perInstance ?? []) {
    const mmp = (st: LatencyStats) => `${fmt(st.mean)} / ${fmt(st.median)} / ${fmt(st.p99)}`;
    rows.push([`Instance [${i.instanceId}] requests`, String(i.requests)]);
    rows.push([`Instance [${i.instanceId}] TTFT mean / median / P99 (ms)`, mmp(i.ttftMs)]);
    rows.push([`Instance [${i.instanceId}] TPOT mean / median / P99 (ms)`, mmp(i.tpotMs)]);
    rows.push([`Instance [${i.instanceId}] ITL mean / median / P99 (ms)`, mmp(i.itlMs)]);
  }
  const width = 72;
  return rows.map(([k, v]) => `${k}:${' '.repeat(Math.max(1, width - k.length - 1 - v.length))}${v}`).join('\n') + '\n';
}
