// Shapes shared by the serving room and its callers: resolved knobs, the cost-model contract, and the records.
import { SERVING_DEFAULTS } from '../scenario/serving.js';
import type { RequestSource } from '../workload/types.js';
import type { KvLink } from './disaggregation.js';
import type { KvTiersOptions } from './kvTiers.js';
import type { SpeculativeOptions } from './speculative.js';
import type { PipelineLayout } from './pipeline.js';
import type { RouterPolicy } from './router.js';

/** Resolved serving knobs of one instance (defaults applied; 0/Infinity meanings resolved by the caller or here). */
export interface ServingKnobs {
  maxNumSeqs: number; // running-set cap; 0 = unlimited
  maxNumBatchedTokens: number; // token budget per step; capped at maxPositionEmbeddings; 0 = that cap
  longPrefillTokenThreshold: number; // per-request cap per step; 0 = off
  enableChunkedPrefill: boolean;
  enablePrefixCaching: boolean;
  reserveFullIsl: boolean; // admit only if the whole sequence's blocks fit
  blockSize: number; // tokens per KV block
}

/** The scenario's serving defaults (LLMServingSim 2.0's), restricted to the knobs the serving loop reads. */
export const DEFAULT_KNOBS: ServingKnobs = {
  maxNumSeqs: SERVING_DEFAULTS.maxNumSeqs,
  maxNumBatchedTokens: SERVING_DEFAULTS.maxNumBatchedTokens,
  longPrefillTokenThreshold: SERVING_DEFAULTS.longPrefillTokenThreshold,
  enableChunkedPrefill: SERVING_DEFAULTS.enableChunkedPrefill,
  enablePrefixCaching: SERVING_DEFAULTS.enablePrefixCaching,
  reserveFullIsl: SERVING_DEFAULTS.reserveFullIsl,
  blockSize: SERVING_DEFAULTS.blockSize,
};

/**
 * What the serving loop needs from a cost model (engineer K's CostModel has this shape).
 * Fill newTokens[i] (tokens computed this step for scheduled request i; 1 = decode) and computedBefore[i] (tokens
 * already in its KV cache), then one iterate(n) call returns the batch's latency in integer ns.
 */
export interface CostModelLike {
  readonly newTokens: Int32Array | Float64Array | Uint32Array;
  readonly computedBefore: Int32Array | Float64Array | Uint32Array;
  /** startNs (the batch's start time) is informational; time-independent models ignore it. */
  iterate(n: number, startNs?: number): number;
  /**
   * True if iterate() depends only on the multiset of rows, not their order (then a scheduler may advance its
   * steady decoders as a group and write their rows after the others: decodeGroup.ts).
   */
  readonly rowOrderFree?: boolean;
  /**
   * Optional: [count, sum, min, max of computed_before] of more one-token decode rows that iterate() adds to the
   * rows it is given (a decode group's rows as totals); count 0 = none. Callers that do not use it leave it at 0.
   */
  readonly decodeGroup?: Float64Array;
  /** Counters of the last iterate() (flops, hbmBytes, commBytes, commNs), if the model provides them. */
  readonly counters?: Float64Array;
  /**
   * Optional: completion times of the last iterate()'s internal events (one per layer node of its graph), as
   * ascending offsets from the batch start; fills `out` up to its length and returns the count (a count equal to
   * out.length asks for a bigger array). LLMServingSim's backend re-polls idle instances at every such event of a busy
   * one, so compat 'llmservingsim2' uses them to time arrivals at idle instances of a multi-instance run.
   */
  internalEventOffsetsNs?(out: Float64Array): number;
  /**
   * Optional, pipelined models (pp > 1): the same for stage `stage` of the last iterate(), as offsets from the start
   * of that stage's compute (the stages of a batch start at different times; the pipelined instance places them).
   */
  stageEventOffsetsNs?(stage: number, out: Float64Array): number;
}

/** Indices into CostModelLike.counters that the iteration record reads (kept in step with src/cost/costModel.ts). */
export interface CounterIndex {
  flops: number;
  hbmBytes: number;
  commBytes: number;
  commNs: number;
}

