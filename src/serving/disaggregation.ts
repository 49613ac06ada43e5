// Prefill/decode disaggregation (LLMServingSim 2.0 pd_type, reference README §2.8): a prefill instance computes the
// prompt and produces the first token (TTFT is stamped there); the request's prompt KV then crosses a link to a decode
// instance picked by the router over the decode pool, where it arrives after
//
//   transferNs = latencyNs + ceil(bytes / bandwidth),   bytes = prompt tokens × KV bytes per token per rank,
//
// every rank sending its shard over its own link in parallel (each prefill NPU has a paired receiver, §2.8). The
// bandwidth is read as GiB/s, as LLMServingSim's backend reads link_bw (§3.6). That is compat 'vllm' (a whole
// transfer after the prefill, as a KV connector moves it). Compat 'llmservingsim2' follows LLMServingSim, which
// streams the KV layer by layer during the prefill: the request moves to the decode side as the prefill iteration
// ends, and that iteration ends one link message after its compute (llmservingsimPrefillTailNs).
import type { ServingRequest } from './request.js';
import type { CostModelLike } from './types.js';

export interface KvLink {
  bandwidthGBps: number; // read as GiB/s (2^30 B/s), as LLMServingSim's link_bw
  latencyNs: number;
}

/** LLMServingSim's P/D example link (configs/cluster/single_node_pd_instance.json: link_bw 16, link_latency 20000). */
export const DEFAULT_KV_LINK: KvLink = { bandwidthGBps: 16, latencyNs: 20_000 };

/** Integer ns to move `bytes` over `link`: latency + ceil(bytes / bandwidth). */
export function kvTransferNs(bytes: number, link: KvLink): number {
  const bytesPerNs = (link.bandwidthGBps * 2 ** 30) / 1e9;
  return Math.round(link.latencyNs) + Math.ceil(bytes / bytesPerNs);
}

/**
 * Requests in flight between the pools, ordered by (arrival at the decode side, request id). Transfers differ in
 * length, so this is a small binary heap rather than a FIFO.
 */
export class TransferQueue {
  private readyNs: number[] = [];
  private reqs: ServingRequest[] = [];

  get length(): number {
    return this.reqs.length;
  }

  /** When the earliest transfer lands, or Infinity. */
  peekReadyNs(): number {
    return this.reqs.length > 0 ? this.readyNs[0] : Infinity;
  }

  push(readyNs: number, req: ServingRequest): void {
    const t = this.readyNs;
    const r = this.reqs;
    let i = r.length;
    t.push(readyNs);
    r.push(req);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): ServingRequest {
    const t = this.readyNs;
    const r = this.reqs;
    const top = r[0];
    const last = r.length - 1;
    this.swap(0, last);
    t.pop();
    r.pop();
    let i = 0;
    for (;;) {
      const a = 2 * i + 1;
      const b = a + 1;
      let m = i;
      if (a < r.length && this.less(a, m)) m = a;
      if (b < r.length && this.less(b, m)) m = b;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(i: number, j: number): boolean {
    const t = this.readyNs;
    return t[i] < t[j] || (t[i] === t[j] && this.reqs[i].id < this.reqs[j].id);
  }

  private swap(i: number, j: number): void {
    const t = this.readyNs;
    const r = this.reqs;
    const x = t[i];
    t[i] = t[j];
    t[j] = x;
    const y = r[i];
    r[i] = r[j];
    r[j] = y;
  }
}

/**
 * compat 'llmservingsim2': a P/D prefill iteration's cost model, ending later than its compute by the send of its last
 * layer's K/V, as LLMServingSim's does:
 *
 *   tailNs = link latency + floor(tokens × layerKvBytesPerToken / 1000 / bandwidth)   (bandwidth in B/ns, GiB-based)
 *
 * tokens = the batch's computed tokens. Measured, not derived from its code: on its P/D example (outputs/
 * example_pd_run.csv, link 16 GB/s, 20 µs) this puts every end time on LLMServingSim's to the ns and the prefill-side
 * TTFTs within a few ns; the 1/1000 matches the observed slope (0.24 ns per token where 4 KiB per token at 16 GiB/s
 * would take 238 ns), i.e. the message is sized in kB where bytes are meant. Earlier layers' sends overlap compute.
 */
// Not a CostWrapper: the send is sized from the rows' tokens, so this model must not take decode rows as totals.
export function withTrailingSend(cost: CostModelLike, link: KvLink, layerKvBytesPerToken: number): CostModelLike {
  const bytesPerNs = (link.bandwidthGBps * 2 ** 30) / 1e9;
  const latencyNs = Math.round(link.latencyNs);
  const wrapped: CostModelLike = {
    newTokens: cost.newTokens,
    computedBefore: cost.computedBefore,
    iterate: (n: number, startNs?: number) => {
      const computeNs = cost.iterate(n, startNs);
      let tokens = 0;
      for (let i = 0; i < n; i++) tokens += cost.newTokens[i];
      return computeNs + latencyNs + Math.floor((tokens * layerKvBytesPerToken) / 1000 / bytesPerNs);
    },
    get counters() {
      return cost.counters;
    },
  };
  if (cost.internalEventOffsetsNs) wrapped.internalEventOffsetsNs = (out) => cost.internalEventOffsetsNs!(out);
  return wrapped;
}
