// The roofline-only cost model and the LLMServingSim v0.2.1 CSV model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTER, CostModel } from '../src/cost/costModel.js';
import type { Dtype } from '../src/scenario/types.js';
import { HAS_REFERENCE, LLAMA_8B, NO_REFERENCE_REASON, REFERENCE, RTX4090, bundleDir } from './cost-fixtures.js';

// Llama-3.1-8B GEMM parameters: 32 x (q,k,v 4096x6144 + o 4096x4096 + gate,up,down 3x4096x14336) + lm_head 4096x128256.
const LINEAR_PARAMS = 32 * (4096 * 6144 + 4096 * 4096 + 3 * 4096 * 14336) + 4096 * 128256;

const roofline = (weightDtype: Dtype = 'bf16') =>
  CostModel.load({ model: LLAMA_8B, hardware: RTX4090, weightDtype, kvDtype: 'bf16', tp: 1 });

function decodes(cm: CostModel, kvs: number[]): number {
  kvs.forEach((kv, i) => {
    cm.newTokens[i] = 1;
    cm.computedBefore[i] = kv;
  });
  return cm.iterate(kvs.length);
}

describe('roofline cost model', () => {
  it('times every Llama layer by the roofline and says so', async () => {
    const cm = await roofline();
    expect(cm.source).toBe('roofline');
    decodes(cm, [100]);
    expect(cm.counters[COUNTER.roofline]).toBe(12);
    expect(cm.counters[COUNTER.lookups]).toBe(0);
    const sources = cm.layerSources();
    expect(sources.attention).toBe('roofline');
    expect(sources.qk_norm).toBe('absent');
    expect(sources.moe).toBe('absent');
  });
  it('FLOPs of a decode batch are 2 x linear params per token plus a little attention', async () => {
    const cm = await roofline();
    decodes(cm, Array.from({ length: 64 }, () => 512));
    const ratio = cm.counters[COUNTER.flops] / (2 * 64 * LINEAR_PARAMS);
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.02);
  });
  it('HBM bytes of one decode are about the bf16 weights (16 GB), once', async () => {
    const cm = await roofline();
    decodes(cm, [10]);
    const ratio = cm.counters[COUNTER.hbmBytes] / (2 * LINEAR_PARAMS);
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.01);
  });
  it('a decode step is memory bound: int4 weights make it faster, longer contexts slower', async () => {
    const bf16 = await roofline('bf16');
    const int4 = await roofline('int4');
    const t16 = decodes(bf16, [1000, 2000]);
    const t4 = decodes(int4, [1000, 2000]);
    expect(t4).toBeLessThan(t16 * 0.5);
    expect(decodes(bf16, [20000, 20000])).toBeGreaterThan(t16);
    // bf16 weights over the RTX 4090's 1008 GB/s at 85 %: about 2 x 7.5e9 B / 856.8 B/ns = 17.5 ms.
    expect(t16 / 1e6).toBeGreaterThan(17.5);
    expect(t16 / 1e6).toBeLessThan(19);
  });
  it('same inputs give the same integer ns (deterministic)', async () => {
    const a = await roofline();
    const b = await roofline();
    a.newTokens[0] = b.newTokens[0] = 777;
    a.computedBefore[0] = b.computedBefore[0] = 33;
    const ta = a.iterate(1);
    expect(Number.isInteger(ta)).toBe(true);
    expect(b.iterate(1)).toBe(ta);
  });
  it.skipIf(!HAS_REFERENCE)('FLOP and byte counters do not depend on what timed the layers', async () => {
    const profile = await CostModel.load({
      model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfBundle: bundleDir('RTX4090'),
    });
    const roof = await roofline();
    for (const cm of [profile, roof]) {
      cm.newTokens.set([1, 1, 500]);
      cm.computedBefore.set([40, 90, 0]);
      cm.iterate(3);
    }
    expect(profile.counters[COUNTER.flops]).toBe(roof.counters[COUNTER.flops]);
    expect(profile.counters[COUNTER.hbmBytes]).toBe(roof.counters[COUNTER.hbmBytes]);
    expect(profile.counters[COUNTER.latencyNs]).not.toBe(roof.counters[COUNTER.latencyNs]);
  });
});

