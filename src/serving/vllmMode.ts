// Departures of compat mode 'vllm' from LLMServingSim 2.0 towards real vLLM (0.19, V1 engine, async scheduling).
//
// 1. Async scheduling (policy flag `asyncScheduling`, applied in simulation.ts). vLLM's engine loop schedules step
//    k+1 right after it launched step k, then blocks on step k's result; a request that reaches the engine while
//    step k runs is therefore picked up after step k and first scheduled in step k+2, one step later than in
//    LLMServingSim (where it joins step k+1). No parameter. Only modelled for a lone instance. The reference run
//    shows it: e.g. bench-8 (289 prompt tokens, 15 ms decode steps running) gets its first token 36 ms after pick-up.
//    Not modelled (each worth about one step, under 0.5 % of the reference runs' TTFT): slots and KV blocks of a
//    request finishing in step k are reused from step k+2 on, not k+1; vLLM stamps first_token_ts when the engine
//    processes step k's output (≈ the step's end); the reference measures vLLM's TTFT from queued_ts (the pick-up at
//    a step boundary, 23 ms after arrival on average in the RTX PRO 6000 run), the simulator from arrival.
//
// 2. Step-time calibration (`withVllmStepTime`). The per-op profiles LLMServingSim uses were taken eager, one layer,
//    dummy weights; a real vLLM step also pays what they leave out. The data do not separate the causes; candidates
//    are launch and synchronisation gaps between kernels, per-step engine work that async scheduling hides only once
//    a step's GPU work is large enough, eager execution of mixed steps above the CUDA-graph capture sizes (512
//    tokens). Measured against vLLM 0.19 on the reference's
//    RTX PRO 6000 run (README §8), steps of few requests are slower than the profile says and steps of a full batch
//    are not; mixed steps (a prefill chunk plus decodes) lose more than decode-only ones. The excess per step is
//      Δ = overheadNs · max(0, 1 − n / saturationBatch),  overheadNs = mixedOverheadNs if the step has a prefill
//      chunk (a request with more than one new token), else decodeOverheadNs;  n = requests in the step.
//    This is a calibration, not a derivation: it exists only for hardware with a measured run (table below).
import { hardwareKey } from '../scenario/hardware.js';
import { CostWrapper } from './costWrapper.js';
import type { CostModelLike } from './types.js';

export interface VllmStepCalibration {
  /** Excess of a decode-only step of (almost) no requests, ns. */
  decodeOverheadNs: number;
  /** Excess of a step holding a prefill chunk, with (almost) no other requests, ns. */
  mixedOverheadNs: number;
  /** Batch size (requests) at which the excess has gone. */
  saturationBatch: number;
  /** The tensor-parallel degree it was measured at; other degrees get no correction. */
  tp: number;
  /** Where the numbers come from. */
  source: string;
}

/**
 * Calibrations against measured vLLM runs, by hardware key (hardwareKey() of the hardware name). Each applies to the
 * LLMServingSim 2.0 profile bundle of that GPU (cost source 'profile') and vLLM 0.19 with async scheduling.
 *
 * How they were fitted: simulate the run (compat 'vllm', async scheduling on); for every request, regress
 * vLLM's TPOT − the simulated TPOT on Σ max(0, 1 − n/128) over the simulated decode-only and mixed steps of its
 * lifetime, divided by its output_toks − 1 (least squares, two coefficients, no intercept, all 300 requests); add
 * them (from the second round on, half of them: damped) to the calibration, re-simulate and repeat until they are
 * below 0.35 ms (five rounds: 1.90/18.43 → 2.12/9.97 ms). The summary rows of bench:accuracy played no part.
 * saturationBatch 128 minimises the residual of the one-coefficient fit (scanned 64…256). Residual RMS of the
 * per-request TPOT: 0.666 ms → 0.16 ms.
 *
 * RTX 4090 (the reference's other run): the same fit gives 0.46 ms (decode) and −12.8 ms (mixed) with RMS 0.778 →
 * 0.757 ms, i.e. no significant excess (its batches stay at 30–40 requests with long contexts, and its TPOT
 * already matches within 0.3 %), so it has no entry.
 */
export const VLLM_STEP_CALIBRATION: Readonly<Record<string, VllmStepCalibration>> = {
  rtxpro6000: {
    decodeOverheadNs: 2_120_000,
    mixedOverheadNs: 9_970_000,
    saturationBatch: 128,
    tp: 1,
    source: 'fit to vLLM 0.19 per-request TPOT, reference bench/examples/RTXPRO6000/Llama-3.1-8B (300 requests)',
  },
};

/** The excess of one step over its profiled time (integer ns). newTokens[i] = new tokens of request i. */
export function vllmStepOverheadNs(cal: VllmStepCalibration, n: number, newTokens: ArrayLike<number>, moreDecodes = 0): number {
  const share = 1 - (n + moreDecodes) / cal.saturationBatch;
  if (!(share > 0)) return 0;
  let mixed = false;
  for (let i = 0; i < n; i++) {
    if (newTokens[i] > 1) {
      mixed = true;
      break;
    }
  }
  return Math.round((mixed ? cal.mixedOverheadNs : cal.decodeOverheadNs) * share);
}

/** A cost model whose step time is the wrapped one's plus the calibrated vLLM excess; same arrays, one inner call. */
class VllmStepCost extends CostWrapper {
  readonly internalEventOffsetsNs?: (out: Float64Array) => number;

  constructor(
    inner: CostModelLike,
    private readonly cal: VllmStepCalibration,
  ) {
    super(inner);
    if (inner.internalEventOffsetsNs) this.internalEventOffsetsNs = (out) => inner.internalEventOffsetsNs!(out);
  }

  iterate(n: number, startNs?: number): number {
    // The batch size counts the decode rows given as totals too (they are decodes: they never make a step mixed).
    const grouped = this.decodeGroup !== undefined ? this.decodeGroup[0] : 0;
    return this.inner.iterate(n, startNs) + vllmStepOverheadNs(this.cal, n, this.newTokens, grouped);
  }
}

/** Wrap a cost model with the calibration, if given (else return it unchanged). */
export function withVllmStepTime(cost: CostModelLike, cal: VllmStepCalibration | undefined): CostModelLike {
  return cal ? new VllmStepCost(cost, cal) : cost;
}

/** The calibration for this hardware at this TP degree, if measured, when step times come from an LLMServingSim profile bundle. */
export function vllmStepCalibrationFor(hardwareName: string, costSource: string, tp: number): VllmStepCalibration | undefined {
  if (costSource !== 'profile') return undefined;
  const cal = VLLM_STEP_CALIBRATION[hardwareKey(hardwareName)];
  return cal && cal.tp === tp ? cal : undefined;
}
