// Invariants of the kernel over random batches (fast-check): order of requests does not matter, the iteration is
// the sum of its parts, results are integers and repeatable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTER, CostModel } from '../src/cost/costModel.js';
import { HAS_REFERENCE, LLAMA_8B, NO_REFERENCE_REASON, RTXPRO6000, VALIDATION, bundleDir } from './cost-fixtures.js';

const request = fc.oneof(
  fc.tuple(fc.constant(1), fc.integer({ min: 0, max: 30000 })), // decode
  fc.tuple(fc.integer({ min: 2, max: 3000 }), fc.integer({ min: 0, max: 20000 })), // prefill chunk
);
const batch = fc.array(request, { minLength: 1, maxLength: 300 });

function run(cm: CostModel, reqs: [number, number][]): number {
  reqs.forEach(([a, b], i) => {
    cm.newTokens[i] = a;
    cm.computedBefore[i] = b;
  });
  return cm.iterate(reqs.length);
}

async function models(): Promise<CostModel[]> {
  const base = { model: LLAMA_8B, hardware: RTXPRO6000, weightDtype: 'bf16', kvDtype: 'bf16', tp: 2, ...VALIDATION.RTXPRO6000 } as const;
  const list = [await CostModel.load(base)];
  if (HAS_REFERENCE) list.push(await CostModel.load({ ...base, perfBundle: bundleDir('RTXPRO6000') })); // skew correction on
  return list;
}

describe(`kernel invariants (${HAS_REFERENCE ? 'roofline and RTXPRO6000 tp2 bundle' : `roofline only: ${NO_REFERENCE_REASON}`})`, () => {
  it('a permutation of the requests gives the same time and counters', async () => {
    for (const cm of await models()) {
      fc.assert(
        fc.property(batch, fc.integer(), (reqs, seed) => {
          const t = run(cm, reqs);
          const counters = Array.from(cm.counters);
          const shuffled = [...reqs].sort((x, y) => ((x[0] * 31 + x[1] + seed) % 97) - ((y[0] * 31 + y[1] + seed) % 97));
          expect(run(cm, shuffled)).toBe(t);
          expect(Array.from(cm.counters)).toEqual(counters);
        }),
        { numRuns: 100 },
      );
    }
  });
  it('latency = compute + comm + memory, all integer ns, and compute = the layer walk', async () => {
    for (const cm of await models()) {
      fc.assert(
        fc.property(batch, (reqs) => {
          const t = run(cm, reqs);
          const c = cm.counters;
          const b = cm.breakdown();
          expect(Number.isInteger(t)).toBe(true);
          expect(t).toBe(c[COUNTER.computeNs] + c[COUNTER.commNs] + c[COUNTER.memNs]);
          const block = 2 * b.layernorm_ns + b.qkv_proj_ns + b.rotary_emb_ns + b.attention_ns + b.o_proj_ns + b.gate_up_proj_ns + b.act_fn_ns + b.down_proj_ns;
          expect(b.block_ns).toBe(block);
          expect(c[COUNTER.computeNs]).toBe(b.embedding_ns + 32 * block + b.final_layernorm_ns + b.lm_head_ns + b.sampler_ns);
          expect(c[COUNTER.commNs]).toBe(64 * b.allreduce_ns);
          expect(c[COUNTER.flops]).toBeGreaterThan(0);
        }),
        { numRuns: 100 },
      );
    }
  });
  it('requests with no new tokens are not work: an all-idle batch costs 0 ns', async () => {
    const [cm] = await models();
    expect(run(cm, [[0, 100], [0, 5]])).toBe(0);
    const t = run(cm, [[1, 100]]);
    expect(run(cm, [[0, 7], [1, 100], [0, 9]])).toBe(t);
  });
});

describe('pipeline invariants (roofline, Llama-3.1-8B, tp 2)', () => {
  const base = { model: LLAMA_8B, hardware: RTXPRO6000, weightDtype: 'bf16', kvDtype: 'bf16', tp: 2, ...VALIDATION.RTXPRO6000 } as const;
  it('for any batch and pp: the stages sum to the unpipelined step, and the step adds (pp - 1) sends', async () => {
    const flat = await CostModel.load(base);
    const piped = await Promise.all([2, 3, 5, 8].map((pp) => CostModel.load({ ...base, pp })));
    fc.assert(
      fc.property(batch, fc.integer({ min: 0, max: piped.length - 1 }), (reqs, which) => {
        const cm = piped[which];
        const tFlat = run(flat, reqs);
        const t = run(cm, reqs);
        const pp = cm.pp;
        const stages = Array.from({ length: pp }, (_, s) => cm.counters[COUNTER.stageNs + s]);
        expect(cm.counters[COUNTER.stageCount]).toBe(pp);
        expect(stages.every((x) => Number.isInteger(x) && x > 0)).toBe(true);
        expect(stages.reduce((a, x) => a + x, 0)).toBe(tFlat);
        expect(t).toBe(tFlat + (pp - 1) * cm.counters[COUNTER.ppSendNs]);
        // the slots past the last stage stay 0
        expect(cm.counters[COUNTER.stageNs + pp]).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
