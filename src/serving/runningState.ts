// The hot state of one scheduler's running requests, as parallel typed arrays (structure of arrays).
// A serving step touches every running request twice (schedule, then complete). Kept on the request objects, that
// state is spread over the heap: with 16 instances and ~4,000 running requests every step's first touch of each
// request missed the cache, and those misses were most of a large run's time. Here a request admitted to the running
// set gets a small index `h` (reused from a free list, so the indices stay below the running set's peak size) and
// its counters live at [h] in arrays of a few kilobytes, next to the other running requests' counters.
// While attached, the request object's accessors (numComputed, numReached, ...) read and write these arrays; detach()
// copies the values back when the request leaves the running set (finish, preemption, P/D hand-off).
// `h` also names the request's block list in the scheduler's KvCache: a request holds KV blocks only while running.
//
// Inter-token gaps are deferred here too (see stepClock.ts): a decoding request produces a token at every step of its
// scheduler, so each gap is a step's duration; the request keeps the run of consecutive steps it produced tokens at
// (runStart..runEnd) and the run's gaps are written into its itlNs in one burst when the run breaks, reaches
// MAX_ITL_RUN steps, or the request leaves.
import { ensureItl, type ServingRequest } from './request.js';
import { MAX_ITL_RUN, StepClock } from './stepClock.js';
import { grown } from '../typedArrays.js';

export const IN_FLIGHT = 1; // scheduled in a batch that has not completed
export const IS_INIT = 2; // no token produced yet
export const HAS_HASHES = 4; // the request carries block hashes (prefix caching must index its blocks)

export const NO_RUN = -2; // runStart/runEnd when no run is pending (step − 1 is never −2: steps start at 0)

/** Receives inter-token gaps in aggregate instead of per request: `count` gaps of gapNs each. */
export type ItlSink = (gapNs: number, count: number) => void;

export class RunningState {
  /** Step end times for the deferred gaps; begin() once per completed step. */
  readonly clock = new StepClock();
  /**
   * With a sink, gaps are not written per request: a token whose previous one came at the scheduler's previous step
   * counts toward that step's duration (emitStepGaps() sends the count once per step), any other gap goes straight
   * to the sink. runEnd[h] is then the step of h's latest token and lastTokenNs[h] its time.
   */
  sink: ItlSink | undefined = undefined;
  /** Sink mode: tokens of this step whose gap is the step's duration. */
  continuing = 0;
  computed: Int32Array;
  reached: Int32Array;
  target: Int32Array;
  input: Int32Array;
  drafts: Int32Array;
  flags: Uint8Array;
  runStart: Int32Array;
  runEnd: Int32Array;
  lastTokenNs: Float64Array;
  /** Admission order (set by the scheduler; running order is ascending seq). */
  seq: Float64Array;
  /** The request attached at each index (undefined when free). */
  readonly reqs: (ServingRequest | undefined)[] = [];
  private readonly free: number[] = [];
  private capacity = 0;

  constructor(initialCapacity = 64) {
    const n = Math.max(1, initialCapacity);
    this.computed = new Int32Array(n);
    this.reached = new Int32Array(n);
    this.target = new Int32Array(n);
    this.input = new Int32Array(n);
    this.drafts = new Int32Array(n);
    this.flags = new Uint8Array(n);
    this.runStart = new Int32Array(n).fill(NO_RUN);
    this.runEnd = new Int32Array(n).fill(NO_RUN);
    this.lastTokenNs = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.addFree(0, n);
  }

  /** The index the next attach() takes (so the KV cache can be asked about it before the request is admitted). */
  nextIndex(): number {
    if (this.free.length === 0) this.grow();
    return this.free[this.free.length - 1];
  }

  /**
   * Attach a request: copy its counters in and point its accessors here. Returns its index. May grow (and so
   * replace) the arrays: read them from this object again after an attach.
   */
  attach(req: ServingRequest): number {
    if (this.free.length === 0) this.grow();
    const h = this.free.pop()!;
    this.computed[h] = req.numComputed;
    this.reached[h] = req.numReached;
    this.target[h] = req.inputToks + req.outputToks;
    this.input[h] = req.inputToks;
    this.drafts[h] = req.draftTokens;
    this.flags[h] = (req.inFlight ? IN_FLIGHT : 0) | (req.isInit ? IS_INIT : 0) | (req.hashes.length > 0 ? HAS_HASHES : 0);
    this.lastTokenNs[h] = req.lastTokenNs;
    this.runStart[h] = this.runEnd[h] = NO_RUN;
    this.reqs[h] = req;
    req.attach(this, h);
    return h;
  }

