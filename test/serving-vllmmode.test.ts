// compat 'vllm' departures (src/serving/vllmMode.ts): async scheduling's admission lag and the calibrated step time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runServing } from '../src/serving/simulation.js';
import type { CompatMode, RequestRecord, ServingKnobs } from '../src/serving/types.js';
import { DEFAULT_KNOBS } from '../src/serving/types.js';
import {
  VLLM_STEP_CALIBRATION, type VllmStepCalibration, vllmStepCalibrationFor, vllmStepOverheadNs, withVllmStepTime,
} from '../src/serving/vllmMode.js';
import { LinearCost, ListSource } from './serving-fakes.js';

const MS = 1_000_000;
const CAL: VllmStepCalibration = { decodeOverheadNs: 2 * MS, mixedOverheadNs: 8 * MS, saturationBatch: 128, tp: 1, source: 'test' };

describe('vllmStepOverheadNs', () => {
  it('scales the decode or mixed excess by the unfilled share of the batch (hand-computed)', () => {
    const decodes = new Int32Array(200).fill(1);
    expect(vllmStepOverheadNs(CAL, 1, decodes)).toBe(Math.round(2 * MS * (127 / 128))); // 1,984,375
    expect(vllmStepOverheadNs(CAL, 32, decodes)).toBe(1_500_000); // 2 ms · 3/4
    const mixed = new Int32Array(200).fill(1);
    mixed[17] = 300; // one prefill chunk makes the step mixed
    expect(vllmStepOverheadNs(CAL, 64, mixed)).toBe(4_000_000); // 8 ms · 1/2
    expect(vllmStepOverheadNs(CAL, 17, mixed)).toBe(Math.round(2 * MS * (111 / 128))); // the chunk is request 17: not in a batch of 17
    expect(vllmStepOverheadNs(CAL, 128, mixed)).toBe(0);
    expect(vllmStepOverheadNs(CAL, 200, decodes)).toBe(0);
  });

  it('is a non-negative integer, at most the larger excess, and never grows with the batch (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.boolean(), (a, b, withChunk) => {
        const tokens = new Int32Array(301).fill(1);
        if (withChunk) tokens[0] = 2;
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const small = vllmStepOverheadNs(CAL, Math.max(lo, 1), tokens);
        const big = vllmStepOverheadNs(CAL, Math.max(hi, 1), tokens);
        expect(Number.isInteger(small) && small >= 0).toBe(true);
        expect(small).toBeLessThanOrEqual(CAL.mixedOverheadNs);
        expect(big).toBeLessThanOrEqual(small);
      }),
    );
  });
});

describe('withVllmStepTime', () => {
  it('adds the excess to the wrapped model in one inner call per batch, sharing its arrays', () => {
    const inner = new LinearCost(10 * MS, 1000);
    const cost = withVllmStepTime(inner, CAL);
    expect(cost.newTokens).toBe(inner.newTokens);
    expect(cost.computedBefore).toBe(inner.computedBefore);
    cost.newTokens[0] = 1;
    cost.newTokens[1] = 1;
    cost.newTokens[2] = 500;
    // inner: 10 ms + 502 µs; excess: mixed 8 ms · (1 − 3/128) = 7,812,500 ns
    expect(cost.iterate(3)).toBe(10 * MS + 502_000 + 7_812_500);
    expect(inner.batches).toHaveLength(1);
  });

  it('returns the model itself when there is no calibration', () => {
    const inner = new LinearCost(1, 1);
    expect(withVllmStepTime(inner, undefined)).toBe(inner);
  });
});

describe('vllmStepCalibrationFor', () => {
  it('finds the RTX PRO 6000 under any spelling, only for LLMServingSim profile bundles at the measured TP degree', () => {
    for (const name of ['RTXPRO6000', 'RTX PRO 6000', 'NVIDIA RTX PRO 6000']) expect(vllmStepCalibrationFor(name, 'profile', 1)).toBe(VLLM_STEP_CALIBRATION.rtxpro6000);
    expect(vllmStepCalibrationFor('RTXPRO6000', 'roofline', 1)).toBeUndefined();
    expect(vllmStepCalibrationFor('RTXPRO6000', 'profile', 2)).toBeUndefined(); // measured at TP1 only
    expect(vllmStepCalibrationFor('RTX4090', 'profile', 1)).toBeUndefined(); // fitted: no significant excess
  });
});

describe('async scheduling (compat vllm, one instance)', () => {
  // Every step takes 10 ms. A arrives at 0 (4 + 3 tokens), B at 5 ms, while A's prefill runs.
  function run(compat: CompatMode): Map<number, RequestRecord> {
    const knobs: ServingKnobs = { ...DEFAULT_KNOBS, enablePrefixCaching: false };
    const records = new Map<number, RequestRecord>();
    runServing({
      instances: [{ instanceId: 0, modelName: 'm', cost: new LinearCost(10 * MS, 0), knobs, numKvBlocks: 64 }],
      source: new ListSource([
        { id: 0, arrivalNs: 0, inputToks: 4, outputToks: 3 },
        { id: 1, arrivalNs: 5 * MS, inputToks: 4, outputToks: 2 },
      ]),
      compat,
      observer: { onRequest: (r) => records.set(r.requestId, { ...r, itlNs: Float64Array.from(r.itlNs) }) },
    });
    return records;
  }

  it('llmservingsim2: B joins the step right after the one it arrived in', () => {
    const r = run('llmservingsim2');
    expect(r.get(0)!.ttftNs).toBe(10 * MS);
    expect(r.get(1)!.ttftNs).toBe(20 * MS - 5 * MS); // prefilled in 10–20 ms
    expect(r.get(1)!.endNs).toBe(30 * MS);
  });

  it('vllm: that step was scheduled before B arrived, so B waits one more step', () => {
    const r = run('vllm');
    expect(r.get(0)!.ttftNs).toBe(10 * MS);
    expect(r.get(0)!.endNs).toBe(30 * MS); // A itself is not delayed
    expect(r.get(1)!.ttftNs).toBe(30 * MS - 5 * MS); // prefilled in 20–30 ms
    expect(r.get(1)!.endNs).toBe(40 * MS);
  });
});
