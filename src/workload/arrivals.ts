// Arrival processes for open-loop workloads. Each yields integer-ns arrival times, non-decreasing, the first one
// gap after time 0 (as in the LLMServingSim ShareGPT trace, whose first arrival is at 0.047 s). Time is carried
// as a float of ns and rounded on output, so rounding never accumulates.
import type { Rng } from '../rng.js';

export type ArrivalSpec =
  /** Exponential gaps at rateRps requests per second. */
  | { kind: 'poisson'; rateRps: number }
  /** Gamma gaps with mean 1/rateRps and coefficient of variation cv (cv = 1 is Poisson; > 1 is burstier). */
  | { kind: 'gamma'; rateRps: number; cv: number }
  /** Evenly spaced, 1/rateRps apart. */
  | { kind: 'constant'; rateRps: number }
  /** On/off bursts: Poisson at rateRps during onS-second windows, nothing during the offS seconds between. */
  | { kind: 'bursts'; rateRps: number; onS: number; offS: number };

export interface ArrivalProcess {
  /** The next arrival, integer ns. */
  nextArrivalNs(): number;
}

const NS_PER_S = 1e9;

export function createArrivalProcess(spec: ArrivalSpec, rng: Rng): ArrivalProcess {
  if (!(spec.rateRps > 0) || !Number.isFinite(spec.rateRps)) throw new RangeError(`arrival rateRps must be a positive number, got ${spec.rateRps}`);
  const meanGapNs = NS_PER_S / spec.rateRps;
  switch (spec.kind) {
    case 'poisson':
      return gapProcess(() => rng.exponential(meanGapNs));
    case 'constant':
      return gapProcess(() => meanGapNs);
    case 'gamma': {
      // CV of Gamma(k, θ) is 1/sqrt(k); mean kθ = meanGap.
      const shape = 1 / (spec.cv * spec.cv);
      const scale = meanGapNs / shape;
      if (!(spec.cv > 0) || !Number.isFinite(shape) || !(scale > 0)) throw new RangeError(`gamma arrival cv must be a positive number not too near 0, got ${spec.cv}`);
      return gapProcess(() => rng.gamma(shape, scale));
    }
    case 'bursts': {
      if (!(spec.onS > 0) || !(spec.offS >= 0)) throw new RangeError(`bursts need onS > 0 and offS >= 0, got ${spec.onS}, ${spec.offS}`);
      const onNs = spec.onS * NS_PER_S;
      const offNs = spec.offS * NS_PER_S;
      // Run a Poisson clock in "on time" only, then map it to wall time by inserting every off window passed.
      let onClockNs = 0;
      return {
        nextArrivalNs() {
          onClockNs += rng.exponential(meanGapNs);
          return checkedNs(onClockNs + Math.floor(onClockNs / onNs) * offNs);
        },
      };
    }
  }
}

function gapProcess(nextGapNs: () => number): ArrivalProcess {
  let clockNs = 0;
  return {
    nextArrivalNs() {
      clockNs += nextGapNs();
      return checkedNs(clockNs);
    },
  };
}

function checkedNs(timeNs: number): number {
  const t = Math.round(timeNs);
  if (!Number.isSafeInteger(t)) throw new RangeError(`arrival time ${timeNs} ns is past what integer ns can hold; is the rate too low?`);
  return t;
}
