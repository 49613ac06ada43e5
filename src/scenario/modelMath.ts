// Sizes and costs derived from a model architecture: parameter counts, weight bytes, KV bytes, FLOPs.
// Pure functions over ModelArch; no I/O.
//
// What is counted: embeddings, attention projections (q, k, v, o), the MLP (gate, up, down: SwiGLU-style, 3 matrices)
// or, for MoE layers, the router and every expert (3 matrices each) plus shared experts, two RMSNorms per layer, the
// final norm, and lm_head unless tied to the embeddings. Not counted (all < 0.1% of any catalogued model): biases
// (Qwen2 qkv, gpt-oss), q/k norms (Qwen3, Gemma 3), Gemma 3's extra pre/post-FFN norms, gpt-oss attention sinks,
// vision towers of multimodal checkpoints.
import type { Dtype, ModelArch } from './types.js';
import { DTYPE_BYTES } from './types.js';

/** KV caches are stored in a float or 8-bit type; int4 is weight-only. */
export type KvDtype = Exclude<Dtype, 'int4'>;

export interface ParamCount {
  total: number;
  /** Parameters touched by one token: all but the routed experts not selected (top-k of E). Includes the embedding. */
  active: number;
  /** The input embedding table (vocab × hidden); it is a lookup, not a matmul, unless tied to lm_head. */
  embedding: number;
}

export interface Parallelism {
  tp: number;
  pp: number;
  ep: number;
}

/** head_dim × heads: width of the query projection output. */
export function qDim(model: ModelArch): number {
  return model.numHeads * model.headDim;
}

/** head_dim × kv_heads: width of each of the K and V projection outputs. */
export function kvDim(model: ModelArch): number {
  return model.numKvHeads * model.headDim;
}

/** Per-layer parameter groups (one transformer block). */
function blockParams(model: ModelArch): { attention: number; norms: number; denseMlp: number; router: number; oneExpert: number; shared: number } {
  const h = model.hiddenSize;
  const attention = h * (qDim(model) + 2 * kvDim(model)) + qDim(model) * h;
  const moe = model.moe;
  return {
    attention,
    norms: 2 * h,
    denseMlp: 3 * h * model.intermediateSize,
    router: moe ? h * moe.numExperts : 0,
    oneExpert: moe ? 3 * h * moe.expertIntermediateSize : 0,
    shared: moe ? moe.numSharedExperts * 3 * h * moe.sharedExpertIntermediateSize : 0,
  };
}

export function paramCount(model: ModelArch): ParamCount {
  const b = blockParams(model);
  const embedding = model.vocabSize * model.hiddenSize;
  const lmHead = model.tieWordEmbeddings ? 0 : embedding;
  const outside = embedding + lmHead + model.hiddenSize; // + final norm
  const common = b.attention + b.norms + b.denseMlp + b.router + b.shared;
  const numExperts = model.moe?.numExperts ?? 0;
  const topK = model.moe?.expertsPerToken ?? 0;
  return {
    total: outside + model.numLayers * (common + numExperts * b.oneExpert),
    active: outside + model.numLayers * (common + topK * b.oneExpert),
    embedding,
  };
}

/**
 * Bytes of all weights at `dtype`. With int4 (weight-only quantization, as GPTQ/AWQ), only the linear layers of the
 * blocks are 0.5 B/param; embeddings, lm_head, norms and MoE routers stay 16-bit (2 B/param), as those tools leave them.
 * Other dtypes apply to every parameter.
 */
export function weightBytes(model: ModelArch, dtype: Dtype): number {
  const { total } = paramCount(model);
  if (dtype !== 'int4') return total * DTYPE_BYTES[dtype];
  const b = blockParams(model);
  const numExperts = model.moe?.numExperts ?? 0;
  const linear = model.numLayers * (b.attention + b.denseMlp + b.shared + numExperts * b.oneExpert);
  return linear * DTYPE_BYTES.int4 + (total - linear) * 2;
}

/**
 * Weight bytes held by one GPU, exactly as LLMServingSim 2.0 computes them for its KV budget
 * (reference README §3.1, from its serving/ code):
 *   weight_bytes = embedding + (layers // pp)·block + final_norm + lm_head
 *   embedding = (vocab // tp)·hidden·fp; lm_head = hidden·(vocab // tp)·fp (always counted, even when tied); final_norm = hidden·fp
 *   block (dense) = 2·hidden·fp + hidden·((q_dim + 2·kv_dim) // tp)·fp + (q_dim // tp)·hidden·fp
 *                 + hidden·2·(ffn // tp)·fp + (ffn // tp)·hidden·fp
 *   block (MoE)   = same attention and norms + hidden·E·fp (router) + (E // ep)·3·hidden·moe_ffn·fp
 * Extension beyond LLMServingSim (which has no shared experts): shared experts are split over tp like a dense FFN.
 * int4 keeps the embedding, lm_head, norms and router at 2 bytes, as weightBytes() does.
 */
