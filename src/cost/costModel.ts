// The cost model the serving layer calls once per scheduled batch. It owns the reusable typed arrays, bound once
// to the native kernel (native/core/kernel.cc); iterate(n) is one native call for the whole batch.
import { z } from 'zod';
import { InputError } from '../errors.js';
import { DTYPE_BYTES, type Dtype, type HardwareSpec, type ModelArch } from '../scenario/types.js';
import { loadAddon } from './native.js';
import { loadPerfBundle, type PerfBundle } from './perfBundle.js';
import { BREAKDOWN_EXTRAS, DENSE_LAYERS, PER_SEQUENCE_LAYERS, SLOT, SLOT_NAMES, SLOT_SOURCES } from './slots.js';
import { loadV021Csv } from './v021Csv.js';
import { weightPlacementConfig, type WeightPlacementOptions } from './weightPlacement.js';

export interface RooflineTuning {
  computeEfficiency?: number; // fraction of peak FLOP/s reached by GEMMs (default 0.7)
  memoryEfficiency?: number; // fraction of HBM bandwidth reached (default 0.85)
  launchOverheadNs?: number; // per op (default 2000, eager-mode launch + framework)
}

export interface CostModelOptions {
  model: ModelArch;
  hardware: HardwareSpec;
  weightDtype: Dtype;
  kvDtype: Dtype;
  tp: number; // tensor-parallel degree
  ep?: number; // expert-parallel degree of MoE layers (default tp for MoE models, README §4.1)
  /** pipeline stages (default 1): per-stage times land in counters[COUNTER.stageNs + s] (README §2.5) */
  pp?: number;
  /** MoE routing: the busiest EP rank gets this many times the balanced share of tokens (default 1 = BALANCED) */
  moeImbalance?: number;
  /** 'prefill': a P/D prefill instance; each step's streamed K/V goes to COUNTER.kvTransferBytes / kvTransferNs */
  pdRole?: 'prefill' | 'decode';
  perfBundle?: string; // an LLMServingSim 2.0 variant dir: <root>/<hw>/<org>/<model>/<variant>, holding meta.yaml + tp<N>/
  perfCsv?: string; // an LLMServingSim v0.2.1 / llm-profile CSV (hardware,model,layer_name,input,kv_cache,latency(ns))
  link?: { bandwidthGBps: number; latencyNs: number }; // cluster config link_bw (read as GiB/s like ASTRA-Sim, §3.6) / link_latency
  npuMemBwGBps?: number; // cluster npu_mem.mem_bw (collective local-memory term, §3.6); default hardware.memBandwidthGBps
  hostMem?: { bandwidthGBps: number; latencyNs: number }; // cpu_mem.mem_bw / mem_latency: embedding-input load + sampler store (§2.4)
  /** LLMServingSim `placement`: layers whose weights live on cpu (hostMem) or cxl:<id> load them every iteration (§2.4) */
  weightPlacement?: WeightPlacementOptions;
  maxBatch?: number; // capacity of the per-request typed arrays (default 8192)
  roofline?: RooflineTuning; // roofline constants (used for ops no table covers)
}

/** Indices into CostModel.counters. Counts are per iteration; FLOPs and bytes are summed over all TP ranks. */
export const COUNTER = {
  latencyNs: 0,
  computeNs: 1,
  commNs: 2,
  memNs: 3,
  flops: 4,
  hbmBytes: 5,
  commBytes: 6, // bytes all ranks put on links (ring all-reduce 2(p-1)S/p per rank, README §10)
  lookups: 7,
  extrapolated: 8, // lookups outside a table's range (clamped below or extrapolated above)
  roofline: 9, // layers timed by the roofline (no table for them)
  missingLayers: 10, // layers absent from a table file that exists: 0 ns like LLMServingSim (README §1.8)
  ppSendNs: 11, // one stage-to-stage send of the hidden state (pp > 1): latency + bytes / link bandwidth
  kvTransferBytes: 12, // P/D prefill role: K/V this step streams to the decode side, per TP rank, all layers
  kvTransferNs: 13, // ... one point-to-point send per block of the busiest stage
  stageCount: 14, // pp
  /** first per-stage time: stage s of this step at stageNs + s, s < pp (pp = 1: the whole step) */
  stageNs: 15,
} as const;
/** Most pipeline stages the kernel reports (native kMaxPipelineStages). */
export const MAX_PIPELINE_STAGES = 32;
const COUNTER_COUNT = COUNTER.stageNs + MAX_PIPELINE_STAGES;

/** Per-layer times of the last iterate() (ns), named like derived/iteration_compute_vectors.csv. */
export type IterationBreakdown = Record<`${(typeof SLOT_NAMES)[number]}_ns` | `${(typeof BREAKDOWN_EXTRAS)[number]}_ns`, number>;

