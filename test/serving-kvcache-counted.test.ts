// KvCache's counted mode (no block identities while no block holds a hash) must be indistinguishable from the exact
// free-list pool: the same random operation sequence is replayed on a pool left to start counted and on one made
// exact before its first allocation (identifyBlocks() on an empty pool gives the constructor's id-ordered free
// list, i.e. the plain algorithm), and every observable is compared after every step. Hashes appear only from a
// random step on, so the counted → exact switch happens with blocks held and freed in between.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KvCache } from '../src/serving/kvCache.js';
import { chainedBlockHashes } from '../src/serving/blockHash.js';

const SLOTS = 4;

const opArb = fc.oneof(
  fc.record({ kind: fc.constant('alloc' as const), slot: fc.integer({ min: 0, max: SLOTS - 1 }), numNew: fc.integer({ min: 1, max: 20 }), prompt: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('free' as const), slot: fc.integer({ min: 0, max: SLOTS - 1 }) }),
);

const caseArb = fc.record({
  numBlocks: fc.integer({ min: 4, max: 24 }),
  blockSize: fc.integer({ min: 1, max: 6 }),
  caching: fc.boolean(),
  hashesFromStep: fc.integer({ min: 0, max: 40 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 60 }),
});

/** Replays ops on one pool; returns what an outside observer sees after each step. */
function replay(kv: KvCache, c: typeof caseArb extends fc.Arbitrary<infer T> ? T : never): string[] {
  const computed = new Array<number>(SLOTS).fill(0); // tokens a slot holds (0 = not admitted)
  const prompts = [0, 1, 2].map((p) => Array.from({ length: 120 }, (_, j) => (j < 30 ? p * 1000 + j : p * 1000 + 500 + j)));
  const hits: number[] = [];
  const seen: string[] = [];
  for (let slot = 0; slot < SLOTS; slot++) kv.initSlot(slot);
  c.ops.forEach((op, step) => {
    let result: unknown;
    if (op.kind === 'free') {
      kv.free(op.slot);
      computed[op.slot] = 0;
      result = 'freed';
    } else {
      const hashes = step >= c.hashesFromStep ? chainedBlockHashes(prompts[op.prompt], undefined, kv.blockSize) : new Float64Array(0);
      const before = computed[op.slot];
      const reached = Math.min(before + op.numNew, 120);
      const hitBlocks = before === 0 ? kv.findComputedBlocks(hashes, reached, hits) : ((hits.length = 0), 0);
      const start = before === 0 ? hitBlocks * kv.blockSize : before;
      const numNew = reached - start;
      const ok = numNew > 0 && kv.allocateSlots(op.slot, hashes, start, numNew, reached, hits);
      if (ok) computed[op.slot] = reached;
      result = [hitBlocks, ok];
    }
    const held = Array.from({ length: SLOTS }, (_, s) => kv.heldBlocks(s));
    seen.push(JSON.stringify([step, result, kv.freeBlocks, kv.usedBlocks, kv.residentBlocks, kv.peakUsedBlocks, held]));
  });
  return seen;
}

describe('KvCache counted mode', () => {
  it('matches the exact free-list pool on every observable, before and after hashes appear', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const counted = new KvCache(c.numBlocks, c.blockSize, c.caching);
        const exact = new KvCache(c.numBlocks, c.blockSize, c.caching);
        exact.identifyBlocks();
        expect(replay(counted, c)).toEqual(replay(exact, c));
      }),
      { numRuns: 300 },
    );
  });

  it('names counted blocks slot by slot, then the free list in id order', () => {
    const kv = new KvCache(10, 4, false);
    for (const s of [0, 1, 2]) kv.initSlot(s);
    const none = new Float64Array(0);
    expect(kv.allocateSlots(0, none, 0, 9, 9, [])).toBe(true); // 3 blocks
    expect(kv.allocateSlots(1, none, 0, 8, 8, [])).toBe(true); // 2 blocks
    expect(kv.allocateSlots(2, none, 0, 1, 1, [])).toBe(true); // 1 block
    expect(kv.allocateSlots(1, none, 8, 1, 9, [])).toBe(true); // a 3rd block for slot 1
    expect(kv.allocateSlots(0, none, 9, 2, 11, [])).toBe(true); // still inside slot 0's 3rd block
    kv.free(0);
    expect([kv.freeBlocks, kv.usedBlocks, kv.peakUsedBlocks]).toEqual([6, 4, 7]);
    expect([kv.heldBlocks(0), kv.heldBlocks(1), kv.heldBlocks(2)]).toEqual([0, 3, 1]);
    // Identifying: slot 1 gets blocks 0..2, slot 2 block 3, the free list is 4..9; freeing slot 1 appends 2, 1, 0.
    expect(kv.freeListOrder()).toEqual([4, 5, 6, 7, 8, 9]);
    expect([kv.refCount(0), kv.refCount(3), kv.refCount(4)]).toEqual([1, 1, 0]);
    kv.free(1);
    expect(kv.freeListOrder()).toEqual([4, 5, 6, 7, 8, 9, 2, 1, 0]);
    // A request longer than the free pool is refused in both modes, changing nothing.
    kv.initSlot(3);
    expect(kv.allocateSlots(3, none, 0, 37, 37, [])).toBe(false);
    expect(kv.freeBlocks).toBe(9);
  });
});
