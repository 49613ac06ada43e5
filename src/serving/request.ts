// Per-request serving state. Objects are pooled by the simulation and reused after a request finishes.
import type { RequestSpec } from '../workload/types.js';
import { chainedBlockHashes } from './blockHash.js';

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
  slot: number; // index in the pool; names the request's KV block list
  id = 0;
  arrivalNs = 0;
  inputToks = 0;
  outputToks = 0;
  /** Tokens whose KV is computed (advanced at schedule time, reset to 0 by preemption). */
  numComputed = 0;
  /** Sequence length reached: prompt + tokens generated so far (vLLM's num_tokens). */
  numReached = 0;
  /** True until the first token is produced. */
  isInit = true;
  ttftNs = -1;
  lastTokenNs = 0;
  queuingDelayNs = -1;
  preemptions = 0;
  prefixHitTokens = 0; // at first admission (reported)
  admitHitTokens = 0; // at the latest admission (prompt-throughput accounting)
  prefixStatsCounted = false;
  /** Prompt tokens whose KV arrived from a prefill instance (P/D): admission allocates them without computing. */
  kvReadyTokens = 0;
  hashes: Float64Array = EMPTY_HASHES;
  itlNs: Float64Array = EMPTY_HASHES;
  itlCount = 0;

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
    const ids = spec.inputTokIds;
    this.hashes = hashTokens && ids !== undefined && ids.length > 0 ? chainedBlockHashes(ids, spec.outputTokIds, blockSize) : EMPTY_HASHES;
    this.itlNs = itlArray(Math.max(spec.outputToks - 1, 0)); // handed to the record when done
    this.itlCount = 0;
  }

  /** Prompt + output: the length at which the request is finished. */
  get targetTokens(): number {
    return this.inputToks + this.outputToks;
  }
}
