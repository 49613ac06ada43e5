// Layer slots of one iteration; mirrors `enum Slot` in native/core/roofline.h (same order, same indices).
export const SLOT_NAMES = [
  'embedding',
  'layernorm',
  'qkv_proj',
  'qk_norm',
  'rotary_emb',
  'attention',
  'o_proj',
  'gate_up_proj',
  'act_fn',
  'down_proj',
  'moe',
  'final_layernorm',
  'lm_head',
  'sampler',
] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

export const SLOT: Record<SlotName, number> = Object.fromEntries(SLOT_NAMES.map((n, i) => [n, i])) as Record<SlotName, number>;

/** Layers of LLMServingSim 2.0's dense.csv / per_sequence.csv (README §1.3, §1.4) and the slot each one times. */
export const DENSE_LAYERS: readonly SlotName[] = [
  'embedding',
  'layernorm',
  'qkv_proj',
  'qk_norm',
  'rotary_emb',
  'o_proj',
  'gate_up_proj',
  'act_fn',
  'down_proj',
  'final_layernorm',
];
export const PER_SEQUENCE_LAYERS: readonly SlotName[] = ['lm_head', 'sampler'];

/** Extra breakdown entries after the slots; mirrors `enum BreakdownExtra` in native/core/kernel.h. */
export const BREAKDOWN_EXTRAS = ['attention_t_mean', 'block', 'compute_total', 'load', 'store', 'allreduce', 'moe_comm', 'weight_stall', 'allreduce_first_step'] as const;

/** Where a slot's time comes from; mirrors `enum class SlotSource` in native/core/kernel.h. */
export const SLOT_SOURCES = ['absent', 'table', 'roofline', 'missing'] as const;
