// Speculative decoding on a linear test cost model: tokens per target step, the verification batch shape (k + 1
// tokens per speculating request), the draft model's time, and conservation under random acceptance.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROUTER_POLICIES } from '../src/serving/router.js';
import { runServing } from '../src/serving/simulation.js';
import type { SpeculativeOptions } from '../src/serving/speculative.js';
import { DEFAULT_KNOBS, type InstanceSetup, type IterationRecord, type RequestRecord } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { LinearCost, ListSource } from './serving-fakes.js';

const A = 10_000;
const B = 100;

function spec(id: number, arrivalNs: number, inputToks: number, outputToks: number): RequestSpec {
  return { id, arrivalNs, inputToks, outputToks };
}

function run(specs: RequestSpec[], speculative: SpeculativeOptions | undefined, n = 1, router: (typeof ROUTER_POLICIES)[number] = 'load') {
  const costs = Array.from({ length: n }, () => new LinearCost(A, B));
  const instances: InstanceSetup[] = costs.map((cost, i) => ({
    instanceId: i,
    modelName: 'm',
    cost,
    knobs: { ...DEFAULT_KNOBS, blockSize: 4 },
    numKvBlocks: 8000,
    ...(speculative ? { speculative } : {}),
  }));
  const records: RequestRecord[] = [];
  const iterations: IterationRecord[] = [];
  const totals = runServing({
    instances,
    source: new ListSource(specs),
    router,
    observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }), onIteration: (it) => iterations.push({ ...it }) },
  });
  return { records, totals, iterations, costs };
}

describe('speculative decoding', () => {
  it('acceptance 1.0: each target step verifies k + 1 tokens and yields k + 1 tokens', () => {
    // 8-token prompt, 9 output tokens, k = 3: the prefill gives token 1; then two steps of 4 tokens each (4 + 4 = 8).
    const { records, costs, totals } = run([spec(0, 0, 8, 9)], { method: 'ngram', numSpeculativeTokens: 3, acceptanceRate: 1 });
    // The kernel sees a verification of d drafts as d + 1 one-token rows at contexts c, c + 1, ..., c + d (decode-shaped
    // attention, one logit row per position), not as a (d + 1)-token prefill chunk.
    expect(costs[0].batches.map((b) => b.newTokens)).toEqual([[8], [1, 1, 1, 1], [1, 1, 1, 1]]);
    expect(costs[0].batches.map((b) => b.computedBefore)).toEqual([[0], [8, 9, 10, 11], [12, 13, 14, 15]]);
    const r = records[0];
    const step = A + B * 4;
    expect(Array.from(r.itlNs)).toEqual([step, 0, 0, 0, step, 0, 0, 0]);
    expect(r.latencyNs).toBe(A + B * 8 + 2 * step);
    expect(totals.specProposedTokens).toBe(6);
    expect(totals.specAcceptedTokens).toBe(6);
    expect(totals.outputTokens).toBe(9);
  });

  it('acceptance 0: one token per step, still paying for k + 1; drafts shrink near the end', () => {
    const { records, costs } = run([spec(0, 0, 8, 6)], { method: 'ngram', numSpeculativeTokens: 3, acceptanceRate: 0 });
    // Remaining after the prefill: 5 tokens → drafts min(3, 4), min(3, 3), min(3, 2), min(3, 1), 0.
    const tokensPerStep = (b: { newTokens: number[] }) => b.newTokens.reduce((x, y) => x + y, 0);
    expect(costs[0].batches.map(tokensPerStep)).toEqual([8, 4, 4, 3, 2, 1]);
    expect(records[0].itlNs.length).toBe(5);
    expect(Array.from(records[0].itlNs).every((x) => x > 0)).toBe(true);
  });

  it('an accepted-count distribution: always 2 of 3 accepted gives 3 tokens per step', () => {
    const { costs, totals } = run([spec(0, 0, 8, 10)], { method: 'ngram', numSpeculativeTokens: 3, acceptedDistribution: [0, 0, 1, 0] });
    // 9 tokens after the first: 3 steps of 3; the last proposes only 2 drafts (3 tokens left) and both are accepted.
    expect(costs[0].batches.map((b) => b.newTokens.reduce((x, y) => x + y, 0))).toEqual([8, 4, 4, 3]);
    expect(totals.specAcceptedTokens).toBe(6);
  });

  it('mean tokens per step matches (1 − α^(k+1)) / (1 − α) for i.i.d. acceptance', () => {
    const alpha = 0.6;
    const k = 4;
    const { costs } = run([spec(0, 0, 8, 20_001)], { method: 'ngram', numSpeculativeTokens: k, acceptanceRate: alpha, seed: 3 });
    const steps = costs[0].batches.length - 1; // after the prefill
    const expected = (1 - alpha ** (k + 1)) / (1 - alpha); // 2.3056
    expect(Math.abs(20_000 / steps - expected) / expected).toBeLessThan(0.02);
  });

  it('a draft model adds its k sequential steps over the speculating requests', () => {
    // Two requests decode together; the draft (1000 + 10·tokens ns per step) runs 3 one-token steps for both.
    const draft = new LinearCost(1000, 10);
    const { iterations, costs } = run([spec(0, 0, 8, 5), spec(1, 0, 8, 5)], { method: 'draft', numSpeculativeTokens: 3, acceptanceRate: 1, draftCost: draft });
    // Step 2 (first decode): target verifies 4 + 4 tokens; draft 3 × (1000 + 10·2).
    expect(costs[0].batches[1].newTokens).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(costs[0].batches[1].computedBefore).toEqual([8, 9, 10, 11, 8, 9, 10, 11]);
    expect(iterations[1].endNs - iterations[1].startNs).toBe(A + B * 8 + 3 * (1000 + 10 * 2));
    expect(draft.batches[0]).toEqual({ newTokens: [1, 1], computedBefore: [8, 8] });
  });

  it('conservation: every request finishes once with its tokens, for any acceptance, k and router', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ arrivalNs: fc.integer({ min: 0, max: 5_000_000 }), inputToks: fc.integer({ min: 1, max: 40 }), outputToks: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...ROUTER_POLICIES),
        (ws, k, alpha, router) => {
          const specs = ws.map((w, id) => spec(id, w.arrivalNs, w.inputToks, w.outputToks));
          const { records, totals } = run(specs, { method: 'ngram', numSpeculativeTokens: k, acceptanceRate: alpha, seed: 1 }, 2, router);
          expect(records.map((r) => r.requestId).sort((a, b) => a - b)).toEqual(specs.map((s) => s.id));
          for (const r of records) expect(r.itlNs.length).toBe(specs[r.requestId].outputToks - 1);
          expect(totals.outputTokens).toBe(specs.reduce((a, s) => a + s.outputToks, 0));
          expect(totals.specAcceptedTokens).toBeLessThanOrEqual(totals.specProposedTokens!);
        },
      ),
      { numRuns: 60 },
    );
  });
});