const optionsSchema = z.object({
  weightDtype: z.enum(['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4']),
  kvDtype: z.enum(['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4']),
  tp: z.number().int().positive(),
  ep: z.number().int().positive().optional(),
  pp: z.number().int().positive().max(MAX_PIPELINE_STAGES).optional(),
  moeImbalance: z.number().min(1).optional(),
  pdRole: z.enum(['prefill', 'decode']).optional(),
  perfBundle: z.string().min(1).optional(),
  perfCsv: z.string().min(1).optional(),
  link: z.object({ bandwidthGBps: z.number().positive(), latencyNs: z.number().nonnegative() }).optional(),
  npuMemBwGBps: z.number().positive().optional(),
  hostMem: z.object({ bandwidthGBps: z.number().positive(), latencyNs: z.number().nonnegative() }).optional(),
  maxBatch: z.number().int().positive().optional(),
  roofline: z
    .object({
      computeEfficiency: z.number().positive().max(1).optional(),
      memoryEfficiency: z.number().positive().max(1).optional(),
      launchOverheadNs: z.number().nonnegative().optional(),
    })
    .optional(),
});

export class CostModel {
  readonly newTokens: Int32Array; // per scheduled request: tokens computed this step (1 = decode)
  readonly computedBefore: Int32Array; // per scheduled request: tokens already in its KV cache before this step
  readonly counters: Float64Array; // counters of the last iterate() call, indexed by COUNTER
  /** DP group (README §2.7): [group's largest total_len, largest num_seqs] to pad the next iterate() to with dummy
   *  decodes (per-token layers, lm_head, collectives; not attention). 0 = no padding; read at every call. */
  readonly dpPad: Int32Array;
  /** The kernel reads batch totals (sums, min, max; v0.2.1 sums per-row lookups): row order does not matter. */
  readonly rowOrderFree = true;
  /**
   * [count, sum, min, max of computed_before] of more decode rows, given as totals instead of rows (a scheduler's
   * decode group: no per-row work for it); read at every iterate(), count 0 = none. Absent with a v0.2.1 CSV, whose
   * tables are looked up per row.
   */
  readonly decodeGroup?: Float64Array;
  readonly source: 'profile' | 'roofline' | 'v0.2.1-csv';
  /** Problems found while loading that do not stop the run (e.g. a layer missing from a table). */
  readonly warnings: readonly string[];
  /** The sweep bounds of a profile bundle (meta.yaml engine_effective): beyond them lookups extrapolate, and
   *  LLMServingSim logs a one-time warning when a run's limits exceed them (README §1.2). */
  readonly profiledLimits?: { maxNumBatchedTokens?: number; maxNumSeqs?: number };
  private readonly breakdownBuf: Float64Array;
  private readonly stages: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly kernel: any;

  private constructor(
    kernel: any, // eslint-disable-line @typescript-eslint/no-explicit-any
    buffers: Buffers,
    source: CostModel['source'],
    warnings: string[],
    profiledLimits: CostModel['profiledLimits'],
    stages: number,
  ) {
    this.kernel = kernel;
    this.stages = stages;
    this.newTokens = buffers.newTokens;
    this.computedBefore = buffers.computedBefore;
    this.counters = buffers.counters;
    this.dpPad = buffers.dpPad;
    this.decodeGroup = buffers.decodeGroup;
    this.breakdownBuf = buffers.breakdown;
    this.source = source;
    this.warnings = warnings;
    this.profiledLimits = profiledLimits;
  }

