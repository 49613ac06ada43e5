// The steady decoders of one scheduler, advanced together in O(1) per step instead of one by one.
// A running request that has caught up (its next step computes exactly one token) does the same thing at every step
// until it finishes: compute one token, take a KV block every blockSize tokens, produce one token whose gap is the
// step's duration. So its counters follow the group's step count G: computed = o + G for an offset o fixed when it
// joins, reached = computed + 1, and it finishes at the step where G reaches target − o − 1 (a heap ordered by that
// key, then by admission order). Per step the group costs one kernel row per member (written in a tight loop) and
// O(1) bookkeeping: the blocks it takes are the members whose computed is a multiple of the block size (a count per
// residue of o), and its members' inter-token gaps stay one deferred run each (runningState.ts) until they leave.
// The scheduler uses the group only when that is exactly what its step-by-step loop would do (scheduler.ts), so
// results are identical; a member leaves (materialize) with its counters recomputed from o and G.
import { PairMinHeap } from '../engine/pairHeap.js';
import { grown } from '../typedArrays.js';

export class DecodeGroup {
  /** Group steps completed. */
  steps = 0;
  private readonly blockSize: number;
  // Members, unordered (dense for the per-step row loop); pos[h] is h's place, -1 if not a member.
  private hot = new Int32Array(64);
  private offset = new Int32Array(64);
  private seqOf = new Float64Array(64);
  private pos = new Int32Array(64).fill(-1);
  private count = 0;
  /** Members by residue of their offset modulo the block size. */
  private readonly byResidue: Int32Array;
  private sumOffset = 0;
  private minOffset = 0;
  private maxOffset = 0;
  private extremesValid = true;
  private maxSeqCache = -1;
  private maxSeqValid = true;
  /** Finish heap: (the step count at which a member finishes, its admission seq) -> h. */
  private readonly finishing = new PairMinHeap();

  constructor(blockSize: number) {
    this.blockSize = blockSize;
    this.byResidue = new Int32Array(blockSize);
  }

  get size(): number {
    return this.count;
  }

  /** The latest admission order among the members (-1 if none). */
  get maxSeq(): number {
    if (!this.maxSeqValid) {
      let m = -1;
      for (let j = 0; j < this.count; j++) if (this.seqOf[j] > m) m = this.seqOf[j];
      this.maxSeqCache = m;
      this.maxSeqValid = true;
    }
    return this.maxSeqCache;
  }

  isMember(h: number): boolean {
    return h < this.pos.length && this.pos[h] >= 0;
  }

  /** Add running-state index h with `computed` tokens computed now, finishing when it reaches `target` tokens. */
  join(h: number, computed: number, target: number, seq: number): void {
    if (h >= this.pos.length) this.growPos(h + 1);
    if (this.count === this.hot.length) this.growMembers();
    const o = computed - this.steps;
    const j = this.count++;
    this.hot[j] = h;
    this.offset[j] = o;
    this.seqOf[j] = seq;
    this.pos[h] = j;
    this.byResidue[this.residue(o)]++;
    this.sumOffset += o;
    if (this.extremesValid) {
      if (j === 0 || o < this.minOffset) this.minOffset = o;
      if (j === 0 || o > this.maxOffset) this.maxOffset = o;
    }
    if (seq > this.maxSeqCache && this.maxSeqValid) this.maxSeqCache = seq;
    // reached = o + G + 1 after a step; it finishes when that reaches target.
    this.finishing.push(target - o - 1, seq, h);
  }

  /** Remove member h; returns its computed tokens now (o + G). */
  remove(h: number): number {
    const j = this.pos[h];
    if (j < 0) throw new Error(`internal: running-state index ${h} is not in the decode group`);
    const o = this.offset[j];
    const seq = this.seqOf[j];
    this.byResidue[this.residue(o)]--;
    this.sumOffset -= o;
    if (o === this.minOffset || o === this.maxOffset) this.extremesValid = false;
    const last = --this.count;
    if (j !== last) {
      const hl = this.hot[last];
      this.hot[j] = hl;
      this.offset[j] = this.offset[last];
      this.seqOf[j] = this.seqOf[last];
      this.pos[hl] = j;
    }
    this.pos[h] = -1;
    if (seq === this.maxSeqCache) this.maxSeqValid = false;
    return o + this.steps;
  }

  /** KV blocks the next step takes: members whose computed (o + G) is a multiple of the block size. */
  blocksNeededNext(): number {
    return this.byResidue[this.residue(-this.steps)];
  }

  /** Write one decode row per member (new tokens 1, computed before o + G) from index `at`; returns the rows written. */
  writeRows(newTokens: Int32Array, computedBefore: Int32Array, at: number): number {
    const n = this.count;
    const offset = this.offset;
    const g = this.steps;
    for (let j = 0; j < n; j++) {
      newTokens[at + j] = 1;
      computedBefore[at + j] = offset[j] + g;
    }
    return n;
  }

  /**
   * The members' rows as totals for a cost model that takes them (CostModelLike.decodeGroup): [count, sum, min, max
   * of computed before] = [n, Σo + n·G, min o + G, max o + G].
   */
  writeTotals(out: Float64Array): void {
    const n = this.count;
    if (!this.extremesValid) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < n; j++) {
        const o = this.offset[j];
        if (o < lo) lo = o;
        if (o > hi) hi = o;
      }
      this.minOffset = lo;
      this.maxOffset = hi;
      this.extremesValid = true;
    }
    const g = this.steps;
    out[0] = n;
    out[1] = this.sumOffset + n * g;
    out[2] = this.minOffset + g;
    out[3] = this.maxOffset + g;
  }

  /** The members (running-state indices), in no particular order; valid until the group changes. */
  members(): Int32Array {
    return this.hot.subarray(0, this.count);
  }

  /** A group step completed. */
  advance(): void {
    this.steps++;
  }

  /** Pop the members that finished with the last step into `out`, in admission order. */
  popFinished(out: number[]): void {
    while (this.finishing.peekKey() <= this.steps) out.push(this.finishing.pop());
  }

  /** Forget every member (after each was removed): clears the finish heap. */
  clear(): void {
    if (this.count !== 0) throw new Error(`internal: decode group cleared with ${this.count} members`);
    this.finishing.clear();
    this.sumOffset = 0;
    this.extremesValid = true;
    this.maxSeqCache = -1;
    this.maxSeqValid = true;
  }

  private residue(o: number): number {
    const r = o % this.blockSize;
    return r < 0 ? r + this.blockSize : r;
  }

  private growPos(min: number): void {
    let n = this.pos.length * 2;
    while (n < min) n *= 2;
    this.pos = grown(this.pos, n, -1);
  }

  private growMembers(): void {
    const n = this.hot.length * 2;
    this.hot = grown(this.hot, n);
    this.offset = grown(this.offset, n);
    this.seqOf = grown(this.seqOf, n);
  }
}