describe('MoE models on the roofline', () => {
  // Qwen3-30B-A3B: 48 layers, hidden 2048, 32/4 heads of 128, 128 experts (top-8) of width 768, vocab 151936.
  const qwen3Moe = {
    ...LLAMA_8B, name: 'qwen3-30b-a3b', hfId: 'Qwen/Qwen3-30B-A3B', modelType: 'qwen3_moe', hiddenSize: 2048, numLayers: 48,
    numHeads: 32, numKvHeads: 4, headDim: 128, intermediateSize: 0, vocabSize: 151936,
    moe: { numExperts: 128, expertsPerToken: 8, expertIntermediateSize: 768, numSharedExperts: 0, sharedExpertIntermediateSize: 0 },
  };
  // Active GEMM parameters per token: 48 x (q,k,v 2048x5120 + o 4096x2048 + router 2048x128 + 8 experts x 3 x 2048x768)
  // + lm_head 2048x151936.
  const ACTIVE = 48 * (2048 * 5120 + 4096 * 2048 + 2048 * 128 + 8 * 3 * 2048 * 768) + 2048 * 151936;
  it('the MoE block replaces the dense MLP, qk_norm is timed, FLOPs follow the active parameters', async () => {
    const cm = await CostModel.load({ model: qwen3Moe, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1 });
    const sources = cm.layerSources();
    expect([sources.moe, sources.qk_norm, sources.gate_up_proj]).toEqual(['roofline', 'roofline', 'absent']);
    decodes(cm, Array.from({ length: 64 }, () => 256));
    // plus attention: 48 layers x 4 x 32 heads x 128 x 64 decodes x 257 keys each
    const ratio = cm.counters[COUNTER.flops] / (2 * 64 * ACTIVE + 48 * 4 * 32 * 128 * 64 * 257);
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.01);
    expect(cm.breakdown().moe_ns).toBeGreaterThan(0);
  });
  it('ep must divide the experts; ep > 1 adds the dispatch and combine collectives', async () => {
    const base = { model: qwen3Moe, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 2, link: { bandwidthGBps: 16, latencyNs: 1000 } } as const;
    await expect(CostModel.load({ ...base, ep: 3 })).rejects.toThrow(/ep 3 must divide the 128 experts/);
    const cm = await CostModel.load(base); // ep defaults to tp for MoE models
    decodes(cm, [100, 200]);
    const b = cm.breakdown();
    expect(b.moe_comm_ns).toBeGreaterThan(0);
    expect(cm.counters[COUNTER.commNs]).toBe(48 * (b.allreduce_ns + b.moe_comm_ns));
  });
});

describe.skipIf(!HAS_REFERENCE)(`LLMServingSim v0.2.1 CSV (${HAS_REFERENCE ? 'reference present' : NO_REFERENCE_REASON})`, () => {
  const v021 = join(REFERENCE, 'llmservingsim', 'v0.2.1');
  const csv = join(v021, 'perf_model', 'RTX3090.csv');
  const instruct = { ...LLAMA_8B, hfId: 'meta-llama/Llama-3.1-8B-Instruct' };
  // Independent reader: the raw row value of (layer, input, kv_cache).
  const raw = new Map<string, number>();
  if (HAS_REFERENCE) {
    for (const line of readFileSync(csv, 'utf8').split(/\r?\n/).slice(1)) {
      const [, , layer, input, kv, ns] = line.split(',');
      // (1, 0) appears twice per layer; the prefill sweep's row (the first) is the one per-token layers use.
      if (layer && !raw.has(`${layer},${input},${kv}`)) raw.set(`${layer},${input},${kv}`, Number(ns));
    }
  }
  const at = (layer: string, input: number, kv = 0) => raw.get(`${layer},${input},${kv}`)!;
  const BLOCK = ['input_layernorm', 'q_proj', 'k_proj', 'v_proj', 'o_proj', 'post_layernorm', 'gate_proj', 'up_proj', 'act_fn', 'down_proj'];
  const load = () => CostModel.load({ model: instruct, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfCsv: csv });

  it('a decode: per-token layers at input 1, rope/attn at (1, kv)', async () => {
    const cm = await load();
    expect(cm.source).toBe('v0.2.1-csv');
    const ns = decodes(cm, [100]);
    const block = BLOCK.reduce((s, l) => s + at(l, 1), 0) + at('rope', 1, 100) + at('attn', 1, 100);
    expect(ns).toBe(at('embedding', 1) + 32 * block + at('final_layernorm', 1) + at('lm_head', 1));
  });
  it('a prefill and a decode: per-token layers at total_len, the prefill rope/attn at its length', async () => {
    const cm = await load();
    cm.newTokens.set([190, 1]);
    cm.computedBefore.set([0, 300]);
    const ns = cm.iterate(2);
    const block = BLOCK.reduce((s, l) => s + at(l, 191), 0) + at('rope', 190) + at('attn', 190) + at('rope', 1, 300) + at('attn', 1, 300);
    expect(ns).toBe(at('embedding', 191) + 32 * block + at('final_layernorm', 191) + at('lm_head', 191));
  });
  it("matches the trace example's per-token layers for its 95-token batch", async () => {
    const trace = readFileSync(join(v021, 'trace_test', 'inputs', 'trace', 'RTX3090_meta-llama', 'Llama-3.1-8B-Instruct_batch0.txt'), 'utf8');
    const comp = (name: string) => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(trace)![1]);
    const cm = await load();
    cm.newTokens[0] = 95;
    cm.computedBefore[0] = 0;
    cm.iterate(1);
    const b = cm.breakdown();
    expect(b.embedding_ns).toBe(comp('embedding_2'));
    expect(b.lm_head_ns).toBe(comp('final_layernorm_931') + comp('lm_head_932'));
    // rope_8 of the trace is the prefill row at the request's 316-token context length.
    cm.newTokens[0] = 316;
    cm.iterate(1);
    expect(cm.breakdown().rotary_emb_ns).toBe(comp('rope_8'));
    expect(cm.breakdown().attention_ns).toBe(comp('attn_9'));
  });
  it('counts lookups and extrapolation beyond 2048 tokens', async () => {
    const cm = await load();
    decodes(cm, [100]);
    expect(cm.counters[COUNTER.lookups]).toBe(15); // embedding + 10 block layers + final + lm_head + rope + attn
    expect(cm.counters[COUNTER.extrapolated]).toBe(0);
    decodes(cm, [5000]);
    expect(cm.counters[COUNTER.extrapolated]).toBe(2); // rope and attn decode rows end at kv 2047
  });
});
