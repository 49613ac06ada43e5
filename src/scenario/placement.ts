// LLMServingSim 2.0 `placement` of a cluster-config instance (reference README §2.4, §4.1): where each layer's
// weights and each block's KV cache live: `npu`, `cpu` (the node's host memory) or `cxl:<id>` (a device of the
// cluster's cxl_mem pool). Resolved once per instance into one location per (block, layer).
//
// Rules, as LLMServingSim 2.0 resolves them (serving/core/config_builder.py at the commit of the reference data):
//   default: weights 'npu', kv_loc 'npu', kv_evict_loc 'cpu' unless `default` says otherwise;
//   `blocks` rules apply in order (a later rule overrides an earlier one for the blocks they share);
//   `layers` entries (by catalog layer name) win over every block rule, and the fields such an entry leaves out
//   take the *default* values, not the block's;
//   layers outside the blocks (embedding, final_layernorm, lm_head, sampler) follow `layers` or the default only.
// Stricter than LLMServingSim, which skips them silently: a block outside the model, an unknown layer name, a cxl id
// beyond cxl_mem.num_devices or cxl without cxl_mem are input errors.
import { SLOT_NAMES } from '../cost/slots.js';
import { closestNames, InputError } from '../errors.js';
import { jsonPath } from './zodInput.js';

/** Where weights or KV live. */
export type MemoryLocation = 'npu' | 'cpu' | `cxl:${number}`;

/** One placement entry as the cluster config writes it (validated in form by the cluster schema). */
export interface PlacementEntryInput {
  weights?: string;
  kv_loc?: string;
  kv_evict_loc?: string;
}
export interface PlacementInput {
  default?: PlacementEntryInput;
  blocks?: (PlacementEntryInput & { blocks: string })[];
  layers?: Record<string, PlacementEntryInput>;
}

export interface ResolvedPlacement {
  numBlocks: number;
  /** weights[block × SLOT_NAMES.length + slot]; layers outside the blocks (embedding, head) repeat in every row. */
  weights: MemoryLocation[];
  /** Per block: where its KV cache lives and where evicted KV goes. */
  kvLoc: MemoryLocation[];
  kvEvictLoc: MemoryLocation[];
  /** Some layer's weights are not on the NPU (each iteration loads them). */
  offloadsWeights: boolean;
  /** Some block's KV is not on the NPU. */
  offloadsKv: boolean;
}

export interface PlacementContext {
  numBlocks: number; // the model's num_hidden_layers
  cxlDevices: number; // cxl_mem.num_devices, 0 without cxl_mem
  file: string;
  path: (string | number)[]; // JSON path of the placement block
}

const KINDS = ['weights', 'kv_loc', 'kv_evict_loc'] as const;
/** Layers emitted once per iteration, before and after the blocks: no block rule applies to them. */
const OUTSIDE_BLOCKS = ['embedding', 'final_layernorm', 'lm_head', 'sampler'] as const;
type Kind = (typeof KINDS)[number];
type Entry = Record<Kind, MemoryLocation>;

/** Resolve an instance's placement block (absent = everything on the NPU, evictions to cpu). */
export function resolvePlacement(input: PlacementInput | undefined, ctx: PlacementContext): ResolvedPlacement {
  const fail = (problem: string, at: (string | number)[]): never => {
    throw new InputError(problem, { file: ctx.file, field: jsonPath([...ctx.path, ...at]) });
  };
  const location = (value: string | undefined, at: (string | number)[]): MemoryLocation | undefined => {
    if (value === undefined) return undefined;
    const m = /^(npu|cpu|cxl:(\d+))$/.exec(value);
    if (!m) return fail(`expected 'npu', 'cpu' or 'cxl:<device id>', got '${value}'`, at);
    if (m[2] !== undefined) {
      const id = Number(m[2]);
      if (ctx.cxlDevices === 0) fail(`'${value}' needs a cxl_mem block in the cluster config`, at);
      if (id >= ctx.cxlDevices) fail(`'${value}' is beyond cxl_mem.num_devices ${ctx.cxlDevices} (devices cxl:0 … cxl:${ctx.cxlDevices - 1})`, at);
    }
    return value as MemoryLocation;
  };
  const entry = (e: PlacementEntryInput | undefined, base: Entry, at: (string | number)[]): Entry => ({
    weights: location(e?.weights, [...at, 'weights']) ?? base.weights,
    kv_loc: location(e?.kv_loc, [...at, 'kv_loc']) ?? base.kv_loc,
    kv_evict_loc: location(e?.kv_evict_loc, [...at, 'kv_evict_loc']) ?? base.kv_evict_loc,
  });

  const byDefault = entry(input?.default, { weights: 'npu', kv_loc: 'npu', kv_evict_loc: 'cpu' }, ['default']);
  const blocks: Entry[] = Array.from({ length: ctx.numBlocks }, () => ({ ...byDefault }));
  (input?.blocks ?? []).forEach((rule, i) => {
    const ids = parseBlockList(rule.blocks, ctx.numBlocks, (problem) => fail(problem, ['blocks', i, 'blocks']));
    const e = entry(rule, byDefault, ['blocks', i]);
    for (const b of ids) {
      for (const k of KINDS) if (rule[k] !== undefined) blocks[b][k] = e[k];
    }
  });
  const layers = new Map<number, Entry>();
  for (const [name, rule] of Object.entries(input?.layers ?? {})) {
    const slot = SLOT_NAMES.indexOf(name as (typeof SLOT_NAMES)[number]);
    if (slot < 0) fail(`unknown layer '${name}'; did you mean ${closestNames(name, SLOT_NAMES).map((n) => `'${n}'`).join(', ')}?`, ['layers', name]);
    const e = entry(rule, byDefault, ['layers', name]);
    if (KINDS.some((k) => rule[k] !== undefined)) layers.set(slot, e); // an empty entry overrides nothing
  }

  const slots = SLOT_NAMES.length;
  const outside = new Set(OUTSIDE_BLOCKS.map((n) => SLOT_NAMES.indexOf(n)));
  const weights: MemoryLocation[] = new Array(ctx.numBlocks * slots);
  for (let b = 0; b < ctx.numBlocks; b++) {
    for (let s = 0; s < slots; s++) weights[b * slots + s] = (layers.get(s) ?? (outside.has(s) ? byDefault : blocks[b])).weights;
  }
  // KV lives with the attention layer of each block.
  const attention = layers.get(SLOT_NAMES.indexOf('attention'));
  const kvLoc = blocks.map((e) => (attention ?? e).kv_loc);
  const kvEvictLoc = blocks.map((e) => (attention ?? e).kv_evict_loc);
  return {
    numBlocks: ctx.numBlocks,
    weights,
    kvLoc,
    kvEvictLoc,
    offloadsWeights: weights.some((w) => w !== 'npu'),
    offloadsKv: kvLoc.some((w) => w !== 'npu'),
  };
}

/** Block indices of an LLMServingSim block list: "0-3", "8,9,10", "11-23" (a reversed range "5-3" counts too). */
export function parseBlockList(text: string, numBlocks: number, fail: (problem: string) => never): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) fail(`expected block indices like '0-3' or '8,9,10', got '${text}'`);
    const a = Number(m![1]);
    const b = m![2] === undefined ? a : Number(m![2]);
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    if (hi >= numBlocks) fail(`block ${hi} is outside the model's ${numBlocks} blocks (0 … ${numBlocks - 1})`);
    for (let x = lo; x <= hi; x++) out.add(x);
  }
  return [...out].sort((x, y) => x - y);
}
