// One rank's KV block pool with its prefix-cache index, following vLLM v1's block pool as LLMServingSim 2.0 ports it
// (reference README §3.1–3.2):
// - a free list ordered by eviction priority: allocation takes from the head; freed blocks go to the tail, a
//   request's blocks in reverse order (its tail first), so the head of a prefix survives longest;
// - a freed block keeps its hash and stays findable until the free list hands it out again (then it is evicted);
// - only full blocks are indexed; a lookup walks the request's chained hashes until the first miss, capped at
//   num_tokens − 1 tokens so at least one token is computed;
// - blocks are ref-counted, so requests sharing a prefix share its blocks.
// All state is in typed arrays indexed by block id or request slot; nothing is allocated per token.
//
// Counted mode: while no block holds a hash, blocks are interchangeable (only counts can be observed), so the pool
// keeps counts alone (free blocks, blocks per slot): taking and freeing cost O(1) per request instead of one
// free-list operation per block. The first time a block must be identified (indexing a hash, a hit, the free-list
// order), `identifyBlocks()` names the counted blocks (each slot's held blocks, then the free list in id order) and
// the pool stays exact from then on. Any new method that reads or writes block ids must call it first.
import { grown } from '../typedArrays.js';

const NO_HASH = -1; // chained hashes are non-negative

// Per-block metadata is interleaved in one Int32Array (stride 4) so taking or freeing a block touches one cache
// line, not one per field: reference count, free-list links, and whether the block holds a hash (blockHash is
// only read when it does).
const STRIDE = 4;
const REF = 0;
const PREV = 1;
const NEXT = 2;
const HASHED = 3;

export class KvCache {
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly enableCaching: boolean;
  /** Called with the hash of an indexed block the pool evicts (a lower KV tier may keep it). */
  onEvict: ((hash: number) => void) | undefined = undefined;

  // [refCnt, prev, next, hashed] per block id; the doubly linked free list has sentinels HEAD and TAIL.
  private readonly meta: Int32Array;
  private readonly blockHash: Float64Array;
  private readonly HEAD: number;
  private readonly TAIL: number;
  private numFree: number;
  /** False while in counted mode (no block identities yet). */
  private exact = false;
  private readonly hashToBlock = new Map<number, number>();

  // Per request slot: its blocks in sequence order, and how many of them are indexed (-1 = none recorded yet).
  private reqBlocks: number[][] = [];
  private numCached = new Int32Array(16).fill(-1);
  // Per request slot: tokens its held blocks can take (blocks × blockSize), so a decode step that stays inside its
  // last block is one comparison (the common case: 15 of 16 steps at block size 16).
  private capacityTokens = new Int32Array(16);
  // Per request slot in counted mode: blocks it holds (its reqBlocks list stays empty until identifyBlocks()).
  private countedBlocks = new Int32Array(16);

  private peakUsed = 0;
  private cachedFree = 0; // blocks in the free list that still hold an indexed prefix

  constructor(numBlocks: number, blockSize: number, enableCaching: boolean) {
    if (!Number.isInteger(numBlocks) || numBlocks <= 0) throw new Error(`KvCache: numBlocks must be a positive integer, got ${numBlocks}`);
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new Error(`KvCache: blockSize must be a positive integer, got ${blockSize}`);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.enableCaching = enableCaching;
    this.meta = new Int32Array((numBlocks + 2) * STRIDE);
    this.blockHash = new Float64Array(numBlocks).fill(NO_HASH);
    this.HEAD = numBlocks;
    this.TAIL = numBlocks + 1;
    // Initially free in block-id order.
    const m = this.meta;
    let last = this.HEAD;
    for (let b = 0; b < numBlocks; b++) {
      m[last * STRIDE + NEXT] = b;
      m[b * STRIDE + PREV] = last;
      last = b;
    }
    m[last * STRIDE + NEXT] = this.TAIL;
    m[this.TAIL * STRIDE + PREV] = last;
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
    if (!this.exact) return slot < this.countedBlocks.length ? this.countedBlocks[slot] : 0;
    const list = this.reqBlocks[slot];
    return list ? list.length : 0;
  }

  /** Free-list order from next-to-evict to last (for tests and diagnostics). */
  freeListOrder(): number[] {
    this.identifyBlocks();
    const out: number[] = [];
    const m = this.meta;
    for (let b = m[this.HEAD * STRIDE + NEXT]; b !== this.TAIL; b = m[b * STRIDE + NEXT]) out.push(b);
    return out;
  }

  /** Whether a block with this hash is currently findable. */
  isCached(hash: number): boolean {
    return this.hashToBlock.has(hash);
  }

  refCount(block: number): number {
    this.identifyBlocks();
    return this.meta[block * STRIDE + REF];
  }

