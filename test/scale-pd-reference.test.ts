// P/D disaggregation against LLMServingSim 2.0's own P/D example (reference README §2.8, §7.3):
// configs/cluster/single_node_pd_instance.json (one prefill, one decode RTX PRO 6000 instance, link 16 GB/s, 20 µs)
// on workloads/example_trace.jsonl; outputs/example_pd_run.csv is what LLMServingSim wrote. Needs ../shared and the
// built addon (skips otherwise).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { resolveModel } from '../src/scenario/model.js';
import { kvBytesPerToken, weightBytesPerRank } from '../src/scenario/modelMath.js';
import { planKvBlocks } from '../src/serving/memoryPlan.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type InstanceSetup, type RequestRecord } from '../src/serving/types.js';
import { loadWorkload } from '../src/workload/load.js';
import { referenceInstanceCost } from './reference-instance.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const haveRef = existsSync(join(REF, 'outputs', 'example_pd_run.csv'));
const haveAddon = existsSync(join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node'));

interface Row {
  instanceId: number;
  requestId: number;
  endNs: number;
  ttftNs: number;
  itlNs: number[];
}

function readRows(file: string): Row[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((line) => {
    const m = /^(\d+),(\d+),[^,]*,(\d+),(\d+),(\d+),(\d+),(\d+),(-?\d+),(\d+),(\d+),"\[(.*)\]"$/.exec(line);
    if (!m) throw new Error(`${file}: unexpected row ${line.slice(0, 60)}`);
    return { instanceId: +m[1], requestId: +m[2], endNs: +m[6], ttftNs: +m[9], itlNs: m[11] ? m[11].split(', ').map(Number) : [] };
  });
}

describe.skipIf(!haveRef || !haveAddon)('P/D disaggregation vs LLMServingSim 2.0 example_pd_run.csv', () => {
  it('every request is served by the decode instance; end times, TTFTs and ITLs equal LLMServingSim to the ns', async () => {
    const cluster = JSON.parse(readFileSync(join(REF, 'configs', 'cluster', 'single_node_pd_instance.json'), 'utf8'));
    const model = await resolveModel(join(REF, 'configs', 'model', 'meta-llama', 'Llama-3.1-8B.json'));
    const node = cluster.nodes[0];
    const instances: InstanceSetup[] = [];
    for (const [instanceId, inst] of node.instances.entries()) {
      const cost = await referenceInstanceCost(REF, model, node, inst);
      const kvBytes = kvBytesPerToken(model, 'bf16', { tp: 1, pp: 1 });
      instances.push({
        instanceId,
        modelName: inst.model_name,
        cost,
        knobs: { ...DEFAULT_KNOBS },
        numKvBlocks: planKvBlocks({ memSizeGiB: inst.npu_mem.mem_size, memUtil: 0.9, weightBytes: weightBytesPerRank(model, 'bf16', { tp: 1, pp: 1, ep: 1 }), kvBytesPerToken: kvBytes, blockSize: 16 }),
        maxPositionEmbeddings: model.maxPositionEmbeddings,
        pdRole: inst.pd_type,
        kvBytesPerToken: kvBytes,
        numLayers: model.numLayers,
      });
    }
    const records: Row[] = [];
    runServing({
      instances,
      source: await loadWorkload(join(REF, 'workloads', 'example_trace.jsonl'), { numReqs: 10 }),
      compat: 'llmservingsim2',
      router: 'load',
      kvTransferLink: { bandwidthGBps: cluster.link_bw, latencyNs: cluster.link_latency },
      observer: { onRequest: (r: RequestRecord) => records.push({ instanceId: r.instanceId, requestId: r.requestId, endNs: r.endNs, ttftNs: r.ttftNs, itlNs: Array.from(r.itlNs) }) },
    });
    const ref = readRows(join(REF, 'outputs', 'example_pd_run.csv'));
    expect(records.map((r) => r.requestId)).toEqual(ref.map((r) => r.requestId)); // completion order
    expect(records.every((r) => r.instanceId === 1)).toBe(true); // finished on the decode instance
    expect(records.map((r) => r.endNs)).toEqual(ref.map((r) => r.endNs));
    // TTFT is stamped on the prefill instance; every ITL (the first one includes the handoff) on the decode one.
    expect(records.map((r) => r.ttftNs)).toEqual(ref.map((r) => r.ttftNs));
    expect(records.map((r) => r.itlNs)).toEqual(ref.map((r) => r.itlNs));
  });
});
