import { describe, expect, it } from 'vitest';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type IterationRecord, type RequestRecord, type ServingKnobs } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { LinearCost, ListSource } from './serving-fakes.js';
import { InputError } from '../src/errors.js';

function run(
  specs: RequestSpec[],
  knobs: Partial<ServingKnobs>,
  numKvBlocks: number,
  cost = new LinearCost(1000, 10),
  compat: 'vllm' | 'llmservingsim2' = 'llmservingsim2',
) {
  const records: RequestRecord[] = [];
  const iterations: IterationRecord[] = [];
  const source = new ListSource(specs);
  const totals = runServing({
    instances: [{ instanceId: 0, modelName: 'm', cost, knobs: { ...DEFAULT_KNOBS, ...knobs }, numKvBlocks }],
    source,
    compat,
    observer: { onRequest: (r) => records.push(r), onIteration: (it) => iterations.push({ ...it }) },
  });
  return { records, iterations, totals, cost, source };
}

const pick = (r: RequestRecord) => ({
  id: r.requestId,
  endNs: r.endNs,
  ttftNs: r.ttftNs,
  tpotNs: r.tpotNs,
  queuingDelayNs: r.queuingDelayNs,
  itlNs: Array.from(r.itlNs),
  preemptions: r.preemptions,
});