  static async load(opts: CostModelOptions): Promise<CostModel> {
    const checked = optionsSchema.safeParse(opts);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new InputError(`cost model options: ${issue.message}`, { field: issue.path.join('.') });
    }
    if (opts.perfBundle && opts.perfCsv) {
      throw new InputError('give either perfBundle (LLMServingSim 2.0) or perfCsv (v0.2.1), not both', { field: 'perfBundle' });
    }
    if (opts.ep !== undefined && opts.model.moe && opts.model.moe.numExperts % opts.ep !== 0) {
      throw new InputError(`ep ${opts.ep} must divide the ${opts.model.moe.numExperts} experts of ${opts.model.name}`, { field: 'ep' });
    }
    const sendsKv = opts.pdRole === 'prefill';
    if ((opts.tp > 1 || (opts.ep ?? 1) > 1 || (opts.pp ?? 1) > 1 || sendsKv) && !opts.link) {
      throw new InputError(
        `tp ${opts.tp} / ep ${opts.ep ?? 1} / pp ${opts.pp ?? 1}${sendsKv ? ' / a P/D prefill instance' : ''} needs the link bandwidth and latency for its transfers`,
        { field: 'link' },
      );
    }
    // Tensor parallelism shards attention heads (vLLM replicates KV heads when tp exceeds them, if tp is a multiple).
    const { numHeads, numKvHeads } = opts.model;
    if (numHeads % opts.tp !== 0 || (numKvHeads % opts.tp !== 0 && opts.tp % numKvHeads !== 0)) {
      throw new InputError(
        `tp ${opts.tp} does not divide the ${numHeads} attention heads / ${numKvHeads} KV heads of ${opts.model.name}`,
        { field: 'tp' },
      );
    }
    if ((opts.pp ?? 1) > opts.model.numLayers) {
      throw new InputError(`pp ${opts.pp} exceeds the ${opts.model.numLayers} layers of ${opts.model.name}: a stage holds whole blocks`, { field: 'pp' });
    }
    if (opts.weightPlacement && ((opts.pp ?? 1) > 1 || opts.perfCsv)) {
      throw new InputError(`weights placed on cpu/cxl memory are supported with pp_size 1 and a profile bundle or the roofline, not ${opts.perfCsv ? 'a v0.2.1 CSV' : `pp ${opts.pp}`}`, {
        field: 'placement',
      });
    }
    const addon = loadAddon();
    if (addon.layout.stageNs !== COUNTER.stageNs || addon.layout.maxStages !== MAX_PIPELINE_STAGES) {
      throw new Error('servesim: the native addon is out of date with src/cost/costModel.ts; rebuild it (npm run build:native)');
    }
    const maxBatch = opts.maxBatch ?? 8192;
    const buffers: Buffers = {
      newTokens: new Int32Array(maxBatch),
      computedBefore: new Int32Array(maxBatch),
      counters: new Float64Array(Math.max(COUNTER_COUNT, addon.layout.counters)),
      breakdown: new Float64Array(addon.layout.breakdown),
      dpPad: new Int32Array(2),
      ...(opts.perfCsv ? {} : { decodeGroup: new Float64Array(4) }),
    };
    const config: Record<string, unknown> = { ...baseConfig(opts), buffers };
    const placement =
      opts.weightPlacement &&
      weightPlacementConfig(opts.weightPlacement, opts.model, opts.weightDtype, { tp: opts.tp, ep: opts.ep ?? (opts.model.moe ? opts.tp : 1) }, opts.hostMem);
    if (placement) config.weightPlacement = placement;
    const warnings: string[] = [];
    let source: CostModel['source'] = 'roofline';
    let profiledLimits: CostModel['profiledLimits'];
    if (opts.perfBundle) {
      source = 'profile';
      const bundle = loadPerfBundle(opts.perfBundle, opts.tp);
      const engine = bundle.meta.engine_effective;
      profiledLimits = engine && { maxNumBatchedTokens: engine.max_num_batched_tokens, maxNumSeqs: engine.max_num_seqs };
      Object.assign(config, bundleConfig(bundle, opts.model, warnings));
    } else if (opts.perfCsv) {
      source = 'v0.2.1-csv';
      const v = loadV021Csv(opts.perfCsv, opts.model);
      const t = (x: { keys: Float64Array; timeNs: Float64Array }) => ({ keys: x.keys, timeNs: x.timeNs });
      config.v021 = {
        prologue: v.prologue.map(t),
        block: v.block.map(t),
        head: v.head.map(t),
        ropePrefill: t(v.ropePrefill),
        ropeDecode: t(v.ropeDecode),
        attnPrefill: t(v.attnPrefill),
        attnDecode: t(v.attnDecode),
      };
    }
    return new CostModel(new addon.Kernel(config), buffers, source, warnings, profiledLimits, opts.pp ?? 1);
  }

  /** ONE native call for the whole batch of n requests; returns the iteration time in integer ns. */
  iterate(n: number): number {
    return this.kernel.iterate(n);
  }

  /** Pipeline stages of this model (1 without pipeline parallelism). */
  get pp(): number {
    return this.stages;
  }

  /** P/D hand-off of one request: its K/V bytes per rank for `tokens` tokens, and one point-to-point send of them
   *  over the link (latency + bytes / bandwidth, integer ns). Called once per request, not per batch. */
  kvTransfer(tokens: number): { bytes: number; ns: number } {
    return { bytes: this.kernel.kvBytes(tokens), ns: this.kernel.kvTransferNs(tokens) };
  }

  /** Run-wide counts for reports. */
  totals(): { calls: number; lookups: number; extrapolated: number; roofline: number } {
    return this.kernel.totals();
  }

  /** Per-layer times of the last iterate() (debugging and validation; allocates). */
  breakdown(): IterationBreakdown {
    const out: Record<string, number> = {};
    SLOT_NAMES.forEach((name, i) => (out[`${name}_ns`] = this.breakdownBuf[i]));
    BREAKDOWN_EXTRAS.forEach((name, i) => (out[`${name}_ns`] = this.breakdownBuf[SLOT_NAMES.length + i]));
    return out as IterationBreakdown;
  }

  /** Where each layer's time comes from: table, roofline, missing (0 ns) or absent from this model. */
  layerSources(): Record<string, (typeof SLOT_SOURCES)[number]> {
    const codes: number[] = this.kernel.sources();
    return Object.fromEntries(SLOT_NAMES.map((n, i) => [n, SLOT_SOURCES[codes[i]]]));
  }
}

