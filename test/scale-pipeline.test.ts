// Pipeline parallelism inside an instance (reference README §2.5): up to pp batches in flight, each stage one batch at
// a time; a two-stage pipeline fills and drains as traced by hand on a tiny workload.
import { describe, expect, it } from 'vitest';
import { PipelinedInstance } from '../src/serving/pipeline.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type CompatMode, type CostModelLike, type InstanceSetup, type IterationRecord, type RequestRecord } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { ListSource } from './serving-fakes.js';

const STAGE = 2; // counters[2 + s]: stage s time
const SEND = 1; // counters[1]: one stage-to-stage send

/** Two stages of 1000 + 10·tokens ns each, 100 ns per send; the kernel's contract: total = Σ stages + sends. */
class TwoStageCost implements CostModelLike {
  readonly newTokens = new Int32Array(64);
  readonly computedBefore = new Int32Array(64);
  readonly counters = new Float64Array(8);
  iterate(n: number): number {
    let tokens = 0;
    for (let i = 0; i < n; i++) tokens += this.newTokens[i];
    this.counters[STAGE] = this.counters[STAGE + 1] = 1000 + 10 * tokens;
    this.counters[SEND] = 100;
    return 2 * (1000 + 10 * tokens) + 100;
  }
}

function spec(id: number, inputToks: number, outputToks: number): RequestSpec {
  return { id, arrivalNs: 0, inputToks, outputToks };
}

function run(specs: RequestSpec[], pp: number, numKvBlocks = 1000) {
  const setup: InstanceSetup = {
    instanceId: 0,
    modelName: 'm',
    cost: new TwoStageCost(),
    knobs: { ...DEFAULT_KNOBS, maxNumBatchedTokens: 100, blockSize: 4 },
    numKvBlocks,
    ...(pp > 1 ? { pipeline: { stages: pp, stageNsIndex: STAGE, sendNsIndex: SEND } } : {}),
  };
  const records: RequestRecord[] = [];
  const its: IterationRecord[] = [];
  const totals = runServing({ instances: [setup], source: new ListSource(specs), observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }), onIteration: (it) => its.push({ ...it }) } });
  return { byId: new Map(records.map((r) => [r.requestId, r])), its, totals };
}

describe('pipeline parallelism (pp = 2)', () => {
  it('fills and drains as traced by hand', () => {
    // t=0: batch 1 = A's prompt (100 tokens = the budget): stage 0 [0, 2000], send, stage 1 [2100, 4100].
    //      batch 2 = B's prompt (A is in flight): stage 0 [2000, 4000], stage 1 [4100, 6100].  Pipeline full.
    // t=4100: batch 1 done (A's first token); batch 3 = A's decode: stage 0 [4100, 5110], stage 1 [6100, 7110].
    // t=6100: batch 2 done (B's first token); batch 4 = B's decode: stage 0 [6100, 7110], stage 1 [7210, 8220].
    // t=7110: A's second token, done.  t=8220: B's, done.
    const { byId, its } = run([spec(0, 100, 2), spec(1, 100, 2)], 2);
    // Iteration records tile the busy time: each from the previous completion to its own.
    expect(its.map((it) => [it.startNs, it.endNs, it.prefillTokens + it.decodeTokens])).toEqual([
      [0, 4100, 100],
      [4100, 6100, 100],
      [6100, 7110, 1],
      [7110, 8220, 1],
    ]);
    expect(byId.get(0)!.ttftNs).toBe(4100);
    expect(byId.get(1)!.ttftNs).toBe(6100);
    expect(byId.get(0)!.endNs).toBe(7110);
    expect(byId.get(1)!.endNs).toBe(8220);
    expect(Array.from(byId.get(0)!.itlNs)).toEqual([3010]);
    expect(Array.from(byId.get(1)!.itlNs)).toEqual([2120]);
  });

  it('without the pipeline the same stages run back to back', () => {
    // One batch at a time (100-token budget): A's prompt [0, 4100]; A's decode + 99 of B's prompt [4100, 8200] (A done);
    // B's last prompt token [8200, 8200 + 2·1010 + 100 = 10320]: B's first token.
    const { byId } = run([spec(0, 100, 2), spec(1, 100, 2)], 1);
    expect(byId.get(0)!.ttftNs).toBe(4100);
    expect(byId.get(0)!.endNs).toBe(8200);
    expect(byId.get(1)!.ttftNs).toBe(10320);
  });

  it('conservation: many requests finish once with their tokens; never more than pp batches in flight', () => {
    const specs = Array.from({ length: 30 }, (_, i) => spec(i, 5 + ((i * 37) % 90), 1 + ((i * 11) % 9)));
    const { byId, its } = run(specs, 2);
    expect(byId.size).toBe(30);
    for (const s of specs) expect(byId.get(s.id)!.itlNs.length).toBe(s.outputToks - 1);
    // Records tile the busy time (no overlap), in completion order.
    for (let i = 1; i < its.length; i++) expect(its[i].startNs).toBeGreaterThanOrEqual(its[i - 1].endNs);
  });

  it('conservation under KV pressure: preemptions never touch a request whose step is in the pipeline', () => {
    // 30 blocks of 4 tokens (120) for prompts up to 94 + 9 tokens: requests preempt each other.
    const specs = Array.from({ length: 30 }, (_, i) => spec(i, 5 + ((i * 37) % 90), 1 + ((i * 11) % 9)));
    const { byId, totals } = run(specs, 2, 30);
    expect(totals.preemptions).toBeGreaterThan(0);
    expect(byId.size).toBe(30);
    for (const s of specs) expect(byId.get(s.id)!.itlNs.length).toBe(s.outputToks - 1);
    expect(totals.outputTokens).toBe(specs.reduce((a, s) => a + s.outputToks, 0));
  });

  it('refuses pp = 1 and a cost model without stage times', () => {
    const base = { instanceId: 0, modelName: 'm', knobs: DEFAULT_KNOBS, numKvBlocks: 10 };
    expect(() => new PipelinedInstance({ ...base, cost: new TwoStageCost() }, { stages: 1, stageNsIndex: STAGE, sendNsIndex: SEND })).toThrow(/pp > 1/);
    const noCounters = { newTokens: new Int32Array(4), computedBefore: new Int32Array(4), iterate: () => 1 };
    expect(() => new PipelinedInstance({ ...base, cost: noCounters }, { stages: 2, stageNsIndex: STAGE, sendNsIndex: SEND })).toThrow(/per-stage/);
  });
});

