// The normalized, validated shapes every room inside ServeSim works with.
// Loaders in src/scenario/ turn files (HF config.json, hardware JSON, cluster JSON) into these.

/** Numeric precision of weights or KV cache. int4 is weight-only quantization. */
export type Dtype = 'fp32' | 'fp16' | 'bf16' | 'fp8' | 'int8' | 'int4';

/** Bytes per element of each dtype (int4 = 0.5). */
export const DTYPE_BYTES: Record<Dtype, number> = { fp32: 4, fp16: 2, bf16: 2, fp8: 1, int8: 1, int4: 0.5 };

export interface MoeArch {
  numExperts: number; // routed experts per MoE layer
  expertsPerToken: number; // top-k
  expertIntermediateSize: number; // FFN width of one routed expert
  numSharedExperts: number; // always-active experts (0 if none)
  sharedExpertIntermediateSize: number; // FFN width of one shared expert (0 if none)
}

/** Layers that attend only to the last `windowTokens` tokens (Mistral-style sliding window, Gemma 3 local layers). */
export interface SlidingWindowArch {
  windowTokens: number;
  numLayers: number; // how many of the model's layers use the window; the rest attend to the whole context
}

/** A model architecture: the Hugging Face config.json fields that matter, normalized. */
export interface ModelArch {
  name: string; // short name, e.g. 'llama-3.1-8b'
  hfId: string; // e.g. 'meta-llama/Llama-3.1-8B-Instruct'
  modelType: string; // HF model_type: llama, mistral, qwen2, qwen3, qwen3_moe, mixtral, gpt_oss, gemma3_text, ...
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number; // dense FFN width (0 for all-MoE models)
  vocabSize: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  torchDtype: Dtype; // default weight precision
  moe?: MoeArch;
  slidingWindow?: SlidingWindowArch; // absent = every layer attends to the whole context
}

export interface PeakTflops {
  fp32: number;
  tf32?: number;
  fp16: number;
  bf16: number;
  fp8?: number;
  int8?: number;
  int4?: number;
}

/** A GPU or accelerator. Every figure cites its source in `sources`. */
export interface HardwareSpec {
  name: string; // e.g. 'RTX3090'
  vendor: string;
  class: 'datacenter' | 'edge' | 'consumer' | 'workstation';
  peakTflops: PeakTflops; // dense (no sparsity)
  memBandwidthGBps: number; // decimal GB/s
  memCapacityGiB: number;
  memType: string; // GDDR6X, HBM3, LPDDR5, ...
  tdpW: number;
  idlePowerW?: number;
  loadedPowerW?: number;
  dieAreaMm2?: number;
  processNodeNm?: number;
  foundry?: string;
  releaseYear?: number;
  transistorsBillion?: number; // transistor count of the main die, 1e9
  // Aggregate bidirectional GB/s per GPU as NVIDIA datasheets state them (PCIe 4.0 x16 = 64, NVLink 4 = 900).
  interconnect: { nvlinkGBps?: number; pcieGBps: number };
  sources: Record<string, string>; // field name -> citation
}