interface Buffers {
  newTokens: Int32Array;
  computedBefore: Int32Array;
  counters: Float64Array;
  breakdown: Float64Array;
  dpPad: Int32Array;
  decodeGroup?: Float64Array;
}

// Peak FLOP/s for the weight dtype. int4 is weight-only quantization (src/scenario/types.ts): its GEMMs dequantize
// and run at bf16. int8 / fp8 (W8A8) use their own tensor-core peak when the spec has one, else bf16.
function peakTflops(hw: HardwareSpec, dtype: Dtype): number {
  const p = hw.peakTflops;
  const own = dtype === 'int4' ? undefined : p[dtype as keyof typeof p];
  return own ?? p.bf16 ?? p.fp16;
}

function baseConfig(opts: CostModelOptions): Record<string, unknown> {
  const m = opts.model;
  const weightBytes = DTYPE_BYTES[opts.weightDtype];
  return {
    model: {
      hiddenSize: m.hiddenSize,
      numLayers: m.numLayers,
      numHeads: m.numHeads,
      numKvHeads: m.numKvHeads,
      headDim: m.headDim,
      intermediateSize: m.intermediateSize,
      vocabSize: m.vocabSize,
      qkNorm: m.modelType === 'qwen3' || m.modelType === 'qwen3_moe',
      numExperts: m.moe?.numExperts ?? 0,
      expertsPerToken: m.moe?.expertsPerToken ?? 0,
      expertIntermediateSize: m.moe?.expertIntermediateSize ?? 0,
      numSharedExperts: m.moe?.numSharedExperts ?? 0,
      sharedExpertIntermediateSize: m.moe?.sharedExpertIntermediateSize ?? 0,
    },
    precision: {
      weightBytes,
      kvBytes: DTYPE_BYTES[opts.kvDtype],
      activationBytes: opts.weightDtype === 'fp32' ? 4 : 2,
    },
    ioBytesPerElement: weightBytes, // README §2.4 fp: host load/store and all-reduce message sizes
    device: {
      peakFlopsPerNs: peakTflops(opts.hardware, opts.weightDtype) * 1000,
      memBytesPerNs: opts.hardware.memBandwidthGBps,
      ...opts.roofline,
    },
    tp: opts.tp,
    ep: opts.ep ?? (m.moe ? opts.tp : 1),
    pp: opts.pp ?? 1,
    moeImbalance: opts.moeImbalance ?? 1,
    pdPrefill: opts.pdRole === 'prefill',
    network: opts.link && {
      linkBandwidthGBps: opts.link.bandwidthGBps,
      linkLatencyNs: opts.link.latencyNs,
      npuMemBandwidthGBps: opts.npuMemBwGBps ?? opts.hardware.memBandwidthGBps,
    },
    hostMemory: opts.hostMem && { bandwidthGBps: opts.hostMem.bandwidthGBps, latencyNs: opts.hostMem.latencyNs },
  };
}

function bundleConfig(bundle: PerfBundle, model: ModelArch, warnings: string[]): Record<string, unknown> {
  const tables: { slot: number; keys: Float64Array; timeUs: Float64Array }[] = [];
  const missing: number[] = [];
  const collect = (file: string, data: PerfBundle['dense'], layers: readonly (keyof typeof SLOT)[]) => {
    if (!data) {
      warnings.push(`${bundle.tpDir}/${file} is absent: ${layers.join(', ')} use the roofline`);
      return;
    }
    for (const layer of layers) {
      const t = data.get(layer);
      if (t) tables.push({ slot: SLOT[layer], keys: t.keys, timeUs: t.timeUs });
      else missing.push(SLOT[layer]);
    }
  };
  collect('dense.csv', bundle.dense, DENSE_LAYERS);
  collect('per_sequence.csv', bundle.perSequence, PER_SEQUENCE_LAYERS);
  if (!bundle.attention) warnings.push(`${bundle.tpDir}/attention.csv is absent: attention uses the roofline`);
  const needsQkNorm = model.modelType === 'qwen3' || model.modelType === 'qwen3_moe';
  for (const slot of missing) {
    const name = SLOT_NAMES[slot];
    if (name === 'qk_norm' && !needsQkNorm) continue;
    warnings.push(`layer '${name}' has no rows in ${bundle.tpDir}: it counts 0 ns, as in LLMServingSim (README §1.8)`);
  }
  return { tables, missing, attention: bundle.attention, moe: bundle.moe, skew: bundle.skew };
}