  /** Detach the request at h: write its pending gaps, copy its counters back, free the index. */
  detach(h: number): ServingRequest {
    this.flushItl(h);
    const req = this.reqs[h]!;
    req.detach(this.computed[h], this.reached[h], this.drafts[h], this.flags[h], this.lastTokenNs[h]);
    this.reqs[h] = undefined;
    this.free.push(h);
    return req;
  }

  /** A token came at the end of the clock's current step (finishNs): its gap after lastTokenNs, deferred if it can be. */
  addStepGap(h: number, finishNs: number): void {
    const step = this.clock.step;
    if (this.sink !== undefined) {
      if (this.runEnd[h] === step - 1) this.continuing++;
      else this.sink(finishNs - this.lastTokenNs[h], 1);
      this.runEnd[h] = step;
      this.lastTokenNs[h] = finishNs;
      return;
    }
    if (this.runEnd[h] === step - 1 && step - this.runStart[h] < MAX_ITL_RUN) {
      this.runEnd[h] = step; // the gap is that step's duration: written later from the clock (lastTokenNs too)
      return;
    }
    this.flushItl(h);
    const req = this.reqs[h]!;
    if (req.itlCount === 0) ensureItl(req);
    req.itlNs[req.itlCount++] = finishNs - this.lastTokenNs[h];
    this.runStart[h] = this.runEnd[h] = step;
    this.lastTokenNs[h] = finishNs;
  }

  /** A gap that is not a step's duration (e.g. 0 for an accepted draft token), after any deferred ones. */
  addGap(h: number, gapNs: number): void {
    if (this.sink !== undefined) {
      this.sink(gapNs, 1);
      return;
    }
    this.flushItl(h);
    const req = this.reqs[h]!;
    if (req.itlCount === 0) ensureItl(req);
    req.itlNs[req.itlCount++] = gapNs;
  }

  /** Write the deferred gaps of h (needed before its itlNs or lastTokenNs is read and when it leaves). */
  flushItl(h: number): void {
    const start = this.runStart[h];
    if (start === NO_RUN || this.sink !== undefined) return;
    const end = this.runEnd[h];
    this.runStart[h] = this.runEnd[h] = NO_RUN;
    if (end > start) {
      const req = this.reqs[h]!;
      if (req.itlCount === 0) ensureItl(req); // a decode group's member may start its run without a written gap
      req.itlCount = this.clock.writeGaps(start, end, req.itlNs, req.itlCount);
      this.lastTokenNs[h] = this.clock.endNsAt(end);
    }
  }

  /** Whether h has deferred gaps from a run that ended before the clock's current step. */
  hasEndedRun(h: number): boolean {
    return this.sink === undefined && this.runStart[h] !== NO_RUN && this.runEnd[h] < this.clock.step;
  }

  /**
   * Sink mode, after a step's tokens: `extra` more tokens (a decode group's) continued from the previous step; send
   * this step's duration once for all of them.
   */
  emitStepGaps(finishNs: number, extra: number): void {
    const n = this.continuing + extra;
    this.continuing = 0;
    if (n > 0 && this.sink !== undefined) this.sink(finishNs - this.clock.endNsAt(this.clock.step - 1), n);
  }

  private addFree(from: number, to: number): void {
    // Highest first, so pop() hands out the lowest indices first.
    for (let h = to - 1; h >= from; h--) this.free.push(h);
    this.capacity = to;
  }

  private grow(): void {
    const old = this.capacity;
    const n = old * 2;
    this.computed = grown(this.computed, n);
    this.reached = grown(this.reached, n);
    this.target = grown(this.target, n);
    this.input = grown(this.input, n);
    this.drafts = grown(this.drafts, n);
    this.runStart = grown(this.runStart, n, NO_RUN);
    this.runEnd = grown(this.runEnd, n, NO_RUN);
    this.flags = grown(this.flags, n);
    this.lastTokenNs = grown(this.lastTokenNs, n);
    this.seq = grown(this.seq, n);
    this.addFree(old, n); // called only when every index is taken: the free list is empty
  }
}
