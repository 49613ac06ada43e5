// Test adapter shared by the LLMServingSim 2.0 reference-run tests. LLMServingSim's backend re-polls an idle instance
// at every layer-node completion of a busy one, so the cost model must report its iteration's internal events. Until
// the kernel reports them natively, this derives them from the per-layer breakdown and the Llama layer walk
// (reference README §2.2).
import type { CostModel } from '../src/cost/costModel.js';

const LLAMA_BLOCK = ['layernorm', 'qkv_proj', 'rotary_emb', 'attention', 'o_proj', 'layernorm', 'gate_up_proj', 'act_fn', 'down_proj'];

export function withLayerEvents(cost: CostModel, numLayers: number): CostModel {
  const walk = ['load', 'embedding', ...Array.from({ length: numLayers }, () => LLAMA_BLOCK).flat(), 'final_layernorm', 'lm_head', 'sampler'];
  return Object.assign(cost, {
    internalEventOffsetsNs(out: Float64Array): number {
      const perLayer = cost.breakdown() as unknown as Record<string, number>;
      let t = 0;
      let k = 0;
      for (const layer of walk) {
        t += perLayer[`${layer}_ns`];
        if (k < out.length) out[k++] = t;
      }
      return k;
    },
  });
}