  /** Call once when a request slot is (re)used, before any other call for it. */
  initSlot(slot: number): void {
    if (slot >= this.numCached.length) {
      const size = Math.max(slot + 1, this.numCached.length * 2);
      this.numCached = grown(this.numCached, size, -1);
      this.capacityTokens = grown(this.capacityTokens, size);
      this.countedBlocks = grown(this.countedBlocks, size);
    }
    if (!this.reqBlocks[slot]) this.reqBlocks[slot] = [];
    if (this.reqBlocks[slot].length > 0) this.reqBlocks[slot].length = 0;
    this.numCached[slot] = -1;
    this.capacityTokens[slot] = 0;
    this.countedBlocks[slot] = 0;
  }

  /**
   * The longest resident prefix of a request: fills `hitOut` with its blocks and returns their count.
   * The hit is capped at numTokens − 1 tokens (one token must be computed to produce logits), full blocks only.
   */
  findComputedBlocks(hashes: Float64Array, numTokens: number, hitOut: number[]): number {
    if (hitOut.length > 0) hitOut.length = 0;
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
    if (hitBlocks.length > 0) this.identifyBlocks();
    const held = this.exact ? this.reqBlocks[slot].length : this.countedBlocks[slot];
    let evictable = 0;
    for (let i = 0; i < hitBlocks.length; i++) if (this.meta[hitBlocks[i] * STRIDE + REF] === 0) evictable++;
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
    if (hitBlocks.length === 0 && needTokens <= this.capacityTokens[slot]) {
      // Fits the blocks already held: nothing to take (so the peak cannot move); only indexing may be due.
      if (this.enableCaching && hashes.length !== 0) this.cacheBlocks(slot, hashes, Math.min(needTokens, numTokensReached));
      return true;
    }
    return this.allocateNewBlocks(slot, hashes, needTokens, numTokensReached, hitBlocks);
  }

