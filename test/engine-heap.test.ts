import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventHeap } from '../src/engine/eventHeap.js';
import { EventLoop } from '../src/engine/eventLoop.js';

describe('EventHeap', () => {
  it('pops in (time, push order) order under random pushes and interleaved pops', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 50 }) }), fc.constant({ pop: true })), { maxLength: 300 }),
        (ops) => {
          const heap = new EventHeap(4); // small start to exercise growth
          // Independent model: a list kept in (time, seq) order by sorting.
          const model: { t: number; s: number }[] = [];
          let seq = 0;
          for (const op of ops) {
            if ('push' in op) {
              heap.push(op.push, 1, seq, 0);
              model.push({ t: op.push, s: seq++ });
            } else {
              model.sort((x, y) => x.t - y.t || x.s - y.s);
              const want = model.shift();
              const got = heap.pop();
              expect(got).toBe(want !== undefined);
              if (want) {
                expect(heap.poppedTimeNs).toBe(want.t);
                expect(heap.poppedA).toBe(want.s);
              }
            }
          }
          model.sort((x, y) => x.t - y.t || x.s - y.s);
          for (const want of model) {
            expect(heap.pop()).toBe(true);
            expect([heap.poppedTimeNs, heap.poppedA]).toEqual([want.t, want.s]);
          }
          expect(heap.pop()).toBe(false);
        },
      ),
    );
  });

  it('keeps kind and both payloads with their event', () => {
    const heap = new EventHeap();
    heap.push(30, 3, 300, -3);
    heap.push(10, 1, 100, -1);
    heap.push(20, 2, 200, -2);
    const seen: number[][] = [];
    while (heap.pop()) seen.push([heap.poppedTimeNs, heap.poppedKind, heap.poppedA, heap.poppedB]);
    expect(seen).toEqual([
      [10, 1, 100, -1],
      [20, 2, 200, -2],
      [30, 3, 300, -3],
    ]);
  });
});

describe('EventLoop', () => {
  it('dispatches by kind, lets handlers schedule more, and never goes back in time', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop.on(0, (t, a) => {
      log.push(`tick@${t}:${a}`);
      if (a < 3) loop.schedule(t + 5, 0, a + 1);
    });
    loop.on(1, (t) => log.push(`other@${t}`));
    loop.schedule(0, 0, 0);
    loop.schedule(10, 1);
    loop.schedule(10, 0, 99); // same time as tick 2 but pushed earlier than it: goes first
    loop.run();
    expect(log).toEqual(['tick@0:0', 'tick@5:1', 'other@10', 'tick@10:99', 'tick@10:2', 'tick@15:3']);
    expect(() => loop.schedule(14, 0)).toThrow(/before now/);
  });

  it('same schedule gives the same trace (determinism)', () => {
    const trace = () => {
      const loop = new EventLoop();
      const out: number[] = [];
      let x = 12345;
      loop.on(2, (t, a) => {
        out.push(t, a);
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        if (out.length < 400) loop.schedule(t + (x % 7), 2, x % 1000);
      });
      for (let i = 0; i < 5; i++) loop.schedule(i % 2, 2, i);
      loop.run();
      return out;
    };
    expect(trace()).toEqual(trace());
  });

  it('run(untilNs) leaves later events pending', () => {
    const loop = new EventLoop();
    const seen: number[] = [];
    loop.on(0, (t) => seen.push(t));
    for (const t of [5, 1, 9, 3]) loop.schedule(t, 0);
    loop.run(4);
    expect(seen).toEqual([1, 3]);
    expect(loop.pending).toBe(2);
    loop.run();
    expect(seen).toEqual([1, 3, 5, 9]);
  });
});