/** TwoStageCost whose stages report their layer ends: one halfway (500 ns in) and one at the stage's end. */
class TwoStageWalkCost extends TwoStageCost {
  stageEventOffsetsNs(stage: number, out: Float64Array): number {
    out[0] = 500;
    out[1] = this.counters[STAGE + stage];
    return 2;
  }
}

describe("pipeline parallelism, compat 'llmservingsim2' (README §2.5: the start NPU builds batches when polled idle)", () => {
  const runCompat = (specs: RequestSpec[], compat: CompatMode) => {
    const setup: InstanceSetup = {
      instanceId: 0,
      modelName: 'm',
      cost: new TwoStageWalkCost(),
      knobs: { ...DEFAULT_KNOBS, maxNumBatchedTokens: 100, blockSize: 4 },
      numKvBlocks: 1000,
      pipeline: { stages: 2, stageNsIndex: STAGE, sendNsIndex: SEND },
    };
    const records: RequestRecord[] = [];
    runServing({ instances: [setup], source: new ListSource(specs), compat, observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }) } });
    return new Map(records.map((r) => [r.requestId, r]));
  };

  it("a stage is busy until its send completes; the idle start NPU is polled at its stages' events", () => {
    // Stages of 1000 + 10·tokens ns, sends of 100 ns; events at 500 ns into each stage, its end, and each send's end.
    // t=0: A (10 tokens) starts: stage 0 [0, 1100], send to 1200, stage 1 [1200, 2300]; the start NPU is busy to 1200.
    // Polls at 500, 1100, 1200 (nothing to build: A in flight, B not yet here), 1700 (B, arrived at 1500, starts:
    // stage 0 [1700, 2800], send to 2900, stage 1 [2900, 4000]).  t=2300: A's first token; the start NPU is busy to
    // 2900.  Polls at 2800, then 2900: A's decode (1 token) starts: stage 0 [2900, 3910], send to 4010, stage 1
    // [4010, 5020].  t=4000: B's only token.  t=5020: A's second token.
    const byId = runCompat([{ id: 0, arrivalNs: 0, inputToks: 10, outputToks: 2 }, { id: 1, arrivalNs: 1500, inputToks: 10, outputToks: 1 }], 'llmservingsim2');
    expect([byId.get(0)!.ttftNs, byId.get(0)!.endNs, Array.from(byId.get(0)!.itlNs)]).toEqual([2300, 5020, [2720]]);
    expect([byId.get(1)!.queuingDelayNs, byId.get(1)!.ttftNs, byId.get(1)!.endNs]).toEqual([200, 2500, 4000]);
  });
});
