// Serving knobs (the scheduler and memory settings of one instance) with vLLM / LLMServingSim 2.0 defaults
// (reference README §6). Input uses their snake_case names, as LLMServingSim's per-instance overrides and vLLM's
// engine arguments do; inside, camelCase.
import { z } from 'zod';
import type { Dtype, ModelArch } from './types.js';
import { parseOrThrow } from './zodInput.js';

export type KvCacheDtype = 'auto' | 'fp8';

export interface ServingOptions {
  maxNumSeqs: number; // running-set cap; 0 = unlimited
  maxNumBatchedTokens: number; // token budget per step; 0 = the model's max_position_embeddings
  longPrefillTokenThreshold: number; // per-request chunk cap per step; 0 = off
  enableChunkedPrefill: boolean;
  enablePrefixCaching: boolean;
  reserveFullIsl: boolean; // admit a request only if its whole sequence's KV blocks fit
  npuMemoryUtilization: number; // fraction of GPU memory for weights + KV (mem_util)
  blockSize: number; // tokens per KV block
  dtype: Dtype | 'auto'; // weight dtype; auto = the model's torch_dtype (LLMServingSim: else bfloat16)
  kvCacheDtype: KvCacheDtype; // auto = the weight dtype (16-bit for int4 weights); fp8 = 1 byte per element
  enableLocalOffloading: boolean;
  enableAttnOffloading: boolean;
  enableSubBatchInterleaving: boolean;
  enableBlockCopy: boolean;
}

/** Defaults of `python -m serving` (LLMServingSim 2.0, which mirrors vLLM 0.19's V1 engine arguments). */
export const SERVING_DEFAULTS: Readonly<ServingOptions> = Object.freeze({
  maxNumSeqs: 128,
  maxNumBatchedTokens: 2048,
  longPrefillTokenThreshold: 0,
  enableChunkedPrefill: true,
  enablePrefixCaching: true,
  reserveFullIsl: true,
  npuMemoryUtilization: 0.9,
  blockSize: 16,
  dtype: 'auto',
  kvCacheDtype: 'auto',
  enableLocalOffloading: false,
  enableAttnOffloading: false,
  enableSubBatchInterleaving: false,
  enableBlockCopy: true,
});

/** LLMServingSim's --dtype names (float16, bfloat16, float32, fp8, int8) plus ours (bf16, fp16, fp32, int4). */
const DTYPE_NAMES: Record<string, Dtype | 'auto'> = {
  auto: 'auto',
  bfloat16: 'bf16',
  float16: 'fp16',
  half: 'fp16',
  float32: 'fp32',
  float: 'fp32',
  bf16: 'bf16',
  fp16: 'fp16',
  fp32: 'fp32',
  fp8: 'fp8',
  int8: 'int8',
  int4: 'int4',
};

export const dtypeNameSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => s in DTYPE_NAMES, { message: `expected one of ${Object.keys(DTYPE_NAMES).join(', ')}` })
  .transform((s) => DTYPE_NAMES[s]);

const count = z.number().int().nonnegative();

/** The knobs as they appear in files (LLMServingSim instance overrides, vLLM engine args): all optional. */
export const servingOptionsInputShape = {
  max_num_seqs: count.optional(),
  max_num_batched_tokens: count.optional(),
  long_prefill_token_threshold: count.optional(),
  enable_chunked_prefill: z.boolean().optional(),
  enable_prefix_caching: z.boolean().optional(),
  reserve_full_isl: z.boolean().optional(),
  npu_memory_utilization: z.number().gt(0).lte(1).optional(),
  block_size: z.number().int().positive().optional(),
  dtype: dtypeNameSchema.optional(),
  kv_cache_dtype: z.enum(['auto', 'fp8']).optional(),
  enable_local_offloading: z.boolean().optional(),
  enable_attn_offloading: z.boolean().optional(),
  enable_sub_batch_interleaving: z.boolean().optional(),
  enable_block_copy: z.boolean().optional(),
};

export const servingOptionsInputSchema = z.strictObject(servingOptionsInputShape);
export type ServingOptionsInput = z.input<typeof servingOptionsInputSchema>;

const SNAKE_TO_CAMEL = {
  max_num_seqs: 'maxNumSeqs',
  max_num_batched_tokens: 'maxNumBatchedTokens',
  long_prefill_token_threshold: 'longPrefillTokenThreshold',
  enable_chunked_prefill: 'enableChunkedPrefill',
  enable_prefix_caching: 'enablePrefixCaching',
  reserve_full_isl: 'reserveFullIsl',
  npu_memory_utilization: 'npuMemoryUtilization',
  block_size: 'blockSize',
  dtype: 'dtype',
  kv_cache_dtype: 'kvCacheDtype',
  enable_local_offloading: 'enableLocalOffloading',
  enable_attn_offloading: 'enableAttnOffloading',
  enable_sub_batch_interleaving: 'enableSubBatchInterleaving',
  enable_block_copy: 'enableBlockCopy',
} as const satisfies Record<keyof typeof servingOptionsInputShape, keyof ServingOptions>;

/** Only the knobs that were given, renamed to camelCase. */
export function servingOverridesFromInput(parsed: z.output<typeof servingOptionsInputSchema>): Partial<ServingOptions> {
  const out: Partial<ServingOptions> = {};
  for (const [snake, camel] of Object.entries(SNAKE_TO_CAMEL) as [keyof typeof SNAKE_TO_CAMEL, keyof ServingOptions][]) {
    const v = parsed[snake];
    if (v !== undefined) (out as Record<string, unknown>)[camel] = v;
  }
  return out;
}

/** Validate a snake_case knob object from `file`; returns only the knobs given. */
export function parseServingOverrides(value: unknown, file: string): Partial<ServingOptions> {
  return servingOverridesFromInput(parseOrThrow(servingOptionsInputSchema, value, file));
}

/**
 * Merge layers, most specific first (LLMServingSim: instance value > command line > default):
 * resolveServingOptions(instanceOverrides, cliOverrides).
 */
export function resolveServingOptions(...layers: (Partial<ServingOptions> | undefined)[]): ServingOptions {
  const out: ServingOptions = { ...SERVING_DEFAULTS };
  for (const layer of [...layers].reverse()) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** The weight dtype an instance runs: its dtype, else the model's torch_dtype. */
export function weightDtypeOf(opts: Pick<ServingOptions, 'dtype'>, model: Pick<ModelArch, 'torchDtype'>): Dtype {
  return opts.dtype === 'auto' ? model.torchDtype : opts.dtype;
}

/**
 * The KV-cache dtype: fp8 when asked; with auto, the weight dtype (LLMServingSim's kv_fp = fp, README §3.1), except
 * that weight-only int4 keeps a 16-bit cache (fp16 for fp16 models, else bf16).
 */
export function kvDtypeOf(opts: Pick<ServingOptions, 'dtype' | 'kvCacheDtype'>, model: Pick<ModelArch, 'torchDtype'>): Exclude<Dtype, 'int4'> {
  if (opts.kvCacheDtype === 'fp8') return 'fp8';
  const w = weightDtypeOf(opts, model);
  if (w !== 'int4') return w;
  return model.torchDtype === 'fp16' ? 'fp16' : 'bf16';
}
