// `npm run bench:accuracy`: simulate LLMServingSim 2.0's two vLLM validation runs (reference README §8) with their
// cluster config, workload and vLLM engine settings (vllm/meta.json), and compare TTFT, TPOT and E2E at mean, median,
// P90, P95, P99 with what vLLM measured (vllm/requests.jsonl, README §8's vLLM-side definitions).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import type { LatencyStats } from '../src/report/metrics.js';
import { simulate } from '../src/simulate.js';
import type { CompatMode } from '../src/serving/types.js';
import { vllmStepCalibrationFor } from '../src/serving/vllmMode.js';
import { vllmRequestStats } from './accuracyVllm.js';

export const REFERENCE_ROOT = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
export const VALIDATION_RUNS = ['RTX4090', 'RTXPRO6000'] as const;

export interface AccuracyRow {
  metric: 'TTFT' | 'TPOT' | 'Latency';
  stat: 'Mean' | 'Median' | 'P90' | 'P95' | 'P99';
  simMs: number;
  vllmMs: number;
  diffPct: number; // (sim − vLLM) / vLLM × 100
}

export interface AccuracyResult {
  run: string;
  compat: CompatMode;
  rows: AccuracyRow[];
  wallTimeS: number;
  preemptions: number;
  makespanNs: number;
  /** compat 'vllm': the step-time calibration in use (src/serving/vllmMode.ts), or 'none'. */
  stepCalibration?: string;
}

interface VllmMeta {
  engine_kwargs: { max_num_seqs: number; max_num_batched_tokens: number; dtype: string; kv_cache_dtype: string; tensor_parallel_size: number };
  dataset_path: string;
  num_requests: number;
}

const STATS = [['Mean', 'mean'], ['Median', 'median'], ['P90', 'p90'], ['P95', 'p95'], ['P99', 'p99']] as const;

export async function runAccuracy(run: string, compat: CompatMode = 'vllm'): Promise<AccuracyResult> {
  const dir = join(REFERENCE_ROOT, 'bench', 'examples', run, 'Llama-3.1-8B');
  const meta = JSON.parse(readFileSync(join(dir, 'vllm', 'meta.json'), 'utf8')) as VllmMeta;
  const e = meta.engine_kwargs;
  const report = await simulate({
    clusterConfig: join(dir, 'config.json'),
    workload: { kind: 'file', path: join(REFERENCE_ROOT, meta.dataset_path), numReqs: meta.num_requests },
    dtype: e.dtype,
    kvCacheDtype: e.kv_cache_dtype === 'fp8' ? 'fp8' : 'auto',
    knobs: { maxNumSeqs: e.max_num_seqs, maxNumBatchedTokens: e.max_num_batched_tokens },
    perfModels: join(REFERENCE_ROOT, 'profiler', 'perf'),
    compat,
  });
  const vllm = vllmRequestStats(join(dir, 'vllm', 'requests.jsonl'));
  const rows: AccuracyRow[] = [];
  const pairs: [AccuracyRow['metric'], LatencyStats, LatencyStats][] = [
    ['TTFT', report.summary.ttftMs, vllm.ttftMs],
    ['TPOT', report.summary.tpotMs, vllm.tpotMs],
    ['Latency', report.summary.e2eMs, vllm.e2eMs],
  ];
  for (const [metric, sim, real] of pairs) {
    for (const [stat, key] of STATS) {
      rows.push({ metric, stat, simMs: sim[key], vllmMs: real[key], diffPct: ((sim[key] - real[key]) / real[key]) * 100 });
    }
  }
  const inst = report.instances[0];
  const cal = compat === 'vllm' ? vllmStepCalibrationFor(inst.hardware, inst.costSource, inst.tp) : undefined;
  const stepCalibration = compat !== 'vllm' ? undefined : cal ? `decode ${cal.decodeOverheadNs / 1e6} ms, mixed ${cal.mixedOverheadNs / 1e6} ms, saturation ${cal.saturationBatch} requests` : 'none';
  return { run, compat, rows, wallTimeS: report.summary.wallTimeS, preemptions: report.totals.preemptions, makespanNs: report.totals.makespanNs, stepCalibration };
}

export function formatAccuracyTable(r: AccuracyResult): string {
  const lines = [`${r.run} (compat ${r.compat}; ${r.preemptions} preemptions, makespan ${(r.makespanNs / 1e9).toFixed(3)} s, wall ${r.wallTimeS.toFixed(3)} s)`];
  if (r.stepCalibration) lines.push(`vllm mode: async scheduling; step-time calibration: ${r.stepCalibration}`);
  lines.push(`${'Metric'.padEnd(16)}${'Sim'.padStart(12)}${'vLLM'.padStart(12)}${'Diff%'.padStart(9)}`);
  lines.push('-'.repeat(49));
  for (const row of r.rows) {
    const sign = row.diffPct >= 0 ? '+' : '';
    lines.push(`${`${row.metric} ${row.stat}`.padEnd(16)}${row.simMs.toFixed(1).padStart(12)}${row.vllmMs.toFixed(1).padStart(12)}${`${sign}${row.diffPct.toFixed(1)}%`.padStart(9)}`);
    if (row.stat === 'P99') lines.push('');
  }
  const worst = r.rows.reduce((m, row) => Math.max(m, Math.abs(row.diffPct)), 0);
  lines.push(`worst |diff| ${worst.toFixed(2)}%; rows within 2%: ${r.rows.filter((row) => Math.abs(row.diffPct) <= 2).length}/15`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(REFERENCE_ROOT)) {
    process.stdout.write(`bench:accuracy: reference data not found at ${REFERENCE_ROOT}; nothing to compare\n`);
    return;
  }
  const compat = (process.argv[2] as CompatMode | undefined) ?? 'vllm';
  for (const run of VALIDATION_RUNS) process.stdout.write(formatAccuracyTable(await runAccuracy(run, compat)) + '\n\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
