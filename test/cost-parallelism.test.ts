// Parallelism in the kernel against hand computation: TP all-reduces (README §2.4, §3.6), pipeline stages
// (§2.5), the P/D K/V transfer (§2.8). MoE routing skew is unit-tested in native/tests/moe_test.cc.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTER, CostModel, type CostModelOptions } from '../src/cost/costModel.js';
import { buildRooflineBundle } from '../src/cost/perfModelBuild.js';
import { InputError } from '../src/errors.js';
import { LLAMA_8B, RTX4090 } from './cost-fixtures.js';

const GIB_PER_GB = 2 ** 30 / 1e9;
const base = { model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16' } as const;
const link = { bandwidthGBps: 25, latencyNs: 5000 };
const linkBytesPerNs = 25 * GIB_PER_GB; // cluster link_bw is read as GiB/s, like ASTRA-Sim (README §3.6)
const npuMemBwGBps = 1000;

function step(cm: CostModel, batch: [number, number][]): number {
  batch.forEach(([add, before], i) => {
    cm.newTokens[i] = add;
    cm.computedBefore[i] = before;
  });
  return cm.iterate(batch.length);
}

// Ring all-reduce of S bytes over p ranks (README §3.6, integer form of native/core/collectives.h):
// 2(p-1) link steps of lat + floor((S/p)/B_link) + 1, 3(p-1) memory passes of floor((S/p)/B_mem) + 1 + 5, plus 10.
function allReduceByHand(S: number, p: number): number {
  const chunk = S / p;
  return 2 * (p - 1) * (link.latencyNs + Math.floor(chunk / linkBytesPerNs) + 1) + 3 * (p - 1) * (Math.floor(chunk / npuMemBwGBps) + 1 + 5) + 10;
}

describe('tensor parallelism', () => {
  it('a TP degree that does not divide the heads is an input error naming tp', async () => {
    await expect(CostModel.load({ ...base, tp: 3, link })).rejects.toThrow(/tp 3 does not divide the 32 attention heads \/ 8 KV heads/);
    // 16 > 8 KV heads: replicated, as vLLM does; allowed
    await expect(CostModel.load({ ...base, tp: 16, link })).resolves.toBeInstanceOf(CostModel);
  });

  it('TP2 vs TP1 on the same layer tables: the step differs by 2 all-reduces per block of S = total_len x hidden x 2 bytes', async () => {
    // One roofline bundle whose tp2/ holds the tp1 tables: the compute is equal, only the collectives differ.
    const out = mkdtempSync(join(tmpdir(), 'servesim-tp-'));
    const { variantDir } = await buildRooflineBundle({ ...base, tp: 1, outRoot: out });
    cpSync(join(variantDir, 'tp1'), join(variantDir, 'tp2'), { recursive: true });
    const tp1 = await CostModel.load({ ...base, tp: 1, perfBundle: variantDir });
    const tp2 = await CostModel.load({ ...base, tp: 2, perfBundle: variantDir, link, npuMemBwGBps });
    for (const batch of [
      Array.from({ length: 16 }, () => [1, 1024] as [number, number]), // 16 tokens: S = 131,072 B
      [[512, 0], [1, 300]] as [number, number][], // 513 tokens
    ]) {
      const tokens = batch.reduce((s, [a]) => s + a, 0);
      const S = tokens * 4096 * 2;
      const t1 = step(tp1, batch);
      const t2 = step(tp2, batch);
      expect(t2 - t1).toBe(32 * 2 * allReduceByHand(S, 2));
      expect(tp2.counters[COUNTER.commNs]).toBe(32 * 2 * allReduceByHand(S, 2));
      expect(tp2.counters[COUNTER.computeNs]).toBe(tp1.counters[COUNTER.computeNs]);
    }
    // The hand formula in numbers for 16 tokens (S = 131,072 B, chunks of 65,536 B) on the 25 GB/s, 5 µs link:
    // 2 x (5000 + floor(65536 / 26.84) + 1) + 3 x (floor(65536 / 1000) + 1 + 5) + 10.
    expect(allReduceByHand(131072, 2)).toBe(2 * (5000 + 2441 + 1) + 3 * (65 + 6) + 10);
  });
});

describe('pipeline parallelism', () => {
  const hostMem = { bandwidthGBps: 50, latencyNs: 100 };
  const batch: [number, number][] = [[256, 0], ...Array.from({ length: 8 }, () => [1, 2048] as [number, number])]; // 264 tokens

  it('pp = 3 over 32 blocks: stages of 11, 11 and 10 blocks; the first adds load + embedding, the last the head + store', async () => {
    const flat = await CostModel.load({ ...base, tp: 1, hostMem });
    const piped = await CostModel.load({ ...base, tp: 1, pp: 3, link, hostMem });
    expect(piped.pp).toBe(3);
    const tFlat = step(flat, batch);
    const t = step(piped, batch);
    const b = piped.breakdown();
    const head = b.final_layernorm_ns + b.lm_head_ns + b.sampler_ns;
    // host load / store: latency + floor(264 x 2 x 2 bytes / 50 bytes/ns) = 100 + 21
    expect(b.load_ns).toBe(121);
    const stages = [0, 1, 2].map((s) => piped.counters[COUNTER.stageNs + s]);
    expect(piped.counters[COUNTER.stageCount]).toBe(3);
    expect(stages).toEqual([121 + b.embedding_ns + 11 * b.block_ns, 11 * b.block_ns, 10 * b.block_ns + head + 121]);
    // the hidden state, 264 x 4096 x 2 bytes, point-to-point between stages: latency + bytes / B_link, rounded down
    // as ASTRA-Sim times it (LLMServingSim's example_pp_run.csv; native/tests/pipeline_send_test.cc)
    const send = 5000 + Math.floor((264 * 4096 * 2) / linkBytesPerNs);
    expect(piped.counters[COUNTER.ppSendNs]).toBe(send);
    expect(t).toBe(stages[0] + stages[1] + stages[2] + 2 * send);
    // the same work as without pipelining, plus the two sends
    expect(t).toBe(tFlat + 2 * send);
    expect(flat.counters[COUNTER.stageNs]).toBe(tFlat);
  });

  it('pp = 2 with TP 2: each stage carries its blocks\' all-reduces', async () => {
    const tp2 = await CostModel.load({ ...base, tp: 2, link, npuMemBwGBps });
    const both = await CostModel.load({ ...base, tp: 2, pp: 2, link, npuMemBwGBps });
    step(tp2, batch);
    step(both, batch);
    const b = both.breakdown();
    const perBlock = b.block_ns + 2 * allReduceByHand(264 * 4096 * 2, 2);
    expect(both.counters[COUNTER.stageNs + 1] - (b.final_layernorm_ns + b.lm_head_ns + b.sampler_ns)).toBe(16 * perBlock);
    expect(both.counters[COUNTER.stageNs]).toBe(b.embedding_ns + 16 * perBlock);
  });

  it('rejects more stages than layers, and pp > 1 without a link', async () => {
    await expect(CostModel.load({ ...base, model: { ...LLAMA_8B, numLayers: 4 }, tp: 1, pp: 5, link })).rejects.toThrow(/pp 5 exceeds the 4 layers/);
    await expect(CostModel.load({ ...base, tp: 1, pp: 33, link })).rejects.toThrow(/field 'pp'.*<=32/); // the kernel reports 32 stages at most
    await expect(CostModel.load({ ...base, tp: 1, pp: 2 })).rejects.toThrow(InputError);
  });
});

describe('prefill/decode disaggregation: K/V transfer', () => {
  const opts: CostModelOptions = { ...base, tp: 1, link, pdRole: 'prefill' };

  it('a request hand-off takes bytes / bandwidth + latency', async () => {
    const cm = await CostModel.load(opts);
    // 1000 tokens x 2 (K, V) x 8 kv heads x 128 x 2 bytes x 32 layers = 131,072,000 B on the one rank;
    // 131,072,000 B / (25 x 2^30 / 10^9 B/ns) = 4,882,812.5 ns, rounded up to the next ns, + 5,000 ns latency.
    expect(cm.kvTransfer(1000)).toEqual({ bytes: 131_072_000, ns: 4_887_813 });
    // tp 2: each rank holds and sends half the heads, in parallel: 65,536,000 B -> 2,441,406.25 -> 2,441,407 ns
    const tp2 = await CostModel.load({ ...opts, tp: 2 });
    expect(tp2.kvTransfer(1000)).toEqual({ bytes: 65_536_000, ns: 5000 + 2_441_407 });
    expect(Math.ceil(65_536_000 / linkBytesPerNs)).toBe(2_441_407);
  });

  it('a prefill step streams each block\'s new K/V after qkv_proj: one send per block', async () => {
    const cm = await CostModel.load(opts);
    step(cm, [[512, 0]]);
    // per block 512 x 2 x 8 x 128 x 2 = 2,097,152 B -> 5000 + 78,125 ns; 32 blocks
    expect(cm.counters[COUNTER.kvTransferBytes]).toBe(32 * 2_097_152);
    expect(cm.counters[COUNTER.kvTransferNs]).toBe(32 * (5000 + 78_125));
    const plain = await CostModel.load({ ...base, tp: 1 });
    step(plain, [[512, 0]]);
    expect(plain.counters[COUNTER.kvTransferBytes]).toBe(0);
  });
});

describe('data-parallel groups: padding to the group\'s largest batch (README §2.7)', () => {
  it('dummy decodes count for the per-token layers, lm_head and the all-reduces, not for attention', async () => {
    const opts = { ...base, tp: 2, link, npuMemBwGBps } as const;
    const member = await CostModel.load(opts);
    const ten = Array.from({ length: 10 }, () => [1, 3000] as [number, number]);
    step(member, ten);
    const alone = member.breakdown();
    const allReduceAlone = member.breakdown().allreduce_ns;
    member.dpPad[0] = 64; // the group's largest total_len
    member.dpPad[1] = 64; // and num_seqs
    step(member, ten);
    const padded = member.breakdown();
    // per-token layers and lm_head as for 64 one-token requests ...
    const sixtyFour = await CostModel.load(opts);
    step(sixtyFour, Array.from({ length: 64 }, () => [1, 0] as [number, number]));
    const big = sixtyFour.breakdown();
    for (const k of ['embedding_ns', 'qkv_proj_ns', 'gate_up_proj_ns', 'down_proj_ns', 'lm_head_ns', 'sampler_ns', 'allreduce_ns'] as const) {
      expect(padded[k], k).toBe(big[k]);
    }
    expect(padded.allreduce_ns).toBeGreaterThan(allReduceAlone);
    // ... and attention as for the ten real decodes
    expect(padded.attention_ns).toBe(alone.attention_ns);
    // an idle member still runs the padded dummy batch; no padding again gives the unpadded step
    expect(step(member, [])).toBeGreaterThan(0);
    member.dpPad.fill(0);
    expect(step(member, [])).toBe(0);
    step(member, ten);
    expect(member.breakdown()).toEqual(alone);
  });
});
