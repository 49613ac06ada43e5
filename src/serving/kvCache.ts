// One rank's KV block pool with its prefix-cache index, following vLLM v1's block pool as LLMServingSim 2.0 ports it
// (reference README §3.1–3.2):
// - a free list ordered by eviction priority: allocation takes from the head; freed blocks go to the tail, a
//   request's blocks in reverse order (its tail first), so the head of a prefix survives longest;
// - a freed block keeps its hash and stays findable until the free list hands it out again (then it is evicted);
// - only full blocks are indexed; a lookup walks the request's chained hashes until the first miss, capped at
//   num_tokens − 1 tokens so at least one token is computed;
// - blocks are ref-counted, so requests sharing a prefix share its blocks.
// All state is in typed arrays indexed by block id or request slot; nothing is allocated per token.

const NO_HASH = -1; // chained hashes are non-negative

export class KvCache {
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly enableCaching: boolean;

  private readonly refCnt: Int32Array;
  private readonly blockHash: Float64Array;
  // Doubly linked free list over block ids; HEAD and TAIL are sentinels.
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly HEAD: number;
  private readonly TAIL: number;
  private numFree: number;
  private readonly hashToBlock = new Map<number, number>();

  // Per request slot: its blocks in sequence order, and how many of them are indexed (-1 = none recorded yet).
  private reqBlocks: number[][] = [];
  private numCached = new Int32Array(16).fill(-1);

  private peakUsed = 0;
  private cachedFree = 0; // blocks in the free list that still hold an indexed prefix

  constructor(numBlocks: number, blockSize: number, enableCaching: boolean) {
    if (!Number.isInteger(numBlocks) || numBlocks <= 0) throw new Error(`KvCache: numBlocks must be a positive integer, got ${numBlocks}`);
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new Error(`KvCache: blockSize must be a positive integer, got ${blockSize}`);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.enableCaching = enableCaching;
    this.refCnt = new Int32Array(numBlocks);
    this.blockHash = new Float64Array(numBlocks).fill(NO_HASH);
    this.prev = new Int32Array(numBlocks + 2);
    this.next = new Int32Array(numBlocks + 2);
    this.HEAD = numBlocks;
    this.TAIL = numBlocks + 1;
    // Initially free in block-id order.
    let last = this.HEAD;
    for (let b = 0; b < numBlocks; b++) {
      this.next[last] = b;
      this.prev[b] = last;
      last = b;
    }
    this.next[last] = this.TAIL;
    this.prev[this.TAIL] = last;
    this.numFree = numBlocks;
  }

  get freeBlocks(): number {
    return this.numFree;
  }

  /** Blocks pinned by requests (free-but-cached blocks are not counted, as vLLM's kv_cache_usage). */
  get usedBlocks(): number {
    return this.numBlocks - this.numFree;
  }

  /**
   * Blocks holding data: pinned ones plus free ones still findable in the prefix index. LLMServingSim reports memory
   * use from this count (a cached block is reusable, not empty).
   */
  get residentBlocks(): number {
    return this.numBlocks - this.numFree + this.cachedFree;
  }

  get peakUsedBlocks(): number {
    return this.peakUsed;
  }

  /** Blocks a request slot holds now. */
  heldBlocks(slot: number): number {
    const list = this.reqBlocks[slot];
    return list ? list.length : 0;
  }

  /** Free-list order from next-to-evict to last (for tests and diagnostics). */
  freeListOrder(): number[] {
    const out: number[] = [];
    for (let b = this.next[this.HEAD]; b !== this.TAIL; b = this.next[b]) out.push(b);
    return out;
  }

  /** Whether a block with this hash is currently findable. */
  isCached(hash: number): boolean {
    return this.hashToBlock.has(hash);
  }

  refCount(block: number): number {
    return this.refCnt[block];
  }

  /** Call once when a request slot is (re)used, before any other call for it. */
  initSlot(slot: number): void {
    if (slot >= this.numCached.length) {
      const grown = new Int32Array(Math.max(slot + 1, this.numCached.length * 2)).fill(-1);
      grown.set(this.numCached);
      this.numCached = grown;
    }
    if (!this.reqBlocks[slot]) this.reqBlocks[slot] = [];
    this.reqBlocks[slot].length = 0;
    this.numCached[slot] = -1;
  }

  /**
   * The longest resident prefix of a request: fills `hitOut` with its blocks and returns their count.
   * The hit is capped at numTokens − 1 tokens (one token must be computed to produce logits), full blocks only.
   */
  findComputedBlocks(hashes: Float64Array, numTokens: number, hitOut: number[]): number {
    hitOut.length = 0;
    if (!this.enableCaching || hashes.length === 0) return 0;
    const maxBlocks = Math.min(Math.floor((numTokens - 1) / this.blockSize), hashes.length);
    for (let i = 0; i < maxBlocks; i++) {
      const block = this.hashToBlock.get(hashes[i]);
      if (block === undefined) break;
      hitOut.push(block);
    }
    return hitOut.length;
  }

