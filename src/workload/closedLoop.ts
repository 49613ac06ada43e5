// Closed loop: N users each send a request, wait for it to finish, think, and send again, until the total is
// reached. All users send their first request at time 0; ids are given in order of sending.
import { RngStreams, type Rng } from '../rng.js';
import { lengthSamplerFor, type LengthSampler, type LengthSpec } from './lengths.js';
import { PendingHeap } from './pendingHeap.js';
import type { RequestSource, RequestSpec } from './types.js';

export type ThinkTimeSpec = { kind: 'fixed'; ns: number } | { kind: 'exponential'; meanNs: number };

interface Waiting {
  user: number;
  inputToks: number;
  outputToks: number;
}

export class ClosedLoopSource implements RequestSource {
  private issued = 0;
  private readonly pending = new PendingHeap();
  /** Requests sent but not yet popped (at most one per user). */
  private readonly waiting = new Map<number, Waiting>();
  /** User of each popped, unfinished request. */
  private readonly inFlight = new Map<number, number>();

  constructor(
    readonly users: number,
    readonly totalRequests: number,
    private readonly thinkNs: () => number,
    private readonly lengths: LengthSampler,
  ) {
    if (!Number.isSafeInteger(users) || users < 1) throw new RangeError(`users must be a positive integer, got ${users}`);
    if (!Number.isSafeInteger(totalRequests) || totalRequests < 0) throw new RangeError(`request count must be a non-negative integer, got ${totalRequests}`);
    for (let u = 0; u < users && this.issued < totalRequests; u++) this.send(u, 0);
  }

  peekArrivalNs(): number {
    return this.pending.peekArrivalNs();
  }

  pop(): RequestSpec {
    if (this.pending.size === 0) throw new Error('pop() called with no pending request; check peekArrivalNs() first');
    const arrivalNs = this.pending.peekArrivalNs();
    const id = this.pending.popId();
    const w = this.waiting.get(id) as Waiting;
    this.waiting.delete(id);
    this.inFlight.set(id, w.user);
    return { id, arrivalNs, inputToks: w.inputToks, outputToks: w.outputToks, sessionId: `user-${w.user}` };
  }

  onFinish(id: number, finishNs: number): void {
    const user = this.inFlight.get(id);
    if (user === undefined) throw new Error(`onFinish(${id}): no such request is in flight`);
    this.inFlight.delete(id);
    if (this.issued < this.totalRequests) this.send(user, finishNs + Math.round(this.thinkNs()));
  }

  done(): boolean {
    return this.issued >= this.totalRequests && this.pending.size === 0;
  }

  private send(user: number, arrivalNs: number): void {
    const id = this.issued++;
    const { inputToks, outputToks } = this.lengths.sample();
    this.waiting.set(id, { user, inputToks, outputToks });
    this.pending.push(arrivalNs, id);
  }
}

export interface ClosedLoopOptions {
  users: number;
  numRequests: number;
  seed: number;
  thinkTime: ThinkTimeSpec;
  lengths: LengthSpec | LengthSampler;
}

/** Closed loop with the 'lengths' and 'think' streams of `seed`. */
export function createClosedLoopSource(options: ClosedLoopOptions): ClosedLoopSource {
  const streams = new RngStreams(options.seed);
  const lengths = lengthSamplerFor(options.lengths, streams);
  return new ClosedLoopSource(options.users, options.numRequests, thinkTime(options.thinkTime, streams.get('think')), lengths);
}

function thinkTime(spec: ThinkTimeSpec, rng: Rng): () => number {
  if (spec.kind === 'fixed') {
    if (!(spec.ns >= 0)) throw new RangeError(`think time must be >= 0 ns, got ${spec.ns}`);
    return () => spec.ns;
  }
  if (!(spec.meanNs >= 0)) throw new RangeError(`mean think time must be >= 0 ns, got ${spec.meanNs}`);
  return () => rng.exponential(spec.meanNs);
}
