// The internal events of one iteration, as LLMServingSim 2.0's backend sees them: every node of the iteration's
// graph (the layer walk of reference README §2.2 and the collectives of §2.4) completes as an event, and the backend
// re-polls idle instances at each (README §3.4). compat 'llmservingsim2' times arrivals at idle instances of a
// multi-instance run with them (src/serving/simulation.ts `pollOnOtherEvents`).
//
// The offsets come from the per-layer breakdown of the cost model's last iterate(): no extra native call. The walk
// (catalog `sequence`, README §1.8; Llama shown, Qwen3 adds qk_norm, MoE models run `moe` instead of the MLP):
//
//   load, embedding,
//   num_layers × [layernorm, qkv_proj, qk_norm, rotary_emb, attention, o_proj, (AR), layernorm,
//                 gate_up_proj, act_fn, down_proj, (AR) | moe, (dispatch + combine)],
//   final_layernorm, lm_head, sampler            (the store that follows ends the batch: its completion)
//
// AR = the TP all-reduce (tp > 1), after o_proj and, in dense blocks, after down_proj; the end of its first ring step
// is an event too where the kernel knows it (tp 2: allreduce_first_step_ns). Nodes of 0 ns are left out:
// they complete with their predecessor, and the serving loop looks for the first event strictly after a time.
// Limits: weights on cpu/cxl memory (weight_stall_ns > 0) delay layers and add load-completion events that the walk leaves out; a MoE
// block's dispatch and combine are one step after `moe`; an all-reduce over more than 2 ranks is one step.
import { CostWrapper } from '../serving/costWrapper.js';
import type { CostModelLike } from '../serving/types.js';
import type { IterationBreakdown } from './costModel.js';

/** What the walk needs to know about the instance. */
export interface LayerEventLayout {
  numLayers: number;
  tp: number;
  moe: boolean; // MoE blocks: one all-reduce per block (after o_proj) and the MoE collectives after `moe`
  pp?: number; // pipeline stages (default 1), for stageEventOffsetsNs
}

/** A cost model that can tell its last iteration's per-layer times (src/cost/costModel.ts CostModel). */
export interface LayerTimedCost extends CostModelLike {
  breakdown(): IterationBreakdown;
}

/** Block steps before the first all-reduce, then between the two (dense MLP or moe). */
const ATTENTION_STEPS = ['layernorm_ns', 'qkv_proj_ns', 'qk_norm_ns', 'rotary_emb_ns', 'attention_ns', 'o_proj_ns'] as const;
const MLP_STEPS = ['layernorm_ns', 'gate_up_proj_ns', 'act_fn_ns', 'down_proj_ns', 'moe_ns'] as const;
const HEAD_STEPS = ['final_layernorm_ns', 'lm_head_ns', 'sampler_ns'] as const;

/**
 * Write the completion offsets (ns from the batch start, ascending) of the iteration whose per-layer times are `ns`
 * into `out`, up to its length; returns the number of events. A count of out.length or more asks for a bigger array
 * (the CostModelLike contract), so the count is returned even when `out` is too short.
 */
export function layerEventOffsetsNs(ns: IterationBreakdown, layout: LayerEventLayout, out: Float64Array): number {
  return stageEventOffsetsNs(ns, layout, 0, 1, out);
}

/**
 * The same for one pipeline stage of `pp` (README §2.5: blocks split evenly, the remainder to the earliest stages;
 * stage 0 also loads the input and runs the embedding, the last stage runs the head): offsets from the start of the
 * stage's compute. The send of the hidden state to the next stage is not included (the serving loop times it).
 */
export function stageEventOffsetsNs(ns: IterationBreakdown, layout: LayerEventLayout, stage: number, pp: number, out: Float64Array): number {
  if (!(Number.isInteger(pp) && pp >= 1 && Number.isInteger(stage) && stage >= 0 && stage < pp)) throw new Error(`stageEventOffsetsNs: stage ${stage} of ${pp}`);
  let t = 0;
  let k = 0;
  const step = (dt: number): void => {
    if (dt <= 0) return;
    t += dt;
    if (k < out.length) out[k] = t;
    k++;
  };
  if (stage === 0) {
    step(ns.load_ns);
    step(ns.embedding_ns);
  }
  const allReduce = layout.tp > 1 ? ns.allreduce_ns : 0;
  // The all-reduce's first ring step ends inside it: an event too (0 = none known, native collectives.h).
  const firstStep = ns.allreduce_first_step_ns > 0 && ns.allreduce_first_step_ns < allReduce ? ns.allreduce_first_step_ns : 0;
  const allReduceSteps = (): void => {
    step(firstStep);
    step(allReduce - firstStep);
  };
  // A v0.2.1 CSV times the block as a whole (only block_ns is complete): then each block is one step.
  let layersSum = 0;
  for (const name of ATTENTION_STEPS) layersSum += ns[name];
  for (const name of MLP_STEPS) layersSum += ns[name];
  const perLayer = layersSum === ns.block_ns;
  const blocks = Math.floor(layout.numLayers / pp) + (stage < layout.numLayers % pp ? 1 : 0);
  for (let b = 0; b < blocks; b++) {
    if (perLayer) {
      for (const name of ATTENTION_STEPS) step(ns[name]);
      allReduceSteps();
      for (const name of MLP_STEPS) step(ns[name]);
    } else {
      step(ns.block_ns);
      allReduceSteps();
    }
    if (layout.moe) step(ns.moe_comm_ns);
    else allReduceSteps();
  }
  if (stage === pp - 1) for (const name of HEAD_STEPS) step(ns[name]);
  return k;
}

/**
 * A cost model whose iterations report their layer-node events (CostModelLike.internalEventOffsetsNs). Everything
 * else is the wrapped model's: same arrays, same counters, one native call per batch.
 */
class LayerEventCost extends CostWrapper<LayerTimedCost> {
  constructor(
    inner: LayerTimedCost,
    private readonly layout: LayerEventLayout,
  ) {
    super(inner);
  }

  iterate(n: number, startNs?: number): number {
    return this.inner.iterate(n, startNs);
  }

  internalEventOffsetsNs(out: Float64Array): number {
    return layerEventOffsetsNs(this.inner.breakdown(), this.layout, out);
  }

  /** The walk of one pipeline stage (layout.pp > 1), for a serving loop that places each stage's start. */
  stageEventOffsetsNs(stage: number, out: Float64Array): number {
    return stageEventOffsetsNs(this.inner.breakdown(), this.layout, stage, this.layout.pp ?? 1, out);
  }
}

/** Wrap a cost model so that its iterations report their layer-node events. */
export function withLayerEvents(cost: LayerTimedCost, layout: LayerEventLayout): CostModelLike {
  if (!(Number.isInteger(layout.numLayers) && layout.numLayers > 0)) throw new Error(`withLayerEvents: numLayers must be a positive integer, got ${layout.numLayers}`);
  return new LayerEventCost(cost, layout);
}

/**
 * An instance's cost model for a multi-instance compat 'llmservingsim2' run: with its layer events where they can be
 * walked, and what is not exact about them (for the run's warnings).
 */
export function costWithLayerEvents(
  cost: LayerTimedCost,
  instance: LayerEventLayout & { pp: number; weightsOffloaded: boolean },
): { cost: CostModelLike; limit?: string } {
  const wrapped = withLayerEvents(cost, instance);
  if (!instance.weightsOffloaded) return { cost: wrapped };
  return {
    cost: wrapped,
    limit: 'weights on cpu/cxl memory: idle instances are polled at its layer ends timed without the weight-load waits, and not at the load completions',
  };
}
