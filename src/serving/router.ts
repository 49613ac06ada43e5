// Picks the instance for each request that enters a pool (new arrivals: the prefill-capable instances; requests
// leaving a prefill instance under P/D disaggregation: the decode instances). Policies:
// - load (LLMServingSim 2.0's LOAD, reference README §3.3): the smallest (4·waiting + running) / max_num_seqs (raw
//   score if max_num_seqs is unlimited), scanning from a rotating start (ties → first scanned); the start moves to
//   just after the chosen instance.
// - round-robin (RR): the pool's instances in turn.
// - random (RAND): uniform over the pool, from the run's seeded 'routing' stream.
// - least-loaded: the fewest outstanding requests (waiting + running); least-tokens: the fewest outstanding tokens
//   (prompt + output of every routed, unfinished request). Both scan from a rotating start like load.
// - kv-aware: the lowest projected KV utilisation, (blocks pinned + blocks the waiting queue will need) / pool
//   blocks (a long queue is estimated from its head); ties → fewer outstanding requests.
// - prefix-aware: the longest prefix-cache hit for the request (blocks resident now), ties → least loaded.
import { Rng } from '../rng.js';
import type { Instance } from './instance.js';
import type { ServingRequest } from './request.js';

/** Waiting requests the kv-aware router reads per instance and decision. */
const KV_SCAN = 32;

export const ROUTER_POLICIES = ['load', 'round-robin', 'random', 'least-loaded', 'least-tokens', 'kv-aware', 'prefix-aware'] as const;
export type RouterPolicy = (typeof ROUTER_POLICIES)[number];

export class Router {
  private counter = 0;
  private readonly rng: Rng | undefined;
  /** Prompt + output tokens of the routed, unfinished requests, per instance (indexed like `instances`). */
  readonly outstandingTokens: Float64Array;
  private readonly hitScratch: number[] = [];

  /**
   * @param instances every instance of the run
   * @param pool indices (into `instances`) this router may choose from
   */
  constructor(
    private readonly instances: readonly Instance[],
    private readonly pool: readonly number[],
    private readonly policy: RouterPolicy,
    seed = 0,
    streamName = 'routing',
  ) {
    if (pool.length === 0) throw new Error('Router: empty instance pool');
    this.rng = policy === 'random' ? new Rng(seed, streamName) : undefined;
    this.outstandingTokens = new Float64Array(instances.length);
  }

  /** The first instance of the pool (whose knobs hash new requests). */
  get firstInPool(): number {
    return this.pool[0];
  }

  /** Index (into instances) of the instance that takes `req` (its hashes, if any, cut in hashBlockSize-token blocks). */
  pick(req: ServingRequest, hashBlockSize = 0): number {
    const pool = this.pool;
    const n = pool.length;
    if (n === 1) return pool[0];
    switch (this.policy) {
      case 'round-robin': {
        const k = this.counter % n;
        this.counter = k + 1;
        return pool[k];
      }
      case 'random':
        return pool[this.rng!.intInRange(0, n - 1)];
      case 'prefix-aware':
        return this.pickByPrefix(req, hashBlockSize);
      default:
        return this.scanMin();
    }
  }

  /** A request routed to instance `index` left it (finished, or handed to the decode pool). */
  release(index: number, req: ServingRequest): void {
    this.outstandingTokens[index] -= req.inputToks + req.outputToks;
  }

  /** Note that instance `index` took `req` (for least-tokens). */
  assign(index: number, req: ServingRequest): void {
    this.outstandingTokens[index] += req.inputToks + req.outputToks;
  }

  private score(index: number): number {
    const s = this.instances[index].scheduler;
    switch (this.policy) {
      case 'least-loaded':
        return s.waiting.length + s.numRunning;
      case 'least-tokens':
        return this.outstandingTokens[index];
      case 'kv-aware': {
        const kv = s.kv;
        // The waiting queue's blocks (its prompts), which admission will take: summed over its first KV_SCAN
        // requests and scaled up to the whole queue beyond that (O(1) per decision even when overloaded).
        const q = s.waiting.length;
        const scan = Math.min(q, KV_SCAN);
        let queued = 0;
        for (let i = 0; i < scan; i++) queued += Math.ceil(s.waiting.at(i).numReached / kv.blockSize);
        const need = kv.usedBlocks + (scan > 0 ? (queued * q) / scan : 0);
        // Ties (e.g. all empty) fall to fewer outstanding requests, at a weight below one block.
        return need / kv.numBlocks + (s.waiting.length + s.numRunning) * 1e-9;
      }
      default: {
        const raw = 4 * s.waiting.length + s.numRunning;
        return Number.isFinite(s.maxNumSeqs) ? raw / s.maxNumSeqs : raw;
      }
    }
  }

  /** The lowest score, scanning from a rotating start; the start moves just after the choice. */
  private scanMin(): number {
    const pool = this.pool;
    const n = pool.length;
    const start = this.counter % n;
    let best = start;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const at = (start + k) % n;
      const sc = this.score(pool[at]);
      if (sc < bestScore) {
        bestScore = sc;
        best = at;
      }
    }
    this.counter = (best + 1) % n;
    return pool[best];
  }

  private pickByPrefix(req: ServingRequest, hashBlockSize: number): number {
    const pool = this.pool;
    const n = pool.length;
    const start = this.counter % n;
    let best = start;
    let bestHit = -1;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const at = (start + k) % n;
      const s = this.instances[pool[at]].scheduler;
      // Hashes are per block size: an instance with another block size cannot be matched (counts as a miss).
      const hit = s.kv.blockSize === hashBlockSize ? s.kv.findComputedBlocks(req.hashes, req.numReached, this.hitScratch) * s.kv.blockSize : 0;
      const load = s.waiting.length + s.numRunning;
      if (hit > bestHit || (hit === bestHit && load < bestLoad)) {
        bestHit = hit;
        bestLoad = load;
        best = at;
      }
    }
    if (this.hitScratch.length > 0) this.hitScratch.length = 0;
    this.counter = (best + 1) % n;
    return pool[best];
  }
}
