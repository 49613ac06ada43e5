// Cost models for the instances of LLMServingSim 2.0's example cluster configs, shared by the reference-run tests.
// LLMServingSim's backend re-polls an idle instance at every layer-node completion of a busy one, so the cost model
// reports its iteration's internal events (src/cost/layerEvents.ts, as `sim run` does in compat 'llmservingsim2').
import { join } from 'node:path';
import { CostModel } from '../src/cost/costModel.js';
import { withLayerEvents } from '../src/cost/layerEvents.js';
import { resolveHardware } from '../src/scenario/hardware.js';
import type { ModelArch } from '../src/scenario/types.js';
import type { CostModelLike } from '../src/serving/types.js';

/** The parts of a cluster config's node and instance entries the cost model reads (LLMServingSim 2.0 JSON names). */
interface ClusterNode {
  cpu_mem: { mem_bw: number; mem_latency: number };
}
interface ClusterInstance {
  hardware: string;
  npu_mem: { mem_bw: number };
}

/** One instance's cost model on LLMServingSim's bf16 profile bundle for its hardware (TP 1), with layer events. */
export async function referenceInstanceCost(ref: string, model: ModelArch, node: ClusterNode, inst: ClusterInstance): Promise<CostModelLike> {
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
  return withLayerEvents(cost, { numLayers: model.numLayers, tp: 1, moe: false });
}
