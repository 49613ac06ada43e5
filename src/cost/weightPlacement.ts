// Weights on cpu/cxl memory (LLMServingSim 2.0 `placement`, reference README §2.4): the per-layer weight bytes each
// iteration loads, and the kernel config that queues those loads on their memories (native/core/weight_loads.cc).
import { InputError } from '../errors.js';
import type { MemoryLocation } from '../scenario/placement.js';
import { DTYPE_BYTES, type Dtype, type ModelArch } from '../scenario/types.js';
import { SLOT, SLOT_NAMES, type SlotName } from './slots.js';

/** A memory weights can be loaded from: mem_bw (decimal GB/s = bytes/ns) and mem_latency (ns) per load. */
export interface MemorySpec {
  bandwidthGBps: number;
  latencyNs: number;
}

export interface WeightPlacementOptions {
  /** Where each layer's weights live, [block × SLOT_NAMES.length + slot] (src/scenario/placement.ts). */
  locations: readonly MemoryLocation[];
  numBlocks: number;
  /** The cluster's CXL devices (cxl_mem: every device has the same bandwidth and latency). */
  cxl?: MemorySpec & { numDevices: number };
}

/**
 * Per-rank weight bytes of one occurrence of each layer, as LLMServingSim 2.0 sizes them (README §3.1, the terms of
 * weight_bytes; with int4 the non-linear parts stay 16-bit, as src/scenario/modelMath.ts weightBytesPerRank):
 *   embedding = lm_head = (vocab // tp)·hidden·fp;  layernorm = final_layernorm = hidden·fp (two layernorms per block)
 *   qkv_proj = hidden·((q_dim + 2·kv_dim) // tp)·fp;  o_proj = (q_dim // tp)·hidden·fp
 *   gate_up_proj = hidden·2·(ffn // tp)·fp;  down_proj = (ffn // tp)·hidden·fp
 *   moe = hidden·E·fp (router) + (E // ep)·3·hidden·moe_ffn·fp (+ shared experts split over tp)
 * Layers without weights (rotary_emb, attention, act_fn, sampler; qk_norm is not counted, as in §3.1) are 0.
 */
export function layerWeightBytesPerRank(model: ModelArch, dtype: Dtype, par: { tp: number; ep: number }): Record<SlotName, number> {
  const fp = DTYPE_BYTES[dtype];
  const fp16bit = dtype === 'int4' ? 2 : fp;
  const h = model.hiddenSize;
  const vocabShard = Math.floor(model.vocabSize / par.tp);
  const q = model.numHeads * model.headDim;
  const kv = model.numKvHeads * model.headDim;
  const ffnShard = Math.floor(model.intermediateSize / par.tp);
  const m = model.moe;
  const moe = m
    ? h * m.numExperts * fp16bit +
      Math.floor(m.numExperts / par.ep) * 3 * h * m.expertIntermediateSize * fp +
      m.numSharedExperts * 3 * h * Math.floor(m.sharedExpertIntermediateSize / par.tp) * fp
    : 0;
  return {
    embedding: vocabShard * h * fp16bit,
    layernorm: h * fp16bit,
    qkv_proj: h * Math.floor((q + 2 * kv) / par.tp) * fp,
    qk_norm: 0,
    rotary_emb: 0,
    attention: 0,
    o_proj: Math.floor(q / par.tp) * h * fp,
    gate_up_proj: m ? 0 : h * 2 * ffnShard * fp,
    act_fn: 0,
    down_proj: m ? 0 : ffnShard * h * fp,
    moe,
    final_layernorm: h * fp16bit,
    lm_head: h * vocabShard * fp16bit,
    sampler: 0,
  };
}

/**
 * The kernel's `weightPlacement` config: device 0 is the node's host memory (whose queue also carries the
 * embedding-input load), devices 1 … N the CXL devices cxl:0 … cxl:N-1. Undefined if every weight is on the NPU.
 */
export function weightPlacementConfig(
  opts: WeightPlacementOptions,
  model: ModelArch,
  dtype: Dtype,
  par: { tp: number; ep: number },
  hostMem: MemorySpec | undefined,
): Record<string, unknown> | undefined {
  const slots = SLOT_NAMES.length;
  if (opts.locations.length !== opts.numBlocks * slots || opts.numBlocks !== model.numLayers) {
    throw new InputError(`placement: expected ${model.numLayers} blocks × ${slots} layers of locations for ${model.name}`, { field: 'placement' });
  }
  const deviceOf = new Int32Array(opts.locations.length).fill(-1);
  let any = false;
  opts.locations.forEach((loc, i) => {
    if (loc === 'npu') return;
    any = true;
    if (loc === 'cpu') {
      if (!hostMem) throw new InputError('placement puts weights on cpu, which needs the host memory (cpu_mem) bandwidth and latency', { field: 'placement' });
      deviceOf[i] = 0;
      return;
    }
    const id = Number(loc.slice('cxl:'.length));
    if (!opts.cxl || id >= opts.cxl.numDevices) {
      throw new InputError(`placement puts weights on ${loc}, but the cluster has ${opts.cxl ? `${opts.cxl.numDevices} CXL devices` : 'no cxl_mem'}`, { field: 'placement' });
    }
    deviceOf[i] = 1 + id;
  });
  if (!any) return undefined;
  const bytes = layerWeightBytesPerRank(model, dtype, par);
  const slotBytes = new Float64Array(slots);
  for (const name of SLOT_NAMES) slotBytes[SLOT[name]] = bytes[name];
  // An unused host slot still takes index 0 so cxl:i is always device 1 + i.
  const host = hostMem ?? { bandwidthGBps: 1, latencyNs: 0 };
  const cxl = Array.from({ length: opts.cxl?.numDevices ?? 0 }, () => ({ bandwidthGBps: opts.cxl!.bandwidthGBps, latencyNs: opts.cxl!.latencyNs }));
  return { devices: [host, ...cxl], hostDevice: hostMem ? 0 : -1, numBlocks: opts.numBlocks, deviceOf, slotBytes };
}
