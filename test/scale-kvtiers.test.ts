// Tiered KV cache (host CPU / CXL below the GPU pool): swap on preemption instead of recompute, and prefix-cache
// blocks evicted from the GPU served from a tier at its bandwidth. Timings by hand on a linear test cost model.
import { describe, expect, it } from 'vitest';
import { KvTiers, tierTransferNs, type KvTiersOptions } from '../src/serving/kvTiers.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type InstanceSetup, type IterationRecord, type RequestRecord } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { LinearCost, ListSource } from './serving-fakes.js';

const A = 10_000; // ns per step
const B = 100; // ns per new token
const KV_BYTES = 1000; // per token
const CPU = { name: 'cpu', capacityBytes: 1_000_000, bandwidthGBps: 1, latencyNs: 500 }; // 1 GB/s = 1 B/ns

function spec(id: number, arrivalNs: number, inputToks: number, outputToks: number, tokBase = id * 1000): RequestSpec {
  return {
    id,
    arrivalNs,
    inputToks,
    outputToks,
    inputTokIds: Array.from({ length: inputToks }, (_, j) => tokBase + j),
    outputTokIds: Array.from({ length: outputToks }, (_, j) => 500_000 + id * 100 + j),
  };
}

function run(specs: RequestSpec[], numKvBlocks: number, kvTiers: KvTiersOptions | undefined, knobs = {}) {
  const cost = new LinearCost(A, B);
  const setup: InstanceSetup = {
    instanceId: 0,
    modelName: 'm',
    cost,
    knobs: { ...DEFAULT_KNOBS, blockSize: 4, reserveFullIsl: false, ...knobs },
    numKvBlocks,
    kvBytesPerToken: KV_BYTES,
    ...(kvTiers ? { kvTiers } : {}),
  };
  const records: RequestRecord[] = [];
  const iterations: IterationRecord[] = [];
  const totals = runServing({
    instances: [setup],
    source: new ListSource(specs),
    observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }), onIteration: (it) => iterations.push({ ...it }) },
  });
  // What each step cost beyond the compute model: the tier transfers it waited for.
  const extraNs = iterations.map((it, i) => it.endNs - it.startNs - (A + B * cost.batches[i].newTokens.reduce((x, y) => x + y, 0)));
  return { records, totals, iterations, extraNs, cost };
}

