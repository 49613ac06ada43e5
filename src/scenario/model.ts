// Model architectures from Hugging Face config.json files: the bundled catalog in model_configs/ and any user file.
// Field names are HF's own; unknown fields are ignored. Each bundled file adds a `_servesim` block (short name,
// HF ids it answers to, source).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { InputError, closestNames } from '../errors.js';
import { MODEL_CONFIGS_DIR } from './paths.js';
import type { Dtype, ModelArch } from './types.js';
import { parseJsonText, parseOrThrow } from './zodInput.js';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** HF torch_dtype (or `dtype`, its newer name) → our Dtype. */
const TORCH_DTYPES: Record<string, Dtype> = { bfloat16: 'bf16', float16: 'fp16', float32: 'fp32', bf16: 'bf16', fp16: 'fp16', fp32: 'fp32' };
const torchDtype = z.string().refine((s) => s in TORCH_DTYPES, { message: `expected one of ${Object.keys(TORCH_DTYPES).join(', ')}` });

/** The architecture fields a decoder config may hold, at top level or (Gemma 3, Llama 4 …) under text_config. */
const archFields = {
  model_type: z.string().optional(),
  hidden_size: positiveInt.optional(),
  num_hidden_layers: positiveInt.optional(),
  num_attention_heads: positiveInt.optional(),
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.optional(),
  intermediate_size: nonNegativeInt.optional(),
  vocab_size: positiveInt.optional(),
  max_position_embeddings: positiveInt.optional(),
  tie_word_embeddings: z.boolean().optional(),
  torch_dtype: torchDtype.nullish(),
  dtype: torchDtype.nullish(),
  num_local_experts: nonNegativeInt.optional(), // Mixtral, gpt-oss, PhiMoE
  num_experts: nonNegativeInt.nullish(), // Qwen MoE
  n_routed_experts: nonNegativeInt.nullish(), // DeepSeek
  num_experts_per_tok: positiveInt.nullish(),
  experts_per_token: positiveInt.optional(), // gpt-oss's own name
  moe_intermediate_size: positiveInt.optional(),
  shared_expert_intermediate_size: nonNegativeInt.optional(), // Qwen2-MoE: one shared expert this wide
  n_shared_experts: nonNegativeInt.nullish(), // DeepSeek: this many shared experts, moe_intermediate_size wide
  sliding_window: positiveInt.nullish(),
  use_sliding_window: z.boolean().optional(), // Qwen: false switches sliding_window off
  max_window_layers: nonNegativeInt.optional(), // Qwen: layers below this index attend fully
  sliding_window_pattern: positiveInt.optional(), // Gemma 3: every Nth layer is global
  layer_types: z.array(z.string()).optional(), // newer configs: 'sliding_attention' | 'full_attention' per layer
  // Read only to refuse what ModelArch cannot describe (see unsupportedFeature):
  kv_lora_rank: z.number().nullish(), // DeepSeek multi-head latent attention
  first_k_dense_replace: z.number().nullish(), // DeepSeek: dense FFN in the first k layers
  mlp_only_layers: z.array(z.number()).nullish(), // Qwen MoE: dense layers among MoE ones
  decoder_sparse_step: z.number().nullish(), // Qwen MoE: MoE every Nth layer
};

/** Architectures whose sizes our per-layer-uniform ModelArch would get wrong: refuse them rather than guess. */
function unsupportedFeature(pick: <K extends keyof typeof archFields>(key: K) => HfConfig[K]): { field: string; problem: string } | undefined {
  if (pick('kv_lora_rank')) return { field: 'kv_lora_rank', problem: 'multi-head latent attention (DeepSeek MLA) is not modelled' };
  if ((pick('first_k_dense_replace') ?? 0) > 0) return { field: 'first_k_dense_replace', problem: 'a mix of dense and MoE layers is not modelled' };
  if ((pick('mlp_only_layers') ?? []).length > 0) return { field: 'mlp_only_layers', problem: 'a mix of dense and MoE layers is not modelled' };
  if ((pick('decoder_sparse_step') ?? 1) > 1) return { field: 'decoder_sparse_step', problem: 'MoE on only every Nth layer is not modelled' };
  return undefined;
}

