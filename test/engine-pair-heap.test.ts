// PairMinHeap (the decode group's finish order, the pending-request order of closed-loop sources): entries come out in
// (key, tie) order, whatever the order they went in and however pushes and pops interleave.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairMinHeap } from '../src/engine/pairHeap.js';

describe('PairMinHeap', () => {
  it('pops by key, then tie, across interleaved pushes and pops and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ key: fc.integer({ min: -50, max: 50 }) }), fc.constant('pop' as const)), { maxLength: 400 }), (ops) => {
        const heap = new PairMinHeap(4);
        const model: { key: number; tie: number }[] = [];
        let tie = 0;
        for (const op of ops) {
          if (op === 'pop') {
            if (model.length === 0) continue;
            model.sort((a, b) => a.key - b.key || a.tie - b.tie);
            const want = model.shift()!;
            expect(heap.peekKey()).toBe(want.key);
            expect(heap.peekValue()).toBe(want.tie * 10);
            expect(heap.pop()).toBe(want.tie * 10);
          } else {
            tie++;
            heap.push(op.key, tie, tie * 10);
            model.push({ key: op.key, tie });
          }
          expect(heap.size).toBe(model.length);
        }
        if (model.length === 0) expect(heap.peekKey()).toBe(Infinity);
      }),
      { numRuns: 200 },
    );
  });
});
