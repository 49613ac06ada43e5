// A ShareGPT-like synthetic workload: Poisson arrivals × lengths from lognormals fitted to real ShareGPT traffic.
//
// Calibration target: LLMServingSim 2.0's workloads/sharegpt-llama-3.1-8b-300-sps10.jsonl (ShareGPT single-turn,
// Llama-3.1 tokenizer, reference README §5): 300 requests, Σ input 257,239 and Σ output 195,753, i.e. mean input
// 857.5 and mean output 652.5 tokens; ln(tokens) has mean 6.598 / sd 0.550 (input) and 6.470 / 0.150 (output);
// observed ranges 262–3998 (input) and 512–1021 (output), so that trace keeps only long answers. Unfiltered
// ShareGPT is shorter: the vLLM (SOSP'23), Orca, DistServe and Splitwise papers report mean inputs of about
// 161–343 and outputs of about 338 tokens for Llama-family tokenizers; use `sim dataset convert` on a real dump
// for that shape.
// Fit: a lognormal per axis truncated to [256, 4096] (input) and [512, 1024] (output), whose truncated log-mean
// and log-sd equal the trace's (moment matching of the truncated normal in log space). Its rounded means are
// 859.2 and 652.9 tokens, within 0.2% of the target.
import type { ArrivalSpec } from './arrivals.js';
import type { LengthSpec } from './lengths.js';
import type { FlatRow } from './loadedWorkload.js';
import { createOpenLoopSource } from './openLoop.js';

export const SHAREGPT_LIKE_LENGTHS: LengthSpec = {
  kind: 'lognormal',
  input: { mu: 6.523732, sigma: 0.626904, min: 256, max: 4096 },
  output: { mu: 6.386402, sigma: 0.211336, min: 512, max: 1024 },
};

export interface SynthOptions {
  numRequests?: number;
  rateRps?: number;
  seed?: number;
}

/** Defaults of the shipped datasets/sharegpt.tsv. */
export const SYNTH_DEFAULTS = { numRequests: 1000, rateRps: 10, seed: 1 } as const;

/** The rows of a ShareGPT-like workload, in arrival order (ids = row order). */
export function* synthesizeShareGptLike(options: SynthOptions = {}): Generator<FlatRow> {
  const numRequests = options.numRequests ?? SYNTH_DEFAULTS.numRequests;
  const arrival: ArrivalSpec = { kind: 'poisson', rateRps: options.rateRps ?? SYNTH_DEFAULTS.rateRps };
  const source = createOpenLoopSource({ numRequests, seed: options.seed ?? SYNTH_DEFAULTS.seed, arrival, lengths: SHAREGPT_LIKE_LENGTHS });
  while (!source.done()) {
    const r = source.pop();
    yield { inputToks: r.inputToks, outputToks: r.outputToks, arrivalNs: r.arrivalNs };
  }
}