  /** allocateSlots when blocks must be taken (kept apart so the fast path above stays small enough to inline). */
  private allocateNewBlocks(slot: number, hashes: Float64Array, needTokens: number, numTokensReached: number, hitBlocks: readonly number[]): boolean {
    if (!this.exact) {
      if (hitBlocks.length === 0 && !(this.enableCaching && hashes.length !== 0)) return this.allocateCounted(slot, needTokens);
      this.identifyBlocks();
    }
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
        if (this.meta[b * STRIDE + REF] === 0) this.unlinkFree(b);
        this.meta[b * STRIDE + REF]++;
        list.push(b);
      }
      this.numCached[slot] = list.length;
    }
    const want = Math.ceil(needTokens / this.blockSize) - list.length;
    for (let i = 0; i < want; i++) list.push(this.takeFreeBlock());
    this.capacityTokens[slot] = list.length * this.blockSize;
    const used = this.numBlocks - this.numFree;
    if (used > this.peakUsed) this.peakUsed = used;
    if (this.enableCaching) this.cacheBlocks(slot, hashes, Math.min(needTokens, numTokensReached));
    return true;
  }

  /** Counted mode's allocateNewBlocks (no hits, nothing to index): the same checks on counts alone. */
  private allocateCounted(slot: number, needTokens: number): boolean {
    const want = Math.ceil(needTokens / this.blockSize) - this.countedBlocks[slot];
    if (want > this.numFree) return false;
    if (want > 0) {
      this.numFree -= want;
      this.countedBlocks[slot] += want;
    }
    this.capacityTokens[slot] = this.countedBlocks[slot] * this.blockSize;
    const used = this.numBlocks - this.numFree;
    if (used > this.peakUsed) this.peakUsed = used;
    return true;
  }

  /** True while the pool only counts blocks (no block identities yet; see the header). */
  get isCounted(): boolean {
    return !this.exact;
  }

  /** Counted mode: blocks `slot` must take to hold needTokens tokens. */
  countedNeed(slot: number, needTokens: number): number {
    return Math.max(Math.ceil(needTokens / this.blockSize) - this.countedBlocks[slot], 0);
  }

  /**
   * Counted mode: hand `slot`'s blocks to an owner that tracks them as a count (a decode group, decodeGroup.ts);
   * they stay in use. Returns how many.
   */
  detachCounted(slot: number): number {
    const n = this.countedBlocks[slot];
    this.countedBlocks[slot] = 0;
    this.capacityTokens[slot] = 0;
    return n;
  }

  /** Counted mode: give `slot` back `blocks` blocks that stayed in use under another owner (detachCounted). */
  attachCounted(slot: number, blocks: number): void {
    this.countedBlocks[slot] = blocks;
    this.capacityTokens[slot] = blocks * this.blockSize;
  }

  /** Counted mode: take n free blocks for an owner that tracks them as a count (the caller checked they are free). */
  takeCounted(n: number): void {
    if (n > this.numFree) throw new Error(`internal: KvCache asked for ${n} blocks with ${this.numFree} free`);
    this.numFree -= n;
    const used = this.numBlocks - this.numFree;
    if (used > this.peakUsed) this.peakUsed = used;
  }

  /**
   * Leave counted mode: give the counted blocks ids (slot by slot, then the free list in id order). Any labelling
   * is exact, since blocks without hashes are interchangeable. No-op once exact.
   */
  identifyBlocks(): void {
    if (this.exact) return;
    this.exact = true;
    const m = this.meta;
    let b = 0;
    for (let slot = 0; slot < this.countedBlocks.length; slot++) {
      const n = this.countedBlocks[slot];
      if (n === 0) continue;
      const list = this.reqBlocks[slot];
      for (let i = 0; i < n; i++, b++) {
        m[b * STRIDE + REF] = 1;
        list.push(b);
      }
      this.countedBlocks[slot] = 0;
    }
    if (this.numBlocks - b !== this.numFree) throw new Error(`KvCache: ${b} blocks held but ${this.numBlocks - this.numFree} counted as used`);
    let last = this.HEAD;
    for (; b < this.numBlocks; b++) {
      m[last * STRIDE + NEXT] = b;
      m[b * STRIDE + PREV] = last;
      last = b;
    }
    m[last * STRIDE + NEXT] = this.TAIL;
    m[this.TAIL * STRIDE + PREV] = last;
  }

  /** Index every full block of `slot` covering its first `numTokens` tokens. Idempotent. */
  cacheBlocks(slot: number, hashes: Float64Array, numTokens: number): void {
    if (!this.enableCaching || hashes.length === 0) return;
    this.identifyBlocks();
    const already = Math.max(this.numCached[slot], 0);
    const numFull = Math.min(Math.floor(numTokens / this.blockSize), hashes.length);
    if (already >= numFull) return;
    const list = this.reqBlocks[slot];
    if (list.length < numFull) throw new Error(`KvCache: slot ${slot} has ${list.length} blocks but ${numFull} full blocks to index`);
    for (let i = already; i < numFull; i++) {
      const b = list[i];
      if (this.meta[b * STRIDE + HASHED] !== 0) continue; // a shared hit block is already indexed
      this.blockHash[b] = hashes[i];
      this.meta[b * STRIDE + HASHED] = 1;
      // A newer block takes over an existing hash; the old one keeps its hash but is no longer findable.
      const old = this.hashToBlock.get(hashes[i]);
      if (old !== undefined && this.meta[old * STRIDE + REF] === 0) this.cachedFree--;
      this.hashToBlock.set(hashes[i], b);
    }
    this.numCached[slot] = numFull;
  }

  /** Release all blocks of `slot` (finish or preemption); they keep their hashes. Tail block first to the free list. */
  free(slot: number): void {
    if (!this.exact) {
      this.numFree += this.countedBlocks[slot];
      this.countedBlocks[slot] = 0;
      this.numCached[slot] = -1;
      this.capacityTokens[slot] = 0;
      return;
    }
    const list = this.reqBlocks[slot];
    const m = this.meta;
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i];
      const ref = --m[b * STRIDE + REF];
      if (ref === 0) this.appendFree(b);
      else if (ref < 0) throw new Error(`KvCache: block ${b} freed more often than taken`);
    }
    list.length = 0;
    this.numCached[slot] = -1;
    this.capacityTokens[slot] = 0;
  }

  /** Whether the prefix index points at this block. */
  private isIndexed(b: number): boolean {
    return this.meta[b * STRIDE + HASHED] !== 0 && this.hashToBlock.get(this.blockHash[b]) === b;
  }

  private takeFreeBlock(): number {
    const m = this.meta;
    const b = m[this.HEAD * STRIDE + NEXT];
    if (b === this.TAIL) throw new Error('KvCache: no free block (allocation was not checked)');
    this.unlinkFree(b);
    // Evict: the block's old contents stop being findable (unless a newer block took over the hash).
    if (m[b * STRIDE + HASHED] !== 0) {
      const h = this.blockHash[b];
      if (this.hashToBlock.get(h) === b) {
        this.hashToBlock.delete(h);
        this.onEvict?.(h);
      }
      this.blockHash[b] = NO_HASH;
      m[b * STRIDE + HASHED] = 0;
    }
    m[b * STRIDE + REF] = 1;
    return b;
  }

  private unlinkFree(b: number): void {
    if (this.isIndexed(b)) this.cachedFree--;
    const m = this.meta;
    const p = m[b * STRIDE + PREV];
    const n = m[b * STRIDE + NEXT];
    m[p * STRIDE + NEXT] = n;
    m[n * STRIDE + PREV] = p;
    this.numFree--;
  }

  private appendFree(b: number): void {
    if (this.isIndexed(b)) this.cachedFree++;
    const m = this.meta;
    const tail = this.TAIL * STRIDE;
    const last = m[tail + PREV];
    m[last * STRIDE + NEXT] = b;
    m[b * STRIDE + PREV] = last;
    m[b * STRIDE + NEXT] = this.TAIL;
    m[tail + PREV] = b;
    this.numFree++;
  }
}
