// LLMServingSim 2.0 bench run of real vLLM (`bench/examples/<hw>/<model>/vllm/{requests.jsonl,meta.json}`,
// reference README §8) into a RunReport. Metrics follow their validation script exactly:
// arrival = arrival_time if it is in the same clock as first_token_ts (|Δ| < 100 000 s), else queued_ts;
// TTFT = first_token_ts − arrival; TPOT = (last − first)/(output − 1), single-token requests excluded; E2E = last − arrival.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { finalizeRunReport, noCarbon, noEnergy, summarize, type RunReport } from '../report/runReport.js';
import { readJsonFile, readJsonLines } from './common.js';

const requestSchema = z.object({
  request_id: z.string(),
  input_toks: z.number().int().nonnegative(),
  output_toks: z.number().int().positive(),
  arrival_time: z.number().finite(),
  queued_ts: z.number().finite(),
  scheduled_ts: z.number().finite().optional(),
  first_token_ts: z.number().finite(),
  last_token_ts: z.number().finite(),
});

const metaSchema = z.looseObject({
  model: z.string(),
  vllm_version: z.string().optional(),
  engine_kwargs: z.looseObject({ tensor_parallel_size: z.number().int().positive().optional(), data_parallel_size: z.number().int().positive().optional(), dtype: z.string().optional() }).optional(),
  num_requests: z.number().int().nonnegative().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  hardware: z.looseObject({ device_name: z.string().optional(), device_count: z.number().int().optional() }).optional(),
});

const SAME_CLOCK_S = 100_000;

export interface LlmServingSimBenchOptions {
  metaFile?: string; // default: meta.json beside requests.jsonl
  pue?: number;
}

export function importLlmServingSimBench(requestsFile: string, opts: LlmServingSimBenchOptions = {}): RunReport {
  const reqs = readJsonLines(requestsFile, requestSchema, 'an LLMServingSim bench requests.jsonl record');
  const metaFile = opts.metaFile ?? join(dirname(requestsFile), 'meta.json');
  const meta = existsSync(metaFile) ? readJsonFile(metaFile, metaSchema, 'an LLMServingSim bench meta.json') : undefined;
  const warnings: string[] = [];
  const factors: RunReport['provenance']['factors'] = [];
  if (!meta) warnings.push(`no meta.json beside ${basename(requestsFile)}: model and hardware unknown`);
  const n = reqs.length;
  const ttft: number[] = [];
  const tpot: (number | null)[] = [];
  const e2e: number[] = [];
  const arrivalS: number[] = [];
  let firstArrival = Infinity;
  let lastToken = -Infinity;
  let inTok = 0;
  let outTok = 0;
  for (const r of reqs) {
    const arrival = Math.abs(r.arrival_time - r.first_token_ts) < SAME_CLOCK_S ? r.arrival_time : r.queued_ts;
    ttft.push((r.first_token_ts - arrival) * 1000);
    tpot.push(r.output_toks > 1 ? ((r.last_token_ts - r.first_token_ts) / (r.output_toks - 1)) * 1000 : null);
    e2e.push((r.last_token_ts - arrival) * 1000);
    arrivalS.push(arrival);
    firstArrival = Math.min(firstArrival, arrival);
    lastToken = Math.max(lastToken, r.last_token_ts);
    inTok += r.input_toks;
    outTok += r.output_toks;
  }
  if (meta?.num_requests !== undefined && meta.num_requests !== n) warnings.push(`meta.json says ${meta.num_requests} requests, requests.jsonl has ${n}`);
  const durationS = lastToken - firstArrival;
  const tp = meta?.engine_kwargs?.tensor_parallel_size ?? 1;
  const dp = meta?.engine_kwargs?.data_parallel_size ?? 1;
  const pue = opts.pue ?? null; // no energy here: PUE only matters once paired with an energy trace
  warnings.push('no energy measurement in an LLMServingSim bench run: pair it with a power trace (CodeCarbon, NVML) for energy');
  return finalizeRunReport({
    source: {
      kind: 'measured',
      tool: 'vllm (LLMServingSim bench)',
      tool_version: meta?.vllm_version ?? null,
      run_id: [basename(dirname(dirname(dirname(requestsFile)))), basename(dirname(dirname(requestsFile)))].filter(Boolean).join('/') || basename(requestsFile),
      started_at: meta?.started_at ?? null,
      ended_at: meta?.finished_at ?? null,
      raw_files: meta ? [requestsFile, metaFile] : [requestsFile],
    },
    scenario: {
      model_id: meta?.model ?? 'unknown',
      dtype: meta?.engine_kwargs?.dtype ?? null,
      accelerators: [{ name: meta?.hardware?.device_name ?? 'unknown', count: tp * dp }],
      site: { pue },
    },
    workload: { duration_s: durationS, requests_completed: n, requests_failed: 0, input_tokens: inTok, output_tokens: outTok },
    performance: {
      output_tok_per_s: outTok / durationS,
      total_tok_per_s: (inTok + outTok) / durationS,
      request_per_s: n / durationS,
      ttft_ms: summarize(ttft),
      tpot_ms: summarize(tpot),
      e2e_latency_ms: summarize(e2e),
    },
    energy: noEnergy(),
    carbon: noCarbon(),
    per_request: {
      request_id: reqs.map((r) => r.request_id),
      input_tokens: reqs.map((r) => r.input_toks),
      output_tokens: reqs.map((r) => r.output_toks),
      arrival_s: arrivalS.map((a) => a - firstArrival),
      ttft_ms: ttft,
      tpot_ms: tpot,
      e2e_ms: e2e,
    },
    provenance: { factors, warnings },
  });
}
