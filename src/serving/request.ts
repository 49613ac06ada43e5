// Per-request serving state. Objects are pooled by the simulation and reused after a request finishes.
import type { RequestSpec } from '../workload/types.js';
import { chainedBlockHashes } from './blockHash.js';
import { IN_FLIGHT, IS_INIT, type RunningState } from './runningState.js';

const EMPTY_HASHES = new Float64Array(0);

// ITL arrays are carved from shared slabs: one allocation per megabyte of gaps instead of one zero-filled buffer
// per request. A slab region is handed out once and never reused, so a record that keeps its itlNs stays valid.
const ITL_SLAB_LENGTH = 1 << 17; // 1 MiB of float64
let itlSlab = new Float64Array(0);
let itlSlabUsed = 0;

/** Give a request its outputToks − 1 gap slots, taken from the slab when its first gap comes. */
export function ensureItl(req: ServingRequest): void {
  if (req.itlNs.length === 0) req.itlNs = itlArray(Math.max(req.outputToks - 1, 0));
}

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
  slot: number; // index in the simulation's request pool
  /**
   * The running set holding this request's hot counters while it runs (runningState.ts), and its index there;
   * null / -1 while it waits, travels (P/D) or is done, when the fields below hold them.
   */
  private hotState: RunningState | null = null;
  private hot = -1;
  private _numComputed = 0;
  private _numReached = 0;
  private _inFlight = false;
  private _isInit = true;
  private _draftTokens = 0;
  private _lastTokenNs = 0;
  inputToks = 0;
  outputToks = 0;
  hashes: Float64Array = EMPTY_HASHES;
  /** Gaps written so far (a running request's latest gaps may still be deferred in its running set). */
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

  /** Tokens whose KV is computed (advanced at schedule time, reset to 0 by preemption). */
  get numComputed(): number {
    return this.hotState === null ? this._numComputed : this.hotState.computed[this.hot];
  }
  set numComputed(v: number) {
    if (this.hotState === null) this._numComputed = v;
    else this.hotState.computed[this.hot] = v;
  }

  /** Sequence length reached: prompt + tokens generated so far (vLLM's num_tokens). */
  get numReached(): number {
    return this.hotState === null ? this._numReached : this.hotState.reached[this.hot];
  }
  set numReached(v: number) {
    if (this.hotState === null) this._numReached = v;
    else this.hotState.reached[this.hot] = v;
  }

  /** Draft tokens this step verifies (speculative decoding), 0 otherwise. */
  get draftTokens(): number {
    return this.hotState === null ? this._draftTokens : this.hotState.drafts[this.hot];
  }
  set draftTokens(v: number) {
    if (this.hotState === null) this._draftTokens = v;
    else this.hotState.drafts[this.hot] = v;
  }

  /** Scheduled in a batch that has not completed yet. */
  get inFlight(): boolean {
    return this.hotState === null ? this._inFlight : (this.hotState.flags[this.hot] & IN_FLIGHT) !== 0;
  }
  set inFlight(v: boolean) {
    if (this.hotState === null) this._inFlight = v;
    else this.setFlag(IN_FLIGHT, v);
  }

  /** True until the first token is produced. */
  get isInit(): boolean {
    return this.hotState === null ? this._isInit : (this.hotState.flags[this.hot] & IS_INIT) !== 0;
  }
  set isInit(v: boolean) {
    if (this.hotState === null) this._isInit = v;
    else this.setFlag(IS_INIT, v);
  }

  /** Time of the latest token written (a running request's deferred gaps may be later: see runningState.ts). */
  get lastTokenNs(): number {
    return this.hotState === null ? this._lastTokenNs : this.hotState.lastTokenNs[this.hot];
  }
  set lastTokenNs(v: number) {
    if (this.hotState === null) this._lastTokenNs = v;
    else this.hotState.lastTokenNs[this.hot] = v;
  }

  /** Its index in the running set holding it, or -1. */
  get runningIndex(): number {
    return this.hot;
  }

  /** Called by RunningState.attach only. */
  attach(state: RunningState, h: number): void {
    this.hotState = state;
    this.hot = h;
  }

  /** Called by RunningState.detach only: the counters come back to the object. */
  detach(computed: number, reached: number, drafts: number, flags: number, lastTokenNs: number): void {
    this.hotState = null;
    this.hot = -1;
    this._numComputed = computed;
    this._numReached = reached;
    this._draftTokens = drafts;
    this._inFlight = (flags & IN_FLIGHT) !== 0;
    this._isInit = (flags & IS_INIT) !== 0;
    this._lastTokenNs = lastTokenNs;
  }

  private setFlag(bit: number, on: boolean): void {
    const f = this.hotState!.flags;
    f[this.hot] = on ? f[this.hot] | bit : f[this.hot] & ~bit;
  }

  reset(spec: RequestSpec, blockSize: number, hashTokens: boolean): void {
    if (this.hotState !== null) throw new Error(`internal: request slot ${this.slot} reused while request ${this.id} still runs`);
    this.id = spec.id;
    this.arrivalNs = spec.arrivalNs;
    this.inputToks = spec.inputToks;
    this.outputToks = spec.outputToks;
    this._numComputed = 0;
    this._numReached = spec.inputToks;
    this._isInit = true;
    this.ttftNs = -1;
    this._lastTokenNs = 0;
    this.queuingDelayNs = -1;
    this.preemptions = 0;
    this.prefixHitTokens = 0;
    this.admitHitTokens = 0;
    this.prefixStatsCounted = false;
    this.kvReadyTokens = 0;
    this.swapTier = -1;
    this._draftTokens = 0;
    this._inFlight = false;
    const ids = spec.inputTokIds;
    this.hashes = hashTokens && ids !== undefined && ids.length > 0 ? chainedBlockHashes(ids, spec.outputTokIds, blockSize) : EMPTY_HASHES;
    // Allocated at the first gap (ensureItl), not at arrival: an overloaded run queues many requests, and their
    // gap arrays would hold most of its memory while they wait. Handed to the record when done.
    this.itlNs = EMPTY_HASHES;
    this.itlCount = 0;
  }

  /** Prompt + output: the length at which the request is finished. */
  get targetTokens(): number {
    return this.inputToks + this.outputToks;
  }
}
