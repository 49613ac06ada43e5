// Heartbeat lines as LLMServingSim prints them every --log-interval simulated seconds (reference README §7.2):
//   [t s] Avg prompt throughput: X tokens/s, Avg generation throughput: Y tokens/s
// The engine's tick reports the tokens of the interval (prompt tokens include prefix hits and recomputation, as
// LLMServingSim counts them); this turns them into rates and keeps the series for the summary.

/** What a tick carries (a structural subset of serving's TickStatus). */
export interface TickTokens {
  promptTokens: number;
  generatedTokens: number;
  running: number;
  waiting: number;
  kvBlocksUsed?: number;
  prefixRequestedTokens?: number; // cumulative
  prefixHitTokens?: number; // cumulative
}

export interface Heartbeat {
  timeS: number;
  promptTokensPerS: number;
  generationTokensPerS: number;
  running: number;
  waiting: number;
  kvBlocksUsed: number;
  prefixRequestedTokens: number;
  prefixHitTokens: number;
}

export class HeartbeatSeries {
  private lastTickNs = 0;
  readonly series: Heartbeat[] = [];

  /** Figures of the interval that ends at `nowNs`. */
  tick(nowNs: number, t: TickTokens): Heartbeat {
    const seconds = (nowNs - this.lastTickNs) / 1e9;
    this.lastTickNs = nowNs;
    const hb: Heartbeat = {
      timeS: nowNs / 1e9,
      promptTokensPerS: seconds > 0 ? t.promptTokens / seconds : 0,
      generationTokensPerS: seconds > 0 ? t.generatedTokens / seconds : 0,
      running: t.running,
      waiting: t.waiting,
      kvBlocksUsed: t.kvBlocksUsed ?? 0,
      prefixRequestedTokens: t.prefixRequestedTokens ?? 0,
      prefixHitTokens: t.prefixHitTokens ?? 0,
    };
    this.series.push(hb);
    return hb;
  }
}

export function formatHeartbeat(hb: Heartbeat): string {
  return (
    `[${hb.timeS.toFixed(1)}s] Avg prompt throughput: ${hb.promptTokensPerS.toFixed(1)} tokens/s, ` +
    `Avg generation throughput: ${hb.generationTokensPerS.toFixed(1)} tokens/s (running ${hb.running}, waiting ${hb.waiting})`
  );
}

/** The detail line LLMServingSim prints under each heartbeat (INFO): state, KV use and the cumulative prefix hit ratio. */
export function formatHeartbeatDetail(hb: Heartbeat, kvBlocksTotal: number): string {
  const kvPct = kvBlocksTotal > 0 ? (100 * hb.kvBlocksUsed) / kvBlocksTotal : 0;
  const hitPct = hb.prefixRequestedTokens > 0 ? (100 * hb.prefixHitTokens) / hb.prefixRequestedTokens : 0;
  return (
    `        └─Running: ${hb.running} reqs, Waiting: ${hb.waiting} reqs, KV blocks ${hb.kvBlocksUsed} / ${kvBlocksTotal} ` +
    `(${kvPct.toFixed(3)} % Used), Prefix Cache Hit ratio ${hitPct.toFixed(2)} %, (${hb.prefixHitTokens} / ${hb.prefixRequestedTokens})`
  );
}
