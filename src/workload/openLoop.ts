// Open loop: requests arrive by an arrival process regardless of how the system keeps up. Generated lazily,
// one request ahead, so a million requests hold no array.
import { RngStreams } from '../rng.js';
import { createArrivalProcess, type ArrivalProcess, type ArrivalSpec } from './arrivals.js';
import { lengthSamplerFor, type LengthSampler, type LengthSpec } from './lengths.js';
import type { RequestSource, RequestSpec } from './types.js';

export class OpenLoopSource implements RequestSource {
  private issued = 0;
  private nextArrival: number;

  constructor(
    readonly totalRequests: number,
    private readonly arrivals: ArrivalProcess,
    private readonly lengths: LengthSampler,
  ) {
    if (!Number.isSafeInteger(totalRequests) || totalRequests < 0) throw new RangeError(`request count must be a non-negative integer, got ${totalRequests}`);
    this.nextArrival = totalRequests > 0 ? arrivals.nextArrivalNs() : Infinity;
  }

  peekArrivalNs(): number {
    return this.nextArrival;
  }

  pop(): RequestSpec {
    if (this.issued >= this.totalRequests) throw new Error('pop() called with no pending request; check peekArrivalNs() first');
    const { inputToks, outputToks } = this.lengths.sample();
    const spec: RequestSpec = { id: this.issued, arrivalNs: this.nextArrival, inputToks, outputToks };
    this.issued++;
    this.nextArrival = this.issued < this.totalRequests ? this.arrivals.nextArrivalNs() : Infinity;
    return spec;
  }

  onFinish(): void {}

  done(): boolean {
    return this.issued >= this.totalRequests;
  }
}

export interface OpenLoopOptions {
  numRequests: number;
  seed: number;
  arrival: ArrivalSpec;
  /** A distribution, or a ready sampler (e.g. datasetLengthSampler over a loaded file). */
  lengths: LengthSpec | LengthSampler;
}

/** Open loop with the 'arrivals' and 'lengths' streams of `seed`. */
export function createOpenLoopSource(options: OpenLoopOptions): OpenLoopSource {
  const streams = new RngStreams(options.seed);
  const lengths = lengthSamplerFor(options.lengths, streams);
  return new OpenLoopSource(options.numRequests, createArrivalProcess(options.arrival, streams.get('arrivals')), lengths);
}