export interface InstanceSetup {
  instanceId: number;
  modelName: string;
  cost: CostModelLike;
  knobs: ServingKnobs;
  numKvBlocks: number;
  /** The model's max_position_embeddings: caps the token budget (LLMServingSim does). */
  maxPositionEmbeddings?: number;
  /** P/D disaggregation role (LLMServingSim pd_type); absent = serves both phases. */
  pdRole?: 'prefill' | 'decode';
  /** KV bytes per token on one rank (a P/D prefill instance sends this per prompt token over each rank's link). */
  kvBytesPerToken?: number;
  /** Transformer blocks on one rank (P/D compat 'llmservingsim2': sizes the last layer's KV send). */
  numLayers?: number;
  /** Host/CXL KV tiers below the GPU pool (swap on preemption, prefix blocks). */
  kvTiers?: KvTiersOptions;
  /** Speculative decoding (draft model or n-gram proposer). */
  speculative?: SpeculativeOptions;
  /** Pipeline parallelism (pp > 1): where the cost model reports per-stage times. */
  pipeline?: PipelineLayout;
  /** DP group (LLMServingSim dp_group): members step together, padded to the group's largest batch (dpGroup.ts). */
  dpGroup?: string;
  /** The cost model's [pad total_len, pad num_seqs] input read by its next iterate() (CostModel.dpPad); needed with dpGroup. */
  dpPad?: Int32Array;
}

export interface RequestRecord {
  instanceId: number;
  requestId: number;
  model: string;
  inputToks: number;
  outputToks: number;
  arrivalNs: number;
  endNs: number;
  latencyNs: number;
  queuingDelayNs: number;
  ttftNs: number;
  tpotNs: number;
  itlNs: Float64Array; // outputToks − 1 entries (none when the run has an itlSink)
  preemptions: number;
  prefixHitTokens: number;
}

/** One scheduled batch. The same object is reused for every call: observers must copy what they keep. */
export interface IterationRecord {
  instanceId: number;
  startNs: number;
  endNs: number;
  numReqs: number;
  numPrefill: number; // requests with more than one new token
  numDecode: number; // requests with exactly one new token
  prefillTokens: number;
  decodeTokens: number;
  kvBlocksUsed: number;
  numRunning: number;
  numWaiting: number;
  flops: number;
  hbmBytes: number;
  commBytes: number;
  commNs: number;
}

export interface RunObserver {
  onRequest?(r: RequestRecord): void;
  onIteration?(it: IterationRecord): void;
  /** Called at every log interval of simulated time (for heartbeat lines). */
  onTick?(nowNs: number, status: TickStatus): void;
}

/** Totals since the previous tick, and the state now, per instance summed. */
export interface TickStatus {
  promptTokens: number; // prompt tokens completed in the interval (incl. prefix hits and recomputation)
  generatedTokens: number; // tokens generated in the interval
  running: number;
  waiting: number;
  kvBlocksUsed: number; // pinned by requests
  kvBlocksResident: number; // pinned + free but still holding an indexed prefix (LLMServingSim's memory use)
  prefixRequestedTokens: number; // cumulative
  prefixHitTokens: number; // cumulative
}

export interface RunTotals {
  finishedRequests: number;
  makespanNs: number;
  inputTokens: number;
  outputTokens: number;
  preemptions: number;
  recomputedTokens: number;
  peakKvBlocks: number;
  kvBlocksTotal: number;
  prefixRequestedTokens: number;
  prefixHitTokens: number;
  iterations: number;
  /** KV tiers (when configured): preemptions swapped out instead of recomputed, and prefix tokens loaded from a tier. */
  kvSwapOuts?: number;
  kvTierHitTokens?: number;
  /** P/D: requests handed from a prefill to a decode instance. */
  pdHandoffs?: number;
  /** Speculative decoding: draft tokens proposed and accepted. */
  specProposedTokens?: number;
  specAcceptedTokens?: number;
  /** Decode tokens produced by decode-group steps (decodeGroup.ts): how much of the run took the O(1) path. */
  groupedDecodeTokens?: number;
}

export type CompatMode = 'llmservingsim2' | 'vllm';
export type { RouterPolicy } from './router.js';

export interface RunOptions {
  instances: InstanceSetup[];
  source: RequestSource;
  observer?: RunObserver;
  compat?: CompatMode;
  logIntervalNs?: number; // default 1 s
  router?: RouterPolicy;
  counterIndex?: CounterIndex;
  /**
   * Advance steady decoders as a group where that is exact (decodeGroup.ts; default true). False runs every request
   * step by step: the same results, slower (tests compare the two).
   */
  groupDecodes?: boolean;
  /**
   * Inter-token gaps in aggregate: `count` gaps of gapNs at instance instanceId (a step's duration is sent once for
   * all the tokens it spaced). With a sink, records carry no itlNs (empty): the per-token writes are skipped.
   */
  itlSink?: (instanceId: number, gapNs: number, count: number) => void;
  /** Seed of the router's random stream ('random' policy). */
  seed?: number;
  /** P/D: the link a prefill instance's KV crosses to the decode instance (default 16 GiB/s, 20 µs as LLMServingSim's PD config). */
  kvTransferLink?: KvLink;
}
