// Length samplers: (input, output) token counts per request, from a fixed pair, a distribution, or a dataset
// sampled with replacement. sample() returns the same object each call (no allocation per request).
import type { Rng, RngStreams } from '../rng.js';
import type { LoadedWorkload } from './loadedWorkload.js';

export interface LengthPair {
  inputToks: number;
  outputToks: number;
}

export interface LengthSampler {
  /** The next pair; the returned object is reused by the next call. */
  sample(): Readonly<LengthPair>;
}

/** A lognormal axis: ln(tokens) ~ Normal(mu, sigma), truncated to [min, max] by redrawing, then rounded. */
export interface LognormalAxis {
  mu: number;
  sigma: number;
  min: number;
  max: number;
}

export type LengthSpec =
  | { kind: 'fixed'; inputToks: number; outputToks: number }
  | { kind: 'uniform'; input: readonly [number, number]; output: readonly [number, number] }
  | { kind: 'lognormal'; input: LognormalAxis; output: LognormalAxis };

/** A ready sampler as given, or one drawn from the 'lengths' stream of `streams` (what every synthetic source does). */
export function lengthSamplerFor(lengths: LengthSpec | LengthSampler, streams: RngStreams): LengthSampler {
  return 'sample' in lengths ? lengths : createLengthSampler(lengths, streams.get('lengths'));
}

export function createLengthSampler(spec: LengthSpec, rng: Rng): LengthSampler {
  const pair: LengthPair = { inputToks: 0, outputToks: 0 };
  switch (spec.kind) {
    case 'fixed': {
      checkRange(spec.inputToks, spec.inputToks, 'inputToks');
      checkRange(spec.outputToks, spec.outputToks, 'outputToks');
      pair.inputToks = spec.inputToks;
      pair.outputToks = spec.outputToks;
      return { sample: () => pair };
    }
    case 'uniform': {
      checkRange(spec.input[0], spec.input[1], 'input');
      checkRange(spec.output[0], spec.output[1], 'output');
      return {
        sample() {
          pair.inputToks = rng.intInRange(spec.input[0], spec.input[1]);
          pair.outputToks = rng.intInRange(spec.output[0], spec.output[1]);
          return pair;
        },
      };
    }
    case 'lognormal': {
      checkRange(spec.input.min, spec.input.max, 'input');
      checkRange(spec.output.min, spec.output.max, 'output');
      return {
        sample() {
          pair.inputToks = truncatedLognormal(rng, spec.input);
          pair.outputToks = truncatedLognormal(rng, spec.output);
          return pair;
        },
      };
    }
  }
}

const MAX_REDRAWS = 64;

/** Redraw until the rounded value lies in [min, max]; after MAX_REDRAWS (a window with almost no mass) clamp. */
export function truncatedLognormal(rng: Rng, axis: LognormalAxis): number {
  let x = 0;
  for (let i = 0; i < MAX_REDRAWS; i++) {
    x = Math.round(rng.lognormal(axis.mu, axis.sigma));
    if (x >= axis.min && x <= axis.max) return x;
  }
  return Math.min(axis.max, Math.max(axis.min, x));
}

/** Pairs drawn uniformly with replacement from a loaded dataset's requests (lengths keep their pairing). */
export function datasetLengthSampler(dataset: LoadedWorkload, rng: Rng): LengthSampler {
  if (dataset.numRequests === 0) throw new RangeError(`${dataset.file}: no requests to sample lengths from`);
  const pair: LengthPair = { inputToks: 0, outputToks: 0 };
  const last = dataset.numRequests - 1;
  return {
    sample() {
      const i = rng.intInRange(0, last);
      pair.inputToks = dataset.inputToks[i];
      pair.outputToks = dataset.outputToks[i];
      return pair;
    },
  };
}

function checkRange(lo: number, hi: number, what: string): void {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 1 || hi < lo) {
    throw new RangeError(`${what} token range must be integers 1 <= min <= max, got [${lo}, ${hi}]`);
  }
}