const servesimBlock = z.object({
  name: z.string().min(1),
  hfIds: z.array(z.string().min(1)).min(1),
  source: z.string().min(1),
});

export const hfConfigSchema = z.looseObject({
  ...archFields,
  text_config: z.looseObject(archFields).optional(),
  _name_or_path: z.string().optional(),
  _servesim: servesimBlock.optional(),
});
export type HfConfig = z.output<typeof hfConfigSchema>;

export interface ModelNames {
  name: string;
  hfId: string;
}

/** Normalize a parsed HF config into ModelArch. `file` is used in error messages. */
export function modelArchFromHfConfig(cfg: HfConfig, names: ModelNames, file: string): ModelArch {
  const text = cfg.text_config ?? {};
  const textPrefix = cfg.text_config ? 'text_config.' : '';
  // text_config wins over the top level (it describes the language model of a multimodal checkpoint).
  const pick = <K extends keyof typeof archFields>(key: K) => (text as HfConfig)[key] ?? cfg[key];
  const required = <K extends keyof typeof archFields>(key: K): number => {
    const v = pick(key);
    if (typeof v !== 'number') throw new InputError('required number is missing', { file, field: textPrefix + key });
    return v;
  };
  const unsupported = unsupportedFeature(pick);
  if (unsupported) throw new InputError(unsupported.problem, { file, field: textPrefix + unsupported.field });
  const hiddenSize = required('hidden_size');
  const numHeads = required('num_attention_heads');
  const numKvHeads = pick('num_key_value_heads') ?? numHeads;
  let headDim = pick('head_dim');
  if (headDim === undefined) {
    if (hiddenSize % numHeads !== 0) {
      throw new InputError(`head_dim is missing and hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numHeads}`, {
        file,
        field: textPrefix + 'head_dim',
      });
    }
    headDim = hiddenSize / numHeads;
  }
  if (numHeads % numKvHeads !== 0) {
    throw new InputError(`num_attention_heads ${numHeads} must be a multiple of num_key_value_heads ${numKvHeads}`, {
      file,
      field: textPrefix + 'num_key_value_heads',
    });
  }
  const dtypeName = pick('torch_dtype') ?? pick('dtype') ?? 'bfloat16';
  const intermediateSize = pick('intermediate_size') ?? 0;
  const numExperts = pick('num_local_experts') ?? pick('num_experts') ?? pick('n_routed_experts') ?? 0;
  const arch: ModelArch = {
    name: names.name,
    hfId: names.hfId,
    modelType: (text as HfConfig).model_type ?? cfg.model_type ?? 'unknown',
    hiddenSize,
    numLayers: required('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize,
    vocabSize: required('vocab_size'),
    maxPositionEmbeddings: required('max_position_embeddings'),
    tieWordEmbeddings: pick('tie_word_embeddings') ?? false,
    torchDtype: TORCH_DTYPES[dtypeName],
  };
  const slidingWindow = slidingWindowOf(pick, arch.modelType, arch.numLayers, file, textPrefix);
  if (slidingWindow) arch.slidingWindow = slidingWindow;
  if (numExperts > 0) {
    const topK = pick('num_experts_per_tok') ?? pick('experts_per_token');
    if (topK === undefined || topK === null) {
      throw new InputError('an MoE config needs num_experts_per_tok', { file, field: textPrefix + 'num_experts_per_tok' });
    }
    if (topK > numExperts) {
      throw new InputError(`num_experts_per_tok ${topK} exceeds the expert count ${numExperts}`, { file, field: textPrefix + 'num_experts_per_tok' });
    }
    // Mixtral and gpt-oss size their experts with intermediate_size; Qwen/DeepSeek use moe_intermediate_size.
    const expertIntermediateSize = pick('moe_intermediate_size') ?? intermediateSize;
    if (expertIntermediateSize <= 0) {
      throw new InputError('an MoE config needs moe_intermediate_size or intermediate_size', { file, field: textPrefix + 'moe_intermediate_size' });
    }
    const nShared = pick('n_shared_experts');
    const sharedWidth = pick('shared_expert_intermediate_size');
    const numSharedExperts = nShared ?? (sharedWidth ? 1 : 0);
    arch.moe = {
      numExperts,
      expertsPerToken: topK,
      expertIntermediateSize,
      numSharedExperts,
      sharedExpertIntermediateSize: numSharedExperts > 0 ? (sharedWidth ?? expertIntermediateSize) : 0,
    };
    // Every layer is an MoE layer here (Mixtral, Qwen3-MoE with decoder_sparse_step 1, gpt-oss): no dense FFN.
    // Models that mix dense and MoE layers (DeepSeek first_k_dense_replace) are not modelled per layer.
    arch.intermediateSize = 0;
  }
  return arch;
}

/**
 * Which layers use a sliding window, from the fields each family uses: layer_types when given (gpt-oss, newer
 * configs); Gemma 3's sliding_window_pattern (default 6: every 6th layer global); Qwen's use_sliding_window and
 * max_window_layers (layers from that index on slide); otherwise (Mistral, Mixtral, PhiMoE) every layer slides.
 */
function slidingWindowOf(
  pick: <K extends keyof typeof archFields>(key: K) => HfConfig[K],
  modelType: string,
  numLayers: number,
  file: string,
  textPrefix: string,
): ModelArch['slidingWindow'] {
  const windowTokens = pick('sliding_window');
  if (windowTokens === undefined || windowTokens === null) return undefined;
  if (pick('use_sliding_window') === false) return undefined;
  const layerTypes = pick('layer_types');
  let slidingLayers: number;
  if (layerTypes) {
    if (layerTypes.length !== numLayers) {
      throw new InputError(`has ${layerTypes.length} entries for ${numLayers} layers`, { file, field: textPrefix + 'layer_types' });
    }
    slidingLayers = layerTypes.filter((t) => t === 'sliding_attention').length;
  } else if (modelType.startsWith('gemma3')) {
    slidingLayers = numLayers - Math.floor(numLayers / (pick('sliding_window_pattern') ?? 6));
  } else if (modelType.startsWith('qwen')) {
    slidingLayers = Math.max(0, numLayers - (pick('max_window_layers') ?? 0));
  } else {
    slidingLayers = numLayers;
  }
  // A window as long as the context changes nothing (Qwen2.5 ships sliding_window = max_position_embeddings).
  const maxPos = pick('max_position_embeddings');
  if (slidingLayers === 0 || (maxPos !== undefined && windowTokens >= maxPos)) return undefined;
  return { windowTokens, numLayers: slidingLayers };
}

/** Parse a config.json text; names come from its `_servesim` block, else from the file's location. */
export function parseModelConfig(text: string, file: string): ModelArch {
  const cfg = parseOrThrow(hfConfigSchema, parseJsonText(text, file), file);
  return modelArchFromHfConfig(cfg, cfg._servesim ? { name: cfg._servesim.name, hfId: cfg._servesim.hfIds[0] } : namesFromPath(file, cfg), file);
}

/**
 * Names for a config found by path. LLMServingSim keeps `configs/model/<org>/<Model>.json` (→ <org>/<Model>);
 * an HF snapshot keeps `<Model>/config.json` (→ _name_or_path, else the folder name).
 */
function namesFromPath(file: string, cfg: HfConfig): ModelNames {
  const abs = resolve(file);
  const stem = basename(abs).replace(/\.json$/i, '');
  const hfId = stem.toLowerCase() === 'config' ? (cfg._name_or_path ?? basename(dirname(abs))) : `${basename(dirname(abs))}/${stem}`;
  return { name: (hfId.split('/').pop() ?? hfId).toLowerCase(), hfId };
}

interface CatalogEntry {
  arch: ModelArch;
  keys: string[]; // lower-case names it answers to
}

let catalog: CatalogEntry[] | undefined;

/** Names a catalog model answers to explicitly: short name, each HF id with and without its org. */
function explicitKeys(name: string, hfIds: readonly string[]): string[] {
  const keys = new Set<string>([name.toLowerCase()]);
  for (const id of hfIds) {
    keys.add(id.toLowerCase());
    keys.add((id.split('/').pop() ?? id).toLowerCase());
  }
  return [...keys];
}

function loadCatalog(): CatalogEntry[] {
  if (catalog) return catalog;
  const entries: CatalogEntry[] = [];
  const hfIdsOf = new Map<CatalogEntry, string[]>();
  for (const f of readdirSync(MODEL_CONFIGS_DIR).filter((n) => n.endsWith('.json')).sort()) {
    const file = join(MODEL_CONFIGS_DIR, f);
    const cfg = parseOrThrow(hfConfigSchema, parseJsonText(readFileSync(file, 'utf8'), file), file);
    if (!cfg._servesim) throw new InputError('bundled model config lacks its _servesim block', { file, field: '_servesim' });
    const arch = modelArchFromHfConfig(cfg, { name: cfg._servesim.name, hfId: cfg._servesim.hfIds[0] }, file);
    const entry = { arch, keys: explicitKeys(cfg._servesim.name, cfg._servesim.hfIds) };
    entries.push(entry);
    hfIdsOf.set(entry, cfg._servesim.hfIds);
  }
  // An explicit name claimed by two models would make lookups depend on file order: refuse.
  const owner = new Map<string, string>();
  for (const e of entries) {
    for (const k of e.keys) {
      const prev = owner.get(k);
      if (prev && prev !== e.arch.name) throw new Error(`model catalog: '${k}' names both ${prev} and ${e.arch.name}`);
      owner.set(k, e.arch.name);
    }
  }
  // LLMServingSim names models without '-Instruct' (meta-llama/Llama-3.1-8B): accept that form unless another
  // model owns it explicitly (Qwen/Qwen2.5-7B is its own base model).
  for (const e of entries) {
    for (const id of hfIdsOf.get(e) ?? []) {
      const bare = id.replace(/-Instruct$/i, '');
      for (const k of [bare.toLowerCase(), (bare.split('/').pop() ?? bare).toLowerCase()]) {
        if (!owner.has(k)) {
          owner.set(k, e.arch.name);
          e.keys.push(k);
        }
      }
    }
  }
  catalog = entries;
  return entries;
}

/** The bundled models, sorted by short name. */
export function listModels(): ModelArch[] {
  return loadCatalog().map((e) => structuredClone(e.arch));
}

function looksLikePath(s: string): boolean {
  return s.endsWith('.json') || s.startsWith('.') || s.startsWith('/') || s.includes('\\') || existsSync(s);
}

/**
 * A model by short name ('llama-3.1-8b'), HF id ('meta-llama/Llama-3.1-8B-Instruct', or without '-Instruct'),
 * case-insensitive, or by a path to a config.json (or a folder holding one). Unknown names → InputError with suggestions.
 */
export async function resolveModel(nameOrIdOrPath: string): Promise<ModelArch> {
  const query = nameOrIdOrPath.trim();
  const entry = loadCatalog().find((e) => e.keys.includes(query.toLowerCase()));
  if (entry) return structuredClone(entry.arch);
  if (looksLikePath(query)) {
    let file = query;
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'config.json');
    if (!existsSync(file)) throw new InputError(`model config file not found`, { file });
    return parseModelConfig(await readFile(file, 'utf8'), file);
  }
  const names = loadCatalog().flatMap((e) => [e.arch.name, e.arch.hfId]);
  throw new InputError(`unknown model '${query}'; did you mean ${closestNames(query, names).map((n) => `'${n}'`).join(', ')}? (or give a path to a config.json)`, {
    field: 'model',
  });
}
