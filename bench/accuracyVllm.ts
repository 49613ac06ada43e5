// vLLM-side metrics of a validation run (reference README §8): from vllm/requests.jsonl,
//   arrival = arrival_time if it shares the clock of first_token_ts/last_token_ts (|Δ| < 100,000 s), else queued_ts;
//   TTFT = first_token_ts − arrival; TPOT = (last_token_ts − first_token_ts)/(output_toks − 1), output_toks == 1 excluded;
//   E2E = last_token_ts − arrival; seconds × 1000 → ms; percentiles by linear interpolation (idx = q/100·(n−1)).
import { readFileSync } from 'node:fs';
import { type LatencyStats, latencyStats } from '../src/report/metrics.js';

export interface MeasuredStats {
  requests: number;
  ttftMs: LatencyStats;
  tpotMs: LatencyStats;
  e2eMs: LatencyStats;
}

interface VllmRequestLine {
  output_toks: number;
  arrival_time: number;
  queued_ts: number;
  first_token_ts: number;
  last_token_ts: number;
}

export function vllmRequestStats(requestsJsonlPath: string): MeasuredStats {
  const lines = readFileSync(requestsJsonlPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const n = lines.length;
  const ttft = new Float64Array(n);
  const e2e = new Float64Array(n);
  const tpot = new Float64Array(n);
  let nTpot = 0;
  lines.forEach((line, i) => {
    const r = JSON.parse(line) as VllmRequestLine;
    const sameClock = Math.abs(r.arrival_time - r.first_token_ts) < 100_000;
    const arrival = sameClock ? r.arrival_time : r.queued_ts;
    ttft[i] = r.first_token_ts - arrival;
    e2e[i] = r.last_token_ts - arrival;
    if (r.output_toks > 1) tpot[nTpot++] = (r.last_token_ts - r.first_token_ts) / (r.output_toks - 1);
  });
  return { requests: n, ttftMs: latencyStats(ttft, n, 1000), tpotMs: latencyStats(tpot, nTpot, 1000), e2eMs: latencyStats(e2e, n, 1000) };
}