  /** Blocks the pool must hand over so `slot` holds `numTokens` tokens, counting hit blocks that sit in the free list. */
  blocksToAllocate(slot: number, numTokens: number, hitBlocks: readonly number[]): number {
    const required = Math.ceil(numTokens / this.blockSize);
    const held = this.reqBlocks[slot].length;
    let evictable = 0;
    for (let i = 0; i < hitBlocks.length; i++) if (this.refCnt[hitBlocks[i]] === 0) evictable++;
    return Math.max(required - held - hitBlocks.length, 0) + evictable;
  }

  /** vLLM's reserve_full_isl gate: would the request's whole current sequence fit the free pool? */
  canFitFullSequence(slot: number, numTokensReached: number, numComputedTotal: number, hitBlocks: readonly number[]): boolean {
    const full = Math.max(numTokensReached, numComputedTotal);
    return this.blocksToAllocate(slot, full, hitBlocks) <= this.numFree;
  }

  /**
   * Give `slot` room for `numNew` more tokens after `numComputed` (which includes `hitBlocks`' tokens on admission).
   * All or nothing: returns false and changes nothing if the pool is short. On success indexes every full block up to
   * min(numComputed + numNew, numTokensReached), as vLLM caches at allocation.
   */
  allocateSlots(
    slot: number,
    hashes: Float64Array,
    numComputed: number,
    numNew: number,
    numTokensReached: number,
    hitBlocks: readonly number[],
  ): boolean {
    const needTokens = numComputed + numNew;
    const list = this.reqBlocks[slot];
    if (hitBlocks.length === 0) {
      // Running requests (the common case): only the blocks beyond those already held.
      if (Math.ceil(needTokens / this.blockSize) - list.length > this.numFree) return false;
    } else if (this.blocksToAllocate(slot, needTokens, hitBlocks) > this.numFree) {
      return false;
    }
    if (hitBlocks.length > 0) {
      for (let i = 0; i < hitBlocks.length; i++) {
        const b = hitBlocks[i];
        if (this.refCnt[b] === 0) this.unlinkFree(b);
        this.refCnt[b]++;
        list.push(b);
      }
      this.numCached[slot] = list.length;
    }
    const want = Math.ceil(needTokens / this.blockSize) - list.length;
    for (let i = 0; i < want; i++) list.push(this.takeFreeBlock());
    const used = this.numBlocks - this.numFree;
    if (used > this.peakUsed) this.peakUsed = used;
    if (this.enableCaching) this.cacheBlocks(slot, hashes, Math.min(needTokens, numTokensReached));
    return true;
  }

  /** Index every full block of `slot` covering its first `numTokens` tokens. Idempotent. */
  cacheBlocks(slot: number, hashes: Float64Array, numTokens: number): void {
    if (!this.enableCaching || hashes.length === 0) return;
    const already = Math.max(this.numCached[slot], 0);
    const numFull = Math.min(Math.floor(numTokens / this.blockSize), hashes.length);
    if (already >= numFull) return;
    const list = this.reqBlocks[slot];
    if (list.length < numFull) throw new Error(`KvCache: slot ${slot} has ${list.length} blocks but ${numFull} full blocks to index`);
    for (let i = already; i < numFull; i++) {
      const b = list[i];
      if (this.blockHash[b] !== NO_HASH) continue; // a shared hit block is already indexed
      this.blockHash[b] = hashes[i];
      // A newer block takes over an existing hash; the old one keeps its hash but is no longer findable.
      const old = this.hashToBlock.get(hashes[i]);
      if (old !== undefined && this.refCnt[old] === 0) this.cachedFree--;
      this.hashToBlock.set(hashes[i], b);
    }
    this.numCached[slot] = numFull;
  }

  /** Release all blocks of `slot` (finish or preemption); they keep their hashes. Tail block first to the free list. */
  free(slot: number): void {
    const list = this.reqBlocks[slot];
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i];
      if (--this.refCnt[b] === 0) this.appendFree(b);
      else if (this.refCnt[b] < 0) throw new Error(`KvCache: block ${b} freed more often than taken`);
    }
    list.length = 0;
    this.numCached[slot] = -1;
  }

  /** Whether the prefix index points at this block. */
  private isIndexed(b: number): boolean {
    const h = this.blockHash[b];
    return h !== NO_HASH && this.hashToBlock.get(h) === b;
  }

  private takeFreeBlock(): number {
    const b = this.next[this.HEAD];
    if (b === this.TAIL) throw new Error('KvCache: no free block (allocation was not checked)');
    this.unlinkFree(b);
    // Evict: the block's old contents stop being findable (unless a newer block took over the hash).
    const h = this.blockHash[b];
    if (h !== NO_HASH) {
      if (this.hashToBlock.get(h) === b) this.hashToBlock.delete(h);
      this.blockHash[b] = NO_HASH;
    }
    this.refCnt[b] = 1;
    return b;
  }

  private unlinkFree(b: number): void {
    if (this.isIndexed(b)) this.cachedFree--;
    const p = this.prev[b];
    const n = this.next[b];
    this.next[p] = n;
    this.prev[n] = p;
    this.numFree--;
  }

  private appendFree(b: number): void {
    if (this.isIndexed(b)) this.cachedFree++;
    const last = this.prev[this.TAIL];
    this.next[last] = b;
    this.prev[b] = last;
    this.next[b] = this.TAIL;
    this.prev[this.TAIL] = b;
    this.numFree++;
  }
}
