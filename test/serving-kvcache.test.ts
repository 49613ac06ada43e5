import { describe, expect, it } from 'vitest';
import { KvCache } from '../src/serving/kvCache.js';
import { chainedBlockHashes } from '../src/serving/blockHash.js';
import { planKvBlocks } from '../src/serving/memoryPlan.js';
import { InputError } from '../src/errors.js';

describe('planKvBlocks (README §3.1)', () => {
  // Llama-3.1-8B bf16 at TP1: 16,060,522,496 B of weights, 131,072 B of KV per token, 16-token blocks.
  const llama = { weightBytes: 16_060_522_496, kvBytesPerToken: 131_072, blockSize: 16 };
  it('matches LLMServingSim for the reference configs', () => {
    expect(planKvBlocks({ ...llama, memSizeGiB: 24, memUtil: 0.833919 })).toBe(2588);
    expect(planKvBlocks({ ...llama, memSizeGiB: 24, memUtil: 0.9 })).toBe(3400);
    expect(planKvBlocks({ ...llama, memSizeGiB: 96, memUtil: 0.9 })).toBe(36_578);
  });
  it('throws an InputError naming what the weights need when nothing is left', () => {
    expect(() => planKvBlocks({ ...llama, memSizeGiB: 16, memUtil: 0.9, where: 'instance 0' })).toThrow(InputError);
    expect(() => planKvBlocks({ ...llama, memSizeGiB: 16, memUtil: 0.9, where: 'instance 0' })).toThrow(
      /instance 0.*16060522496 B \(14\.96 GiB\).*15461882265 B/,
    );
  });
});

describe('chainedBlockHashes', () => {
  it('hashes full blocks only, chained so equal blocks after different prefixes differ', () => {
    const a = chainedBlockHashes([1, 2, 3, 4, 9, 9, 9, 9, 5], undefined, 4);
    const b = chainedBlockHashes([7, 7, 7, 7, 9, 9, 9, 9], undefined, 4);
    expect(a.length).toBe(2);
    expect(b.length).toBe(2);
    expect(a[1]).not.toBe(b[1]);
    // Input and output ids form one sequence.
    expect(Array.from(chainedBlockHashes([1, 2, 3], [4, 9, 9, 9, 9], 4))).toEqual(Array.from(a));
    expect(chainedBlockHashes(undefined, [1, 2, 3, 4], 4).length).toBe(0);
    expect(Number.isSafeInteger(a[0]) && a[0] >= 0).toBe(true);
  });
});

describe('KvCache', () => {
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

  it('frees a request tail-first to the end of the free list, and allocation evicts from the head', () => {
    const kv = new KvCache(6, 4, true);
    kv.initSlot(0);
    const h = chainedBlockHashes(ids(12), undefined, 4);
    expect(kv.allocateSlots(0, h, 0, 12, 12, [])).toBe(true);
    expect(kv.usedBlocks).toBe(3);
    kv.free(0);
    expect(kv.freeListOrder()).toEqual([3, 4, 5, 2, 1, 0]);
    // Still findable after free (capped at 12 − 1 tokens → 2 full blocks).
    const hit: number[] = [];
    expect(kv.findComputedBlocks(h, 12, hit)).toBe(2);
    expect(hit).toEqual([0, 1]);
    // Taking 4 blocks reuses 3, 4, 5 and then block 2: its hash is evicted, blocks 0 and 1 survive.
    kv.initSlot(1);
    expect(kv.allocateSlots(1, new Float64Array(0), 0, 16, 16, [])).toBe(true);
    expect(kv.isCached(h[2])).toBe(false);
    expect(kv.isCached(h[0]) && kv.isCached(h[1])).toBe(true);
  });

  it('allocation is all or nothing, and shared hit blocks are ref-counted', () => {
    const kv = new KvCache(4, 4, true);
    const h = chainedBlockHashes(ids(9), undefined, 4);
    kv.initSlot(0);
    expect(kv.allocateSlots(0, h, 0, 9, 9, [])).toBe(true); // 3 blocks, 2 indexed
    kv.initSlot(1);
    const hit: number[] = [];
    expect(kv.findComputedBlocks(h, 9, hit)).toBe(2);
    // Needs 3 blocks of which 2 are shared hits: 1 new, 1 free → fits.
    expect(kv.blocksToAllocate(1, 9, hit)).toBe(1);
    expect(kv.allocateSlots(1, h, 8, 1, 9, hit)).toBe(true);
    expect([kv.refCount(hit[0]), kv.refCount(hit[1])]).toEqual([2, 2]);
    expect(kv.freeBlocks).toBe(0);
    kv.initSlot(2);
    expect(kv.allocateSlots(2, new Float64Array(0), 0, 1, 1, [])).toBe(false);
    expect(kv.freeBlocks).toBe(0);
    kv.free(0);
    expect(kv.freeBlocks).toBe(1); // only its private tail block; the shared ones are still held by slot 1
    kv.free(1);
    expect(kv.freeBlocks).toBe(4);
  });

  it('a hit on blocks sitting in the free list takes them out of it (they count against free capacity)', () => {
    const kv = new KvCache(3, 4, true);
    const h = chainedBlockHashes(ids(9), undefined, 4);
    kv.initSlot(0);
    kv.allocateSlots(0, h, 0, 9, 9, []);
    kv.free(0);
    kv.initSlot(1);
    const hit: number[] = [];
    kv.findComputedBlocks(h, 9, hit);
    expect(kv.blocksToAllocate(1, 9, hit)).toBe(3); // 1 new + 2 evictable hits
    expect(kv.canFitFullSequence(1, 9, 8, hit)).toBe(true);
    expect(kv.allocateSlots(1, h, 8, 1, 9, hit)).toBe(true);
    expect(kv.freeBlocks).toBe(0);
  });

  it('counts resident blocks: pinned, plus free ones the prefix index still points at', () => {
    const kv = new KvCache(8, 4, true);
    const h = chainedBlockHashes(ids(8), undefined, 4);
    kv.initSlot(0);
    kv.allocateSlots(0, h, 0, 8, 8, []); // 2 blocks, both indexed
    kv.initSlot(1);
    // Same prompt, hit capped at 7 tokens → 1 shared block + its own second block, which takes over hash h[1].
    const hit: number[] = [];
    expect(kv.findComputedBlocks(h, 8, hit)).toBe(1);
    kv.allocateSlots(1, h, 4, 4, 8, hit);
    expect([kv.usedBlocks, kv.residentBlocks]).toEqual([3, 3]);
    kv.free(0); // its second block is no longer findable (slot 1's copy is): free and not resident
    expect([kv.usedBlocks, kv.residentBlocks]).toEqual([2, 2]);
    kv.free(1); // both of slot 1's blocks stay findable
    expect([kv.usedBlocks, kv.residentBlocks]).toEqual([0, 2]);
    kv.initSlot(2);
    kv.allocateSlots(2, new Float64Array(0), 0, 32, 32, []); // takes all 8: evicts the cached ones
    expect([kv.usedBlocks, kv.residentBlocks]).toEqual([8, 8]);
    kv.free(2);
    expect([kv.usedBlocks, kv.residentBlocks]).toEqual([0, 0]);
  });
});
