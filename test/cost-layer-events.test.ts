// Layer-node events of an iteration (src/cost/layerEvents.ts): the walk checked by hand on made-up layer times, then
// against the real kernel (the events must end where the iteration does, less the final store), and the wiring in
// prepareScenario (only multi-instance compat 'llmservingsim2' runs get them).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CostModel, COUNTER, type IterationBreakdown } from '../src/cost/costModel.js';
import { costWithLayerEvents, layerEventOffsetsNs, stageEventOffsetsNs, withLayerEvents } from '../src/cost/layerEvents.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { BREAKDOWN_EXTRAS, SLOT_NAMES } from '../src/cost/slots.js';
import { prepareScenario, type Scenario } from '../src/simulate.js';
import { LLAMA_8B, RTXPRO6000, VALIDATION } from './cost-fixtures.js';

const haveAddon = existsSync(join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node'));

/** A breakdown with every entry 0 but those given. */
function breakdown(values: Partial<IterationBreakdown>): IterationBreakdown {
  const out: Record<string, number> = {};
  for (const n of [...SLOT_NAMES, ...BREAKDOWN_EXTRAS]) out[`${n}_ns`] = 0;
  return { ...out, ...values } as IterationBreakdown;
}

const offsets = (ns: IterationBreakdown, layout: Parameters<typeof layerEventOffsetsNs>[1]) => {
  const out = new Float64Array(256);
  return Array.from(out.subarray(0, layerEventOffsetsNs(ns, layout, out)));
};

// Llama-like layer times: load 5, embedding 10; a block of layernorm 1, qkv_proj 2, rotary_emb 3, attention 4,
// o_proj 5, layernorm 1, gate_up_proj 6, act_fn 7, down_proj 8 (37 in all); final_layernorm 9, lm_head 11, sampler 12.
const DENSE = breakdown({
  load_ns: 5, embedding_ns: 10, layernorm_ns: 1, qkv_proj_ns: 2, rotary_emb_ns: 3, attention_ns: 4, o_proj_ns: 5,
  gate_up_proj_ns: 6, act_fn_ns: 7, down_proj_ns: 8, block_ns: 37, final_layernorm_ns: 9, lm_head_ns: 11, sampler_ns: 12,
  allreduce_ns: 100, store_ns: 5,
});

describe('layer walk (by hand)', () => {
  it('tp 1: load, embedding, each block layer by layer, then the head; qk_norm (0 ns) leaves no event', () => {
    expect(offsets(DENSE, { numLayers: 2, tp: 1, moe: false })).toEqual([
      5, 15,
      16, 18, 21, 25, 30, 31, 37, 44, 52, // block 0
      53, 55, 58, 62, 67, 68, 74, 81, 89, // block 1
      98, 109, 121,
    ]);
  });

  it('tp 2: an all-reduce (100 ns) after o_proj and after down_proj of every block', () => {
    expect(offsets(DENSE, { numLayers: 2, tp: 2, moe: false })).toEqual([
      5, 15,
      16, 18, 21, 25, 30, 130, 131, 137, 144, 152, 252,
      253, 255, 258, 262, 267, 367, 368, 374, 381, 389, 489,
      498, 509, 521,
    ]);
  });

  it('tp 2 with the first ring step of each all-reduce known (40 of its 100 ns): an event there too', () => {
    expect(offsets({ ...DENSE, allreduce_first_step_ns: 40 }, { numLayers: 1, tp: 2, moe: false })).toEqual([
      5, 15, 16, 18, 21, 25, 30, 70, 130, 131, 137, 144, 152, 192, 252, 261, 272, 284,
    ]);
  });

  it('MoE (Qwen3 layout): qk_norm, one all-reduce after o_proj, moe then its dispatch + combine', () => {
    const moe = breakdown({
      load_ns: 1, embedding_ns: 2, layernorm_ns: 1, qkv_proj_ns: 2, qk_norm_ns: 1, rotary_emb_ns: 1, attention_ns: 3, o_proj_ns: 2,
      moe_ns: 20, block_ns: 31, moe_comm_ns: 50, allreduce_ns: 10, final_layernorm_ns: 1, lm_head_ns: 2, sampler_ns: 3,
    });
    expect(offsets(moe, { numLayers: 1, tp: 2, moe: true })).toEqual([1, 3, 4, 6, 7, 8, 11, 13, 23, 24, 44, 94, 95, 97, 100]);
  });

  it('a v0.2.1 CSV (only block_ns complete): one event per block, then its all-reduces', () => {
    const v021 = breakdown({ embedding_ns: 10, rotary_emb_ns: 3, attention_ns: 4, block_ns: 50, lm_head_ns: 7, allreduce_ns: 100 });
    expect(offsets(v021, { numLayers: 2, tp: 2, moe: false })).toEqual([10, 60, 160, 260, 310, 410, 510, 517]);
  });

  it('pipeline stages (3 blocks over pp 2): stage 0 has the input load, the embedding and 2 blocks; stage 1 one block and the head', () => {
    const layout = { numLayers: 3, tp: 1, moe: false };
    const stage = (s: number) => {
      const out = new Float64Array(64);
      return Array.from(out.subarray(0, stageEventOffsetsNs(DENSE, layout, s, 2, out)));
    };
    expect(stage(0)).toEqual([5, 15, 16, 18, 21, 25, 30, 31, 37, 44, 52, 53, 55, 58, 62, 67, 68, 74, 81, 89]);
    expect(stage(1)).toEqual([1, 3, 6, 10, 15, 16, 22, 29, 37, 46, 57, 69]);
    // pp 1 is the whole walk
    expect(offsets(DENSE, layout)).toEqual([...stage(0), ...[90, 92, 95, 99, 104, 105, 111, 118, 126, 135, 146, 158]]);
    expect(() => stageEventOffsetsNs(DENSE, layout, 2, 2, new Float64Array(8))).toThrow(/stage 2 of 2/);
  });

  it('an array too short gets what fits and the full count (the CostModelLike contract)', () => {
    const out = new Float64Array(4);
    expect(layerEventOffsetsNs(DENSE, { numLayers: 2, tp: 1, moe: false }, out)).toBe(23);
    expect(Array.from(out)).toEqual([5, 15, 16, 18]);
  });
});

describe.skipIf(!haveAddon)('layer events of the real kernel (roofline, RTX PRO 6000 numbers)', () => {
  const load = (tp: number) =>
    CostModel.load({
      model: LLAMA_8B, hardware: RTXPRO6000, weightDtype: 'bf16', kvDtype: 'bf16', tp, maxBatch: 16,
      link: VALIDATION.RTXPRO6000.link, hostMem: { bandwidthGBps: 50, latencyNs: 100 },
    });

  it('events ascend and the last one plus the store is the iteration time, for any batch, tp 1 and 2', async () => {
    for (const tp of [1, 2]) {
      const raw = await load(tp);
      const cost = withLayerEvents(raw, { numLayers: LLAMA_8B.numLayers, tp, moe: false });
      expect(cost.newTokens).toBe(raw.newTokens);
      expect(cost.counters).toBe(raw.counters);
      expect(cost.decodeGroup).toBe(raw.decodeGroup);
      const out = new Float64Array(512);
      fc.assert(
        fc.property(fc.array(fc.record({ newTokens: fc.integer({ min: 1, max: 512 }), before: fc.integer({ min: 0, max: 4096 }) }), { minLength: 1, maxLength: 16 }), (rows) => {
          rows.forEach((r, i) => {
            cost.newTokens[i] = r.newTokens;
            cost.computedBefore[i] = r.before;
          });
          const latencyNs = cost.iterate(rows.length);
          const count = cost.internalEventOffsetsNs!(out);
          // load + embedding + 32 blocks of 9 layers (+ 2 all-reduces of 2 ring-step events at tp 2) + 3 head layers;
          // none is 0 ns here
          expect(count).toBe(2 + 32 * (tp > 1 ? 13 : 9) + 3);
          for (let k = 1; k < count; k++) expect(out[k]).toBeGreaterThan(out[k - 1]);
          expect(out[count - 1] + raw.breakdown().store_ns).toBe(latencyNs);
        }),
        { numRuns: 50 },
      );
    }
  });
});

describe.skipIf(!haveAddon)('stage walks of the real kernel (pp 3, roofline)', () => {
  it("each stage's last event is the kernel's stage time (less the store on the last stage)", async () => {
    const pp = 3;
    const cost = await CostModel.load({
      model: LLAMA_8B, hardware: RTXPRO6000, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, pp, maxBatch: 16,
      link: VALIDATION.RTXPRO6000.link, hostMem: { bandwidthGBps: 50, latencyNs: 100 },
    });
    const out = new Float64Array(512);
    const out2 = new Float64Array(512);
    const wrapped = withLayerEvents(cost, { numLayers: 32, tp: 1, moe: false, pp }) as ReturnType<typeof withLayerEvents> & { stageEventOffsetsNs(s: number, o: Float64Array): number };
    for (const [newTokens, before] of [[300, 0], [1, 2000], [17, 64]]) {
      cost.newTokens[0] = newTokens;
      cost.computedBefore[0] = before;
      cost.iterate(1);
      const ns = cost.breakdown();
      for (let s = 0; s < pp; s++) {
        const count = stageEventOffsetsNs(ns, { numLayers: 32, tp: 1, moe: false }, s, pp, out);
        expect(wrapped.stageEventOffsetsNs(s, out2)).toBe(count);
        expect(out2.subarray(0, count)).toEqual(out.subarray(0, count));
        expect(count).toBe((s === 0 ? 2 : 0) + (s < 2 ? 11 : 10) * 9 + (s === pp - 1 ? 3 : 0));
        expect(out[count - 1] + (s === pp - 1 ? ns.store_ns : 0)).toBe(cost.counters[COUNTER.stageNs + s]);
      }
    }
  });
});

describe.skipIf(!haveAddon)('which runs get layer events (prepareScenario)', () => {
  const cluster = (instances: Record<string, unknown>[]): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'servesim-layer-events-')), 'cluster.json');
    const inst = { model_name: 'meta-llama/Llama-3.1-8B', hardware: 'RTXPRO6000', npu_mem: { mem_size: 96, mem_bw: 1597, mem_latency: 0 }, tp_size: 1, pd_type: null };
    writeFileSync(
      file,
      JSON.stringify({
        num_nodes: 1, link_bw: 16, link_latency: 20000,
        nodes: [{ num_instances: instances.length, cpu_mem: { mem_size: 64, mem_bw: 256, mem_latency: 0 }, instances: instances.map((o) => ({ ...inst, ...o })) }],
      }),
    );
    return file;
  };
  const scenario = (file: string, compat: 'llmservingsim2' | 'vllm'): Scenario => {
    const trace = join(mkdtempSync(join(tmpdir(), 'servesim-layer-events-')), 'trace.jsonl');
    writeFileSync(trace, '{"input_toks": 8, "output_toks": 2, "arrival_time_ns": 0}\n');
    return { clusterConfig: file, workload: { kind: 'file', path: trace }, compat };
  };
  const hasEvents = async (file: string, compat: 'llmservingsim2' | 'vllm') =>
    (await prepareScenario(scenario(file, compat))).instances.map((i) => typeof i.cost.internalEventOffsetsNs === 'function');

  it("compat 'llmservingsim2' with two instances: both; one instance or compat 'vllm': none", async () => {
    expect(await hasEvents(cluster([{}, {}]), 'llmservingsim2')).toEqual([true, true]);
    expect(await hasEvents(cluster([{}]), 'llmservingsim2')).toEqual([false]);
    expect(await hasEvents(cluster([{}, {}]), 'vllm')).toEqual([false, false]);
  });

  it("a pipelined instance gets them even alone (its start NPU is polled at its own stages' events)", async () => {
    const p = await prepareScenario(scenario(cluster([{ num_npus: 2, pp_size: 2 }]), 'llmservingsim2'));
    expect(p.instances.map((i) => typeof (i.cost as { stageEventOffsetsNs?: unknown }).stageEventOffsetsNs === 'function')).toEqual([true]);
  });

  it('weights off the NPU are a stated limit', () => {
    const fake = { newTokens: new Int32Array(1), computedBefore: new Int32Array(1), iterate: () => 1, breakdown: () => DENSE };
    expect(costWithLayerEvents(fake, { numLayers: 2, tp: 1, moe: false, pp: 1, weightsOffloaded: false })).toEqual({ cost: expect.anything() });
    expect(costWithLayerEvents(fake, { numLayers: 2, tp: 1, moe: false, pp: 1, weightsOffloaded: true }).limit).toMatch(/without the weight-load waits/);
  });
});
