// Per-request serving state. Objects are pooled by the simulation and reused after a request finishes.
import type { RequestSpec } from '../workload/types.js';
import { chainedBlockHashes } from './blockHash.js';
import { MAX_ITL_RUN, type StepClock } from './stepClock.js';

const EMPTY_HASHES = new Float64Array(0);

// ITL arrays are carved from shared slabs: one allocation per megabyte of gaps instead of one zero-filled buffer
// per request. A slab region is handed out once and never reused, so a record that keeps its itlNs stays valid.
const ITL_SLAB_LENGTH = 1 << 17; // 1 MiB of float64
let itlSlab = new Float64Array(0);
let itlSlabUsed = 0;

function itlArray(length: number): Float64Array {
  if (length === 0) return EMPTY_HASHES;
  if (length > ITL_SLAB_LENGTH >> 2) return new Float64Array(length);
  if (itlSlabUsed + length > itlSlab.length) {
    itlSlab = new Float64Array(ITL_SLAB_LENGTH);
    itlSlabUsed = 0;
  }
  const view = itlSlab.subarray(itlSlabUsed, itlSlabUsed + length);
  itlSlabUsed += length;
  return view;
}

export class ServingRequest {
  // Field order is layout: V8 places fields in declaration order, so the ones schedule()/complete() touch every
  // step come first and share the object's first cache lines (with 16 instances ~4,000 requests are live and a
  // step's requests are usually out of cache).
  slot: number; // index in the pool; names the request's KV block list
  /** Tokens whose KV is computed (advanced at schedule time, reset to 0 by preemption). */
  numComputed = 0;
  /** Sequence length reached: prompt + tokens generated so far (vLLM's num_tokens). */
  numReached = 0;
  /** Scheduled in a batch that has not completed yet. */
  inFlight = false;
  /** True until the first token is produced. */
  isInit = true;
  /** Draft tokens this step verifies (speculative decoding), 0 otherwise. */
  draftTokens = 0;
  inputToks = 0;
  outputToks = 0;
  // The run of consecutive steps of itlRunClock's scheduler at which tokens came whose gaps are not written yet
  // (steps itlRunStart+1..itlRunEnd; the gap at itlRunStart itself is written). See stepClock.ts.
  private itlRunClock: StepClock | null = null;
  private itlRunStart = 0;
  private itlRunEnd = 0;
  /** Time of the latest token; inside a deferred run it lags until flushItl() (saves a store per token). */
  lastTokenNs = 0;
  hashes: Float64Array = EMPTY_HASHES;
  /** Gaps written so far. Write only through addStepGap/addGap, and call flushItl() before reading itlNs. */
  itlNs: Float64Array = EMPTY_HASHES;
  itlCount = 0;
  id = 0;
  arrivalNs = 0;
  ttftNs = -1;
  queuingDelayNs = -1;
  preemptions = 0;
  prefixHitTokens = 0; // at first admission (reported)
  admitHitTokens = 0; // at the latest admission (prompt-throughput accounting)
  prefixStatsCounted = false;
  /** Prompt tokens whose KV arrived from a prefill instance (P/D): admission allocates them without computing. */
  kvReadyTokens = 0;
  /** The host/CXL tier holding this request's swapped-out KV, or -1. */
  swapTier = -1;

  constructor(slot: number) {
    this.slot = slot;
  }

  reset(spec: RequestSpec, blockSize: number, hashTokens: boolean): void {
    this.id = spec.id;
    this.arrivalNs = spec.arrivalNs;
    this.inputToks = spec.inputToks;
    this.outputToks = spec.outputToks;
    this.numComputed = 0;
    this.numReached = spec.inputToks;
    this.isInit = true;
    this.ttftNs = -1;
    this.lastTokenNs = 0;
    this.queuingDelayNs = -1;
    this.preemptions = 0;
    this.prefixHitTokens = 0;
    this.admitHitTokens = 0;
    this.prefixStatsCounted = false;
    this.kvReadyTokens = 0;
    this.swapTier = -1;
    this.draftTokens = 0;
    this.inFlight = false;
    const ids = spec.inputTokIds;
    this.hashes = hashTokens && ids !== undefined && ids.length > 0 ? chainedBlockHashes(ids, spec.outputTokIds, blockSize) : EMPTY_HASHES;
    // Allocated at the first gap (ensureItl), not at arrival: an overloaded run queues many requests, and their
    // gap arrays would hold most of its memory while they wait. Handed to the record when done.
    this.itlNs = EMPTY_HASHES;
    this.itlCount = 0;
    this.itlRunClock = null;
  }

  /** A token came at the end of `clock`'s current step (finishNs): its gap after lastTokenNs, deferred if it can be. */
  addStepGap(clock: StepClock, finishNs: number): void {
    const step = clock.step;
    if (this.itlRunClock === clock && this.itlRunEnd === step - 1 && step - this.itlRunStart < MAX_ITL_RUN) {
      this.itlRunEnd = step; // the gap is that step's duration: written later from the clock (lastTokenNs too)
    } else {
      this.flushItl();
      if (this.itlCount === 0) this.ensureItl();
      this.itlNs[this.itlCount++] = finishNs - this.lastTokenNs;
      this.itlRunClock = clock;
      this.itlRunStart = this.itlRunEnd = step;
      this.lastTokenNs = finishNs;
    }
  }

  /** A gap that is not a step's duration (e.g. 0 for an accepted draft token), after any deferred ones. */
  addGap(gapNs: number): void {
    this.flushItl();
    if (this.itlCount === 0) this.ensureItl();
    this.itlNs[this.itlCount++] = gapNs;
  }

  /** The request's outputToks − 1 gap slots, taken from the slab when its first gap comes. */
  private ensureItl(): void {
    if (this.itlNs.length === 0) this.itlNs = itlArray(Math.max(this.outputToks - 1, 0));
  }

  /** Write the deferred gaps; needed before itlNs or lastTokenNs is read and when the request leaves its scheduler. */
  flushItl(): void {
    const clock = this.itlRunClock;
    if (clock === null) return;
    this.itlRunClock = null;
    if (this.itlRunEnd > this.itlRunStart) {
      this.itlCount = clock.writeGaps(this.itlRunStart, this.itlRunEnd, this.itlNs, this.itlCount);
      this.lastTokenNs = clock.endNsAt(this.itlRunEnd);
    }
  }

  /** Whether this request has deferred gaps of `clock` from a run that ended before clock's current step. */
  hasEndedRun(clock: StepClock): boolean {
    return this.itlRunClock === clock && this.itlRunEnd < clock.step;
  }

  /** Prompt + output: the length at which the request is finished. */
  get targetTokens(): number {
    return this.inputToks + this.outputToks;
  }
}
