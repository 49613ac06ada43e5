// vLLM `vllm bench serve` / legacy `benchmarks/benchmark_serving.py` result JSON (energy-model.md §9.2) into a RunReport.
// Summary statistics are taken as vLLM printed them; with `--save-detailed` the per-request arrays
// (ttfts and latencies in s, itls as lists in s) become per-request columns, and fill any missing statistic.
import { basename } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { finalizeRunReport, noCarbon, noEnergy, summarize, type RunReport, type Stats } from '../report/runReport.js';
import { readJsonFile } from './common.js';

const optNum = z.number().finite().nullable().optional();
const vllmSchema = z.looseObject({
  date: z.string().optional(),
  backend: z.string().optional(),
  label: z.string().nullable().optional(),
  model_id: z.string(),
  num_prompts: z.number().int().optional(),
  request_rate: z.union([z.number(), z.literal('inf'), z.string()]).optional(),
  max_concurrency: z.number().int().nullable().optional(),
  duration: z.number().positive(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative().optional(),
  total_input_tokens: z.number().int().nonnegative(),
  total_output_tokens: z.number().int().nonnegative(),
  request_throughput: optNum,
  output_throughput: optNum,
  total_token_throughput: optNum,
  input_lens: z.array(z.number().int()).optional(),
  output_lens: z.array(z.number().int()).optional(),
  ttfts: z.array(z.number()).optional(),
  itls: z.array(z.array(z.number())).optional(),
  latencies: z.array(z.number()).optional(),
  start_times: z.array(z.number()).optional(),
  errors: z.array(z.string().nullable()).optional(),
});

const METRICS = [
  ['ttft', 'ttft_ms'],
  ['tpot', 'tpot_ms'],
  ['itl', 'itl_ms'],
  ['e2el', 'e2e_latency_ms'],
] as const;

/** `mean_ttft_ms`, `median_…`, `std_…`, `p90_…` etc. into Stats; null when vLLM printed none of them. */
function statsFromSummary(raw: Record<string, unknown>, metric: string): Stats | null {
  const s: Stats = {};
  let any = false;
  const take = (key: string, into: keyof Stats) => {
    const v = raw[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      (s as Record<string, number>)[into] = v;
      any = true;
    }
  };
  take(`mean_${metric}_ms`, 'mean');
  take(`median_${metric}_ms`, 'median');
  take(`std_${metric}_ms`, 'std');
  for (const p of ['50', '90', '95', '99'] as const) take(`p${p}_${metric}_ms`, `p${p}`);
  return any ? s : null;
}

export interface VllmBenchOptions {
  runId?: string;
}

export function importVllmBench(file: string, opts: VllmBenchOptions = {}): RunReport {
  const j = readJsonFile(file, vllmSchema, 'a vLLM bench serve result JSON');
  const warnings: string[] = ['no energy measurement in a vLLM bench result: pair it with a power trace (CodeCarbon, NVML) for energy'];
  const raw = j as Record<string, unknown>;
  const performance: RunReport['performance'] = {
    output_tok_per_s: j.output_throughput ?? j.total_output_tokens / j.duration,
    total_tok_per_s: j.total_token_throughput ?? (j.total_input_tokens + j.total_output_tokens) / j.duration,
    request_per_s: j.request_throughput ?? j.completed / j.duration,
  };
  let perRequest: RunReport['per_request'] = null;
  if (j.ttfts && j.latencies && j.input_lens && j.output_lens) {
    const n = j.ttfts.length;
    for (const [name, arr] of [['latencies', j.latencies], ['input_lens', j.input_lens], ['output_lens', j.output_lens], ['itls', j.itls], ['errors', j.errors]] as const) {
      if (arr && arr.length !== n) throw new InputError(`expected ${n} entries (as in 'ttfts'), found ${arr.length}`, { file, field: name });
    }
    const ok = (i: number) => !j.errors || !j.errors[i];
    const ttft = j.ttfts.map((v, i) => (ok(i) ? v * 1000 : null));
    const e2e = j.latencies.map((v, i) => (ok(i) ? v * 1000 : null));
    // vLLM's TPOT: (latency − ttft)/(output − 1), requests with one output token excluded
    const tpot = j.latencies.map((l, i) => (ok(i) && j.output_lens![i] > 1 ? ((l - j.ttfts![i]) / (j.output_lens![i] - 1)) * 1000 : null));
    perRequest = {
      request_id: j.ttfts.map((_, i) => String(i)),
      input_tokens: j.input_lens,
      output_tokens: j.output_lens,
      ttft_ms: ttft,
      tpot_ms: tpot,
      e2e_ms: e2e,
    };
    if (j.start_times && j.start_times.length === n) {
      const t0 = Math.min(...j.start_times);
      perRequest.arrival_s = j.start_times.map((t) => t - t0);
    }
    const detailed: Record<string, (number | null)[]> = { ttft, tpot, e2el: e2e };
    if (j.itls) detailed.itl = j.itls.flatMap((gaps, i) => (ok(i) ? gaps.map((g) => g * 1000) : []));
    for (const [metric, key] of METRICS) {
      const fromSummary = statsFromSummary(raw, metric);
      if (fromSummary) performance[key] = { ...fromSummary, count: summarize(detailed[metric] ?? []).count };
      else if (detailed[metric]) performance[key] = summarize(detailed[metric]);
    }
  } else {
    for (const [metric, key] of METRICS) {
      const s = statsFromSummary(raw, metric);
      if (s) performance[key] = s;
    }
  }
  const rate = j.request_rate;
  return finalizeRunReport({
    source: { kind: 'measured', tool: `vllm bench serve${j.backend ? ` (${j.backend})` : ''}`, run_id: opts.runId ?? j.label ?? basename(file), started_at: j.date ?? null, raw_files: [file] },
    scenario: {
      model_id: j.model_id,
      accelerators: [],
      concurrency: j.max_concurrency ?? null,
      request_rate_rps: typeof rate === 'number' ? rate : rate === 'inf' ? 'inf' : null,
      site: { pue: null },
    },
    workload: { duration_s: j.duration, requests_completed: j.completed, requests_failed: j.failed ?? null, input_tokens: j.total_input_tokens, output_tokens: j.total_output_tokens },
    performance,
    energy: noEnergy(),
    carbon: noCarbon(),
    per_request: perRequest,
    provenance: { factors: [], warnings },
  });
}