describe('KV tiers', () => {
  it('transfer time is latency + bytes / bandwidth (decimal GB/s), rounded up to the ns', () => {
    expect(tierTransferNs(8000, CPU)).toBe(8500);
    expect(tierTransferNs(1001, { ...CPU, bandwidthGBps: 2 })).toBe(500 + 501);
  });

  it('swap: a preempted request goes to host memory and comes back without recomputation', () => {
    // Blocks of 4 tokens, a pool of 5. Two 8-token prompts (2 blocks each) decode side by side; at 9 tokens each needs
    // a third block: 0 takes the 5th, 1 finds none and preempts itself with 8 computed tokens (its first token is out).
    const specs = [spec(0, 0, 8, 8), spec(1, 0, 8, 8)];
    const recompute = run(specs, 5, undefined);
    const swap = run(specs, 5, { tiers: [CPU], kvBytesPerToken: KV_BYTES, blockSize: 4, swap: true, prefix: false });
    expect(recompute.totals.preemptions).toBeGreaterThan(0);
    expect(recompute.totals.recomputedTokens).toBeGreaterThan(0);
    expect(swap.totals.preemptions).toBe(recompute.totals.preemptions);
    expect(swap.totals.recomputedTokens).toBe(0);
    expect(swap.totals.kvSwapOuts).toBe(swap.totals.preemptions);
    // Out and back in: 8 tokens × 1000 B at 1 B/ns + 500 ns, twice (each in the step that needed it).
    const extras = swap.extraNs.filter((x) => x !== 0);
    expect(extras.reduce((a, b) => a + b, 0)).toBe(2 * 8500 * swap.totals.preemptions);
    // The resumed request never reruns its prompt: no step after the first has more than one new token for it.
    expect(swap.iterations.slice(1).every((it) => it.prefillTokens === 0)).toBe(true);
    // Every request still finishes once with its tokens.
    expect(swap.records.map((r) => r.requestId).sort()).toEqual([0, 1]);
    expect(swap.records.every((r) => r.itlNs.length === r.outputToks - 1)).toBe(true);
  });

  it('swap falls back to recompute when the tier has no room', () => {
    const specs = [spec(0, 0, 8, 8), spec(1, 0, 8, 8)];
    const tiny = { ...CPU, capacityBytes: 7999 }; // 8 tokens need 8000 B
    const r = run(specs, 5, { tiers: [tiny], kvBytesPerToken: KV_BYTES, blockSize: 4, swap: true, prefix: false });
    expect(r.totals.kvSwapOuts).toBe(0);
    expect(r.totals.recomputedTokens).toBeGreaterThan(0);
  });

  it('prefix: a block the GPU evicted is found in the host tier and loaded at its bandwidth', () => {
    // Pool of 4 blocks of 4 tokens. Request 0 (12 tokens, blocks 0,1,2) finishes; request 1 (another prompt) takes
    // blocks 3,2,1, evicting 0's 3rd and 2nd blocks to the host tier; block 0 keeps 0's first block on the GPU.
    // Request 2 repeats 0's prompt: GPU hit 1 block, host hit 1 block (the hit is capped at 11 tokens = 2 blocks),
    // computes 4 tokens, and its step waits 4 tokens × 1000 B / 1 B/ns + 500 ns = 4500 ns for the load.
    const specs = [spec(0, 0, 12, 1, 0), spec(1, 10_000_000, 12, 1, 7000), spec(2, 20_000_000, 12, 1, 0)];
    const r = run(specs, 4, { tiers: [CPU], kvBytesPerToken: KV_BYTES, blockSize: 4, swap: false, prefix: true });
    const req2 = r.records.find((x) => x.requestId === 2)!;
    expect(req2.prefixHitTokens).toBe(8);
    expect(r.totals.kvTierHitTokens).toBe(4);
    expect(r.cost.batches[2].newTokens).toEqual([4]);
    expect(r.extraNs).toEqual([0, 0, 4500]);
    // Without the tier the same request finds only its GPU block and computes 8 tokens.
    const noTier = run(specs, 4, undefined);
    expect(noTier.records.find((x) => x.requestId === 2)!.prefixHitTokens).toBe(4);
  });

  it('a full tier demotes its least recently used block to the next tier; the last tier drops it', () => {
    const block = 4 * KV_BYTES;
    const t = new KvTiers({
      tiers: [{ ...CPU, capacityBytes: 2 * block }, { name: 'cxl', capacityBytes: block, bandwidthGBps: 0.5, latencyNs: 1000 }],
      kvBytesPerToken: KV_BYTES,
      blockSize: 4,
      swap: true,
      prefix: true,
    });
    for (const h of [1, 2, 3, 4]) t.offer(h); // cpu holds 3,4; 2 went to cxl; 1 was dropped from cxl by 2
    const hashes = Float64Array.from([1, 2, 3, 4]);
    expect(t.matchPrefix(hashes, 0, 4)).toBe(0); // 1 is gone
    expect(t.matchPrefix(hashes, 1, 4)).toBe(3);
    expect(t.used(0)).toBe(2 * block);
    expect(t.used(1)).toBe(block);
    // Loading 2 (cxl) and 3 (cpu): one transfer per tier.
    t.loadPrefix(hashes, 1, 2);
    expect(t.takePendingNs()).toBe(1000 + block / 0.5 + (500 + block));
    // A swap of 2 blocks' worth needs the whole cpu tier: its prefix blocks move down (and out).
    expect(t.swapOut(8)).toBe(0);
    expect(t.used(0)).toBe(8 * KV_BYTES);
    expect(t.matchPrefix(hashes, 2, 4)).toBe(1); // 3 went to cxl (4, the LRU one, was pushed out by it)
  });
});