export function weightBytesPerRank(model: ModelArch, dtype: Dtype, par: Partial<Parallelism> = {}): number {
  const tp = par.tp ?? 1;
  const pp = par.pp ?? 1;
  const ep = par.ep ?? 1;
  for (const [name, v] of [['tp', tp], ['pp', pp], ['ep', ep]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`weightBytesPerRank: ${name} must be a positive integer, got ${v}`);
  }
  const fp = DTYPE_BYTES[dtype];
  const fp16bit = dtype === 'int4' ? 2 : fp; // non-linear parts under weight-only int4
  const h = model.hiddenSize;
  const vocabShard = Math.floor(model.vocabSize / tp);
  const embedding = vocabShard * h * fp16bit;
  const lmHead = h * vocabShard * fp16bit;
  const finalNorm = h * fp16bit;
  const q = qDim(model);
  const kv = kvDim(model);
  const attention = h * Math.floor((q + 2 * kv) / tp) * fp + Math.floor(q / tp) * h * fp;
  let mlp: number;
  if (model.moe) {
    const m = model.moe;
    const router = h * m.numExperts * fp16bit;
    const experts = Math.floor(m.numExperts / ep) * 3 * h * m.expertIntermediateSize * fp;
    const sharedShard = Math.floor(m.sharedExpertIntermediateSize / tp);
    const shared = m.numSharedExperts * 3 * h * sharedShard * fp;
    mlp = router + experts + shared;
  } else {
    const ffnShard = Math.floor(model.intermediateSize / tp);
    mlp = h * 2 * ffnShard * fp + ffnShard * h * fp;
  }
  const block = 2 * h * fp16bit + attention + mlp;
  return embedding + Math.floor(model.numLayers / pp) * block + finalNorm + lmHead;
}

function kvBytes(kvDtype: KvDtype): number {
  return DTYPE_BYTES[kvDtype];
}

/**
 * KV-cache bytes one token occupies on one GPU, all its layers, as LLMServingSim 2.0 (README §3.1):
 *   kv_bytes_per_token = 2·kv_dim·num_layers·kv_fp // (tp·pp)        (K and V; kv_fp = 1 for fp8)
 * Llama-3.1-8B bf16 tp1: 2·1024·32·2 = 131,072 B.
 */
export function kvBytesPerToken(model: ModelArch, kvDtype: KvDtype, par: { tp?: number; pp?: number } = {}): number {
  const numNpus = (par.tp ?? 1) * (par.pp ?? 1);
  return Math.floor((2 * kvDim(model) * model.numLayers * kvBytes(kvDtype)) / numNpus);
}

/** KV-cache bytes one token occupies in one layer on one GPU of a tp-way group: 2·kv_dim·kv_fp // tp. */
export function kvBytesPerTokenPerLayer(model: ModelArch, kvDtype: KvDtype, tp = 1): number {
  return Math.floor((2 * kvDim(model) * kvBytes(kvDtype)) / tp);
}

/**
 * KV-cache bytes a sequence of `tokens` tokens holds on one GPU when sliding-window layers keep only their window
 * (vLLM V1's hybrid allocator does this for Gemma 3 and gpt-oss):
 *   2·kv_dim·kv_fp·(full_layers·tokens + sliding_layers·min(tokens, window)) / (tp·pp)
 * Without sliding layers this is tokens × kvBytesPerToken (up to its rounding). LLMServingSim ignores windows.
 */
export function kvBytesForTokens(model: ModelArch, kvDtype: KvDtype, tokens: number, par: { tp?: number; pp?: number } = {}): number {
  const numNpus = (par.tp ?? 1) * (par.pp ?? 1);
  const sw = model.slidingWindow;
  const slidingLayers = sw?.numLayers ?? 0;
  const layerTokens = (model.numLayers - slidingLayers) * tokens + slidingLayers * Math.min(tokens, sw?.windowTokens ?? tokens);
  return (2 * kvDim(model) * kvBytes(kvDtype) * layerTokens) / numNpus;
}

/**
 * Forward FLOPs for one new token that attends over `contextLen` keys (its own included):
 *   2 FLOPs per multiply-add of every active matmul weight (the input embedding is a lookup and is left out unless it is
 *   tied to lm_head, where it is a matmul), plus attention: per layer Q·Kᵀ and P·V each cost 2·q_dim·keys, where
 *   keys = contextLen, or min(contextLen, window) on sliding-window layers.
 *   flops = 2·(active − embedding_lookup − norms) + 4·q_dim·(full_layers·contextLen + sliding_layers·min(contextLen, window))
 * Norms, softmax, activations and rotary embeddings are ignored (elementwise, < 1%).
 * Follows the usual accounting (Kaplan et al. 2020, "Scaling Laws for Neural Language Models", table 1).
 */
export function flopsPerToken(model: ModelArch, contextLen: number): number {
  const p = paramCount(model);
  const matmulParams = p.active - (model.tieWordEmbeddings ? 0 : p.embedding) - model.numLayers * 2 * model.hiddenSize - model.hiddenSize;
  const sw = model.slidingWindow;
  const slidingLayers = sw?.numLayers ?? 0;
  const keys = (model.numLayers - slidingLayers) * contextLen + slidingLayers * Math.min(contextLen, sw?.windowTokens ?? contextLen);
  return 2 * matmulParams + 4 * qDim(model) * keys;
}
