// Cost models for the instances of LLMServingSim 2.0's example cluster configs, shared by the reference-run tests.
// LLMServingSim's backend re-polls an idle instance at every layer-node completion of a busy one, so the cost model
// must report its iteration's internal events. Until the kernel reports them natively, withLayerEvents derives them
// from the per-layer breakdown and the Llama layer walk (reference README §2.2).
import { join } from 'node:path';
import { CostModel } from '../src/cost/costModel.js';
import { resolveHardware } from '../src/scenario/hardware.js';
import type { ModelArch } from '../src/scenario/types.js';

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

/** The parts of a cluster config's node and instance entries the cost model reads (LLMServingSim 2.0 JSON names). */
interface ClusterNode {
  cpu_mem: { mem_bw: number; mem_latency: number };
}
interface ClusterInstance {
  hardware: string;
  npu_mem: { mem_bw: number };
}

/** One instance's cost model on LLMServingSim's bf16 profile bundle for its hardware (TP 1), with layer events. */
export async function referenceInstanceCost(ref: string, model: ModelArch, node: ClusterNode, inst: ClusterInstance): Promise<CostModel> {
  const cost = await CostModel.load({
    model,
    hardware: resolveHardware(inst.hardware),
    weightDtype: 'bf16',
    kvDtype: 'bf16',
    tp: 1,
    perfBundle: join(ref, 'profiler', 'perf', inst.hardware, 'meta-llama', 'Llama-3.1-8B', 'bf16'),
    npuMemBwGBps: inst.npu_mem.mem_bw,
    hostMem: { bandwidthGBps: node.cpu_mem.mem_bw, latencyNs: node.cpu_mem.mem_latency },
    maxBatch: 128,
  });
  return withLayerEvents(cost, model.numLayers);
}