describe('scheduler, hand-traced (cost = 1000 + 10·Σnew ns)', () => {
  it('chunked prefill, decode, admission of a later arrival into a running batch', () => {
    // Budget 8: R0's 10-token prompt runs as chunks of 8 (0→1080) and 2 (1080→2100, TTFT), then decodes
    // 2100→3110; R1 (arrives 2500) joins at 3110 with its whole 4-token prompt: 1000 + 10·(1 + 4) = 1050 → 4160.
    const { records, iterations, totals } = run(
      [
        { id: 0, arrivalNs: 0, inputToks: 10, outputToks: 3 },
        { id: 1, arrivalNs: 2500, inputToks: 4, outputToks: 2 },
      ],
      { maxNumBatchedTokens: 8, blockSize: 4, enablePrefixCaching: false },
      16,
    );
    expect(records.map(pick)).toEqual([
      { id: 0, endNs: 4160, ttftNs: 2100, tpotNs: 1030, queuingDelayNs: 1080, itlNs: [1010, 1050], preemptions: 0 },
      { id: 1, endNs: 5170, ttftNs: 1660, tpotNs: 1010, queuingDelayNs: 610, itlNs: [1010], preemptions: 0 },
    ]);
    expect(records.map((r) => r.latencyNs)).toEqual([4160, 2670]);
    expect(iterations.map((it) => [it.startNs, it.endNs, it.numPrefill, it.numDecode, it.prefillTokens, it.decodeTokens])).toEqual([
      [0, 1080, 1, 0, 8, 0],
      [1080, 2100, 1, 0, 2, 0],
      [2100, 3110, 0, 1, 0, 1],
      [3110, 4160, 1, 1, 4, 1],
      [4160, 5170, 0, 1, 0, 1],
    ]);
    expect(totals).toMatchObject({ finishedRequests: 2, makespanNs: 5170, inputTokens: 14, outputTokens: 5, iterations: 5, preemptions: 0 });
  });

  it('an arrival at an idle system waits for the next 1 ms wake-up; the first wake-up is min(first arrival, 1 s)', () => {
    // Idle from 1010 (after R0): wake-ups at 1010 + k·1e6; R1 at 3,000,500 starts at 3,001,010.
    const a = run(
      [
        { id: 0, arrivalNs: 0, inputToks: 1, outputToks: 1 },
        { id: 1, arrivalNs: 3_000_500, inputToks: 1, outputToks: 1 },
      ],
      {},
      8,
    );
    expect(a.records.map((r) => [r.requestId, r.endNs, r.queuingDelayNs])).toEqual([
      [0, 1010, 0],
      [1, 3_002_020, 510],
    ]);
    // Heartbeats across the idle gap go out at the first 1 ms poll after each boundary, idle (R0's tokens in the
    // first interval); none after the last request (the instance stops polling).
    const ticks: number[][] = [];
    runServing({
      instances: [{ instanceId: 0, modelName: 'm', cost: new LinearCost(1000, 10), knobs: DEFAULT_KNOBS, numKvBlocks: 8 }],
      source: new ListSource([
        { id: 0, arrivalNs: 0, inputToks: 1, outputToks: 1 },
        { id: 1, arrivalNs: 3_500_000_000, inputToks: 1, outputToks: 2 },
      ]),
      compat: 'llmservingsim2',
      observer: { onTick: (t, st) => ticks.push([t, st.promptTokens, st.generatedTokens, st.running, st.waiting]) },
    });
    expect(ticks).toEqual([
      [1e9, 1, 1, 0, 0],
      [2e9, 0, 0, 0, 0],
      [3e9, 0, 0, 0, 0],
    ]);
    // First arrival after the 1 s log interval: first wake-up at 1 s, then every 1 ms.
    const b = run([{ id: 7, arrivalNs: 2_500_000_100, inputToks: 2, outputToks: 1 }], {}, 8);
    expect(b.records.map((r) => [r.requestId, r.queuingDelayNs, r.ttftNs])).toEqual([[7, 999_900, 999_900 + 1020]]);
  });

  it('preempts the tail of the running set under a tiny KV pool and recomputes it later', () => {
    // 4 blocks of 4 tokens. R0 (7 in, 6 out) and R1 (4 in, 4 out) start together (1000 + 110 = 1110).
    // At 2130 R0 needs its 3rd block, none is free: R1 (tail) is preempted; the step skips admission.
    // R1 cannot return until R0 finishes (reserve_full_isl: it needs 2 blocks, 1 is free), then recomputes
    // its 6 tokens in one chunk: 6170 → 7230, a token gap of 7230 − 2130 = 5100.
    const { records, totals } = run(
      [
        { id: 0, arrivalNs: 0, inputToks: 7, outputToks: 6 },
        { id: 1, arrivalNs: 0, inputToks: 4, outputToks: 4 },
      ],
      { maxNumBatchedTokens: 16, blockSize: 4, enablePrefixCaching: false },
      4,
    );
    expect(records.map(pick)).toEqual([
      { id: 0, endNs: 6170, ttftNs: 1110, tpotNs: 1012, queuingDelayNs: 0, itlNs: [1020, 1010, 1010, 1010, 1010], preemptions: 0 },
      { id: 1, endNs: 8240, ttftNs: 1110, tpotNs: 2376, queuingDelayNs: 0, itlNs: [1020, 5100, 1010], preemptions: 1 },
    ]);
    expect(totals).toMatchObject({ preemptions: 1, recomputedTokens: 6, peakKvBlocks: 4, kvBlocksTotal: 4 });
  });

  it('hits the prefix cache on full blocks left by a finished request', () => {
    // R0 caches blocks [1..4],[5..8]; after it finishes they sit in the free list, still findable.
    // R1 shares those 8 tokens: hit 8 (cap: floor((10−1)/4) = 2 blocks), computes 2 new tokens on top of 8.
    const cost = new LinearCost(1000, 10);
    const { records, totals } = run(
      [
        { id: 0, arrivalNs: 0, inputToks: 8, outputToks: 2, inputTokIds: [1, 2, 3, 4, 5, 6, 7, 8], outputTokIds: [100, 101] },
        { id: 1, arrivalNs: 1500, inputToks: 10, outputToks: 1, inputTokIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      ],
      { blockSize: 4 },
      16,
      cost,
    );
    expect(records.map((r) => [r.requestId, r.endNs, r.ttftNs, r.queuingDelayNs, r.prefixHitTokens])).toEqual([
      [0, 2090, 1080, 0, 0],
      [1, 3110, 1610, 590, 8],
    ]);
    expect(cost.batches.at(-1)).toEqual({ newTokens: [2], computedBefore: [8] });
    expect(totals).toMatchObject({ prefixRequestedTokens: 18, prefixHitTokens: 8 });
  });

  it('without prefix caching the same pair computes every prompt token', () => {
    const cost = new LinearCost(1000, 10);
    const { records } = run(
      [
        { id: 0, arrivalNs: 0, inputToks: 8, outputToks: 2, inputTokIds: [1, 2, 3, 4, 5, 6, 7, 8], outputTokIds: [100, 101] },
        { id: 1, arrivalNs: 1500, inputToks: 10, outputToks: 1, inputTokIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      ],
      { blockSize: 4, enablePrefixCaching: false },
      16,
      cost,
    );
    expect(records[1].prefixHitTokens).toBe(0);
    expect(cost.batches.at(-1)).toEqual({ newTokens: [10], computedBefore: [0] });
  });

  it('max_num_seqs caps the running set and chunked prefill off stops admission at a prompt that does not fit', () => {
    const specs = [0, 1, 2].map((id) => ({ id, arrivalNs: 0, inputToks: 4, outputToks: 2 }));
    const capped = run(specs, { maxNumSeqs: 2 }, 64);
    expect(capped.cost.batches[0].newTokens).toEqual([4, 4]);
    const unchunked = run(
      [
        { id: 0, arrivalNs: 0, inputToks: 6, outputToks: 1 },
        { id: 1, arrivalNs: 0, inputToks: 6, outputToks: 1 },
      ],
      { maxNumBatchedTokens: 8, enableChunkedPrefill: false },
      64,
    );
    expect(unchunked.cost.batches.map((b) => b.newTokens)).toEqual([[6], [6]]);
  });
});

describe('router', () => {
  it('LOAD picks the least (4·waiting + running)/max_num_seqs from a rotating start; round-robin alternates', () => {
    const specs = [0, 1, 2].map((id) => ({ id, arrivalNs: 0, inputToks: 2, outputToks: 1 }));
    const route = (router: 'load' | 'round-robin') => {
      const records: RequestRecord[] = [];
      runServing({
        instances: [0, 1].map((instanceId) => ({
          instanceId,
          modelName: 'm',
          cost: new LinearCost(1000, 10),
          knobs: { ...DEFAULT_KNOBS, maxNumSeqs: 4 },
          numKvBlocks: 8,
        })),
        source: new ListSource(specs),
        router,
        observer: { onRequest: (r) => records.push(r) },
      });
      return records.sort((a, b) => a.requestId - b.requestId).map((r) => r.instanceId);
    };
    // R0: both empty → instance 0 (start 0), start moves to 1. R1: instance 1 scores 0 < 1 → 1, start moves to 0.
    // R2: both score 4·1/4 = 1 → the first scanned, instance 0.
    expect(route('load')).toEqual([0, 1, 0]);
    expect(route('round-robin')).toEqual([0, 1, 0]);
  });
});

describe('workloads an instance can never serve', () => {
  it('refuses a request longer than the whole KV pool, naming it', () => {
    // 10 + 10 tokens → the last decode needs 19 slots = 5 blocks of 4; the pool has 4.
    expect(() => run([{ id: 3, arrivalNs: 0, inputToks: 10, outputToks: 10 }], { blockSize: 4 }, 4)).toThrow(InputError);
    expect(() => run([{ id: 3, arrivalNs: 0, inputToks: 10, outputToks: 10 }], { blockSize: 4 }, 4)).toThrow(/request 3 .*needs 5 KV blocks; instance 0 has 4/);
    // 19 slots fit exactly in 5 blocks: runs.
    expect(run([{ id: 3, arrivalNs: 0, inputToks: 10, outputToks: 10 }], { blockSize: 4 }, 5).records).toHaveLength(1);
  });

  it('stops with a clear error instead of idling forever when a prompt can never be scheduled', () => {
    expect(() =>
      run([{ id: 5, arrivalNs: 0, inputToks: 12, outputToks: 1 }], { maxNumBatchedTokens: 8, enableChunkedPrefill: false }, 64),
    ).toThrow(/request 5 needs 12 tokens in one step, but chunked prefill is off and max_num_batched_tokens is 8/);
  });
});

describe('request sources with feedback', () => {
  it('a follow-up released at a completion (no tool time) is routed at the next wake-up', () => {
    // Session: sub-request 0 (arrival 0, 2 in, 1 out) finishes at 1020; sub-request 1 is released then, with arrival
    // 1020 + tool time 0. Routing precedes completion handling, so it is seen at the next wake-up: 1020 + 1 ms.
    const released: RequestSpec[] = [{ id: 0, arrivalNs: 0, inputToks: 2, outputToks: 1 }];
    let next = 0;
    let finished = 0;
    const source = {
      peekArrivalNs: () => (next < released.length ? released[next].arrivalNs : Infinity),
      pop: () => released[next++],
      onFinish: (id: number, finishNs: number) => {
        finished++;
        if (id === 0) released.push({ id: 1, arrivalNs: finishNs, inputToks: 3, outputToks: 1 });
      },
      done: () => next >= released.length && finished === 2,
    };
    const records: RequestRecord[] = [];
    runServing({
      instances: [{ instanceId: 0, modelName: 'm', cost: new LinearCost(1000, 10), knobs: DEFAULT_KNOBS, numKvBlocks: 8 }],
      source,
      compat: 'llmservingsim2',
      observer: { onRequest: (r) => records.push(r) },
    });
    expect(records.map((r) => [r.requestId, r.arrivalNs, r.queuingDelayNs, r.endNs])).toEqual([
      [0, 0, 0, 1020],
      [1, 1020, 1_000_000, 1020 + 1_000_000 + 1030],
    ]);
  });
});

describe('idle instances next to a busy one (llmservingsim2)', () => {
  // Every batch takes 10,000 ns; the cost model may report internal events at 2,500 / 5,000 / 7,500 ns into it.
  class EventfulCost extends LinearCost {
    constructor(private readonly events: boolean) {
      super(10_000, 0);
    }
    internalEventOffsetsNs?(out: Float64Array): number {
      if (!this.events) return 0;
      out.set([2500, 5000, 7500]);
      return 3;
    }
  }
  const twoInstances = (events: boolean, compat: 'llmservingsim2' | 'vllm') => {
    const records: RequestRecord[] = [];
    runServing({
      instances: [0, 1].map((instanceId) => ({
        instanceId,
        modelName: 'm',
        cost: new EventfulCost(events),
        knobs: { ...DEFAULT_KNOBS, maxNumSeqs: 4 },
        numKvBlocks: 8,
      })),
      // R0 goes to instance 0 and keeps it busy over [0, 10,000]; R1 arrives at 3,000 and goes to idle instance 1.
      source: new ListSource([
        { id: 0, arrivalNs: 0, inputToks: 2, outputToks: 1 },
        { id: 1, arrivalNs: 3000, inputToks: 2, outputToks: 1 },
      ]),
      compat,
      observer: { onRequest: (r) => records.push(r) },
    });
    return records.map((r) => [r.requestId, r.instanceId, r.queuingDelayNs]);
  };

  it("are polled at the busy instance's internal events, then at its batch completions, else every 1 ms", () => {
    // Instance 1 is polled at 2,500 (nothing yet), then at 5,000: R1 starts 2,000 ns after arriving.
    expect(twoInstances(true, 'llmservingsim2')).toEqual([
      [0, 0, 0],
      [1, 1, 2000],
    ]);
    // Without internal events: polled when instance 0's batch completes at 10,000.
    expect(twoInstances(false, 'llmservingsim2')).toEqual([
      [0, 0, 0],
      [1, 1, 7000],
    ]);
    // 'vllm' mode has no cross-instance polling: instance 1 keeps its own 1 ms cadence from t = 0.
    expect(twoInstances(true, 'vllm')).toEqual([
      [0, 0, 0],
      [1, 1, 997_000],
    ]);
  });
});
