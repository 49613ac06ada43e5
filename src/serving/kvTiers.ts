// KV cache tiers below the GPU: host CPU memory and CXL memory, each with a capacity, a bandwidth and a latency.
// Two uses, each optional:
// - swap: a preempted request's computed KV is written to the first tier with room instead of being dropped, and read
//   back when it is readmitted (no recomputation). vLLM v0's preemption_mode=swap with swap_space on the host.
// - prefix: a prefix-cache block the GPU pool evicts moves to the first tier (LRU; a full tier demotes its least
//   recently used block to the next tier, the last tier drops it); an admission that misses on the GPU continues its
//   prefix match in the tiers and loads those blocks instead of computing them. LLMServingSim's --prefix-storage
//   CPU|CXL (reference README §3.2) keeps such a second tier.
// Every transfer costs latency + bytes / bandwidth (decimal GB/s = bytes/ns, as LLMServingSim's host memory loads,
// README §2.4) and is added to the batch that needs it (the step waits for its KV).

export interface KvTierSpec {
  name: string; // 'cpu', 'cxl'
  capacityBytes: number;
  bandwidthGBps: number; // decimal GB/s
  latencyNs: number;
}

export interface KvTiersOptions {
  tiers: KvTierSpec[]; // fastest first
  kvBytesPerToken: number; // one rank's
  blockSize: number;
  swap: boolean;
  prefix: boolean;
}

/** Integer ns to move `bytes` to or from a tier. */
export function tierTransferNs(bytes: number, tier: KvTierSpec): number {
  return Math.round(tier.latencyNs) + Math.ceil(bytes / tier.bandwidthGBps);
}

export class KvTiers {
  readonly tiers: readonly KvTierSpec[];
  readonly swap: boolean;
  readonly prefix: boolean;
  private readonly bytesPerToken: number;
  private readonly blockBytes: number;
  private readonly usedBytes: Float64Array;
  /** Per tier, its prefix blocks in LRU order (Map insertion order: first = least recently used). */
  private readonly lru: Map<number, true>[];
  /** Which tier holds a block hash. */
  private readonly where = new Map<number, number>();
  /** Transfer time owed by the batch being built. */
  private pendingNs = 0;
  private readonly perTierScratch: Float64Array;

  // Counters (cumulative).
  swapOuts = 0;
  swapIns = 0;
  swappedBytes = 0; // written by swap-outs
  tierHitTokens = 0; // prefix tokens loaded from a tier instead of computed
  loadedBytes = 0; // prefix bytes loaded from tiers

  constructor(o: KvTiersOptions) {
    if (o.tiers.length === 0) throw new Error('KvTiers: no tier');
    this.tiers = o.tiers;
    this.swap = o.swap;
    this.prefix = o.prefix;
    this.bytesPerToken = o.kvBytesPerToken;
    this.blockBytes = o.kvBytesPerToken * o.blockSize;
    this.usedBytes = new Float64Array(o.tiers.length);
    this.lru = o.tiers.map(() => new Map());
    this.perTierScratch = new Float64Array(o.tiers.length);
  }

  /** Bytes in use on tier i (swapped requests and prefix blocks). */
  used(i: number): number {
    return this.usedBytes[i];
  }

  /** The transfer time owed by the batch just built, and reset it. */
  takePendingNs(): number {
    const t = this.pendingNs;
    this.pendingNs = 0;
    return t;
  }

  /**
   * Swap out `tokens` tokens of KV: the tier it went to, or -1 (no room anywhere: the caller recomputes instead).
   * Prefix blocks make way for it (LRU first).
   */
  swapOut(tokens: number): number {
    if (!this.swap || tokens <= 0) return -1;
    const bytes = tokens * this.bytesPerToken;
    for (let i = 0; i < this.tiers.length; i++) {
      if (!this.makeRoom(i, bytes)) continue;
      this.usedBytes[i] += bytes;
      this.pendingNs += tierTransferNs(bytes, this.tiers[i]);
      this.swapOuts++;
      this.swappedBytes += bytes;
      return i;
    }
    return -1;
  }

  /** Read back a swapped-out request's `tokens` tokens from tier `tier`. */
  swapIn(tier: number, tokens: number): void {
    const bytes = tokens * this.bytesPerToken;
    this.usedBytes[tier] -= bytes;
    this.pendingNs += tierTransferNs(bytes, this.tiers[tier]);
    this.swapIns++;
  }

  /** A prefix block the GPU pool evicted: keep it in the first tier (demoting that tier's LRU block if full). */
  offer(hash: number): void {
    if (!this.prefix || this.where.has(hash)) return;
    this.place(0, hash);
  }

  /** How many consecutive blocks of `hashes` from block `from` (up to `maxBlocks` in all) the tiers hold. */
  matchPrefix(hashes: Float64Array, from: number, maxBlocks: number): number {
    if (!this.prefix) return 0;
    let k = from;
    while (k < maxBlocks && this.where.has(hashes[k])) k++;
    return k - from;
  }

  /** Load blocks [from, from + count) of `hashes` (matched by matchPrefix) into the GPU: charge their transfer. */
  loadPrefix(hashes: Float64Array, from: number, count: number): void {
    if (count <= 0) return;
    // One transfer per tier touched (its latency once), all in the step that admits the request.
    const perTier = this.perTierScratch.fill(0);
    for (let k = from; k < from + count; k++) {
      const h = hashes[k];
      const t = this.where.get(h)!;
      perTier[t] += this.blockBytes;
      // Refresh: most recently used.
      const lru = this.lru[t];
      lru.delete(h);
      lru.set(h, true);
    }
    for (let t = 0; t < perTier.length; t++) {
      if (perTier[t] === 0) continue;
      this.pendingNs += tierTransferNs(perTier[t], this.tiers[t]);
      this.loadedBytes += perTier[t];
    }
    this.tierHitTokens += count * (this.blockBytes / this.bytesPerToken);
  }

  /** Put a prefix block on tier i, pushing that tier's LRU blocks down (or out, from the last tier). */
  private place(i: number, hash: number): void {
    if (i >= this.tiers.length) return;
    if (!this.makeRoom(i, this.blockBytes)) {
      this.place(i + 1, hash);
      return;
    }
    this.usedBytes[i] += this.blockBytes;
    this.lru[i].set(hash, true);
    this.where.set(hash, i);
  }

  /** Free `bytes` on tier i by demoting its LRU prefix blocks; false if swapped requests leave too little. */
  private makeRoom(i: number, bytes: number): boolean {
    const cap = this.tiers[i].capacityBytes;
    if (bytes > cap) return false;
    const lru = this.lru[i];
    while (this.usedBytes[i] + bytes > cap) {
      const victim = lru.keys().next();
      if (victim.done) return false; // the rest is swap space in use
      const h = victim.value;
      lru.delete(h);
      this.where.delete(h);
      this.usedBytes[i] -= this.blockBytes;
      this.place(i + 1, h);
    }
    return true;
  }
}
