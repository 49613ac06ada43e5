// One instance's scheduler with vLLM v1 semantics as LLMServingSim 2.0 models them (reference README §3.2):
// one schedule() per step over a token budget.
//  Phase A: running requests in admission order catch up to their reached length (a chunk, or 1 token = decode);
//           if the pool cannot hold a request's new tokens, the tail of the running list is preempted (recompute:
//           blocks freed with their hashes kept, progress reset, put at the front of the waiting queue) until it fits
//           or the request itself was the victim.
//  Phase B: skipped in a step that preempted. FCFS admission from the waiting queue, stopping at the first request
//           that cannot be taken: running set full, budget spent, prompt not fitting without chunked prefill, whole
//           sequence not fitting the free pool (reserve_full_isl), or the first chunk not fitting.
// Progress (numComputed) advances at schedule time; tokens are produced when the batch completes.
import { KvCache } from './kvCache.js';
import type { ServingRequest } from './request.js';
import type { KvTiers } from './kvTiers.js';
import type { SpeculativeDecoder } from './speculative.js';
import { RequestQueue } from './requestQueue.js';
import { StepClock } from './stepClock.js';
import type { ServingKnobs } from './types.js';

const NO_BLOCKS: readonly number[] = [];

/** The batch built by one schedule() call. Arrays are reused across steps; read them before the next call. */
export class ScheduledBatch {
  count = 0;
  reqs: ServingRequest[] = [];
  numNew = new Int32Array(64);
  computedBefore = new Int32Array(64);
  numPrefill = 0;
  numDecode = 0;
  prefillTokens = 0;
  decodeTokens = 0;

  reset(): void {
    this.count = 0;
    this.numPrefill = this.numDecode = this.prefillTokens = this.decodeTokens = 0;
  }

  add(req: ServingRequest, numNew: number, computedBefore: number): void {
    const i = this.count++;
    if (i === this.numNew.length) {
      const n = new Int32Array(i * 2);
      n.set(this.numNew);
      this.numNew = n;
      const c = new Int32Array(i * 2);
      c.set(this.computedBefore);
      this.computedBefore = c;
    }
    this.reqs[i] = req;
    this.numNew[i] = numNew;
    this.computedBefore[i] = computedBefore;
    if (numNew > 1) {
      this.numPrefill++;
      this.prefillTokens += numNew;
    } else {
      this.numDecode++;
      this.decodeTokens += numNew;
    }
  }
}

export class Scheduler {
  readonly kv: KvCache;
  readonly knobs: ServingKnobs;
  readonly tokenBudget: number;
  readonly maxNumSeqs: number;
  /** Admitted and not finished, in admission order. */
  readonly running: ServingRequest[] = [];
  /** Arrived and not admitted, by (arrival, id); preempted requests go to the front. */
  readonly waiting = new RequestQueue();
  /** The batch schedule() fills (a pipelined instance swaps in a fresh one while this one is in flight). */
  batch = new ScheduledBatch();

  // Counters (cumulative).
  preemptions = 0;
  recomputedTokens = 0;
  prefixRequestedTokens = 0;
  prefixHitTokens = 0;
  promptTokensDone = 0; // prompt tokens completed, incl. prefix hits and recomputation (LLMServingSim's prompt_t)
  generatedTokens = 0;

  /** True if the last schedule() ran admission (no preemption in that step). */
  admissionRan = false;
  /** A P/D prefill instance: a request leaves (complete()'s onHandoff) once its first token is produced. */
  prefillOnly = false;
  /** Host/CXL tiers below the GPU pool (swap on preemption, prefix blocks), if configured. */
  tiers: KvTiers | undefined = undefined;
  /** Speculative decoding (decode steps verify draft tokens), if configured. */
  spec: SpeculativeDecoder | undefined = undefined;

  private readonly hitBlocks: number[] = [];
  /** Step end times for the requests' deferred inter-token gaps (see stepClock.ts). */
  private readonly itlClock = new StepClock();

  constructor(knobs: ServingKnobs, numKvBlocks: number, maxPositionEmbeddings = Infinity) {
    this.knobs = knobs;
    this.kv = new KvCache(numKvBlocks, knobs.blockSize, knobs.enablePrefixCaching);
    const budget = knobs.maxNumBatchedTokens > 0 ? knobs.maxNumBatchedTokens : Infinity;
    this.tokenBudget = Math.min(budget, maxPositionEmbeddings);
    if (!Number.isFinite(this.tokenBudget)) {
      throw new Error('Scheduler: max_num_batched_tokens = 0 (unlimited) needs the model max_position_embeddings as its cap');
    }
    this.maxNumSeqs = knobs.maxNumSeqs > 0 ? knobs.maxNumSeqs : Infinity;
  }

  /** Queue an arrived request by (arrival, id). */
  addRequest(req: ServingRequest): void {
    this.kv.initSlot(req.slot);
    this.waiting.insertSorted(req);
  }

  get isIdle(): boolean {
    return this.running.length === 0 && this.waiting.length === 0;
  }

  /** Build the next batch at time nowNs; batch.count is 0 if there is nothing to run. */
  schedule(nowNs: number): ScheduledBatch {
    const batch = this.batch;
    batch.reset();
    let budget = this.tokenBudget;
    const threshold = this.knobs.longPrefillTokenThreshold;
    const kv = this.kv;
    const running = this.running;
    let preempted = false;

    // Phase A: running requests.
    for (let i = 0; i < running.length && budget > 0; ) {
      const req = running[i];
      if (req.inFlight) {
        // Its previous step is still in the pipeline (pp > 1): it waits for it.
        i++;
        continue;
      }
      let numNew = req.numReached - req.numComputed;
      if (threshold > 0 && threshold < numNew) numNew = threshold;
      if (numNew > budget) numNew = budget;
      if (numNew <= 0) {
        i++;
        continue;
      }
      // A decode step with speculative decoding verifies its drafts too (k + 1 tokens for the target model).
      const drafts = this.spec !== undefined && numNew === 1 && !req.isInit ? this.spec.draftsFor(req.targetTokens - req.numReached, budget - 1) : 0;
      numNew += drafts;
      let fits = false;
      for (;;) {
        if (kv.allocateSlots(req.slot, req.hashes, req.numComputed, numNew, req.numReached, NO_BLOCKS)) {
          fits = true;
          break;
        }
        // A request whose step is still in the pipeline cannot be preempted (pp > 1): stop here.
        if (running[running.length - 1].inFlight) break;
        const victim = running.pop()!;
        this.preempt(victim);
        preempted = true;
        if (victim === req) break;
      }
      if (!fits) break;
      req.draftTokens = drafts;
      this.place(req, numNew, req.numComputed, nowNs);
      budget -= numNew;
      i++;
    }

    // Phase B: admission, only in a step that did not preempt.
    this.admissionRan = !preempted;
    if (!preempted) {
      const waiting = this.waiting;
      const hits = this.hitBlocks;
      while (waiting.length > 0 && budget > 0) {
        if (running.length >= this.maxNumSeqs) break;
        const req = waiting.at(0);
        if (req.arrivalNs > nowNs) break;
        // A request whose prompt KV was transferred in (P/D decode side) takes blocks for it without computing it.
        const ready = req.kvReadyTokens;
        if (ready > 0) hits.length = 0;
        let tierBlocks = 0; // prefix blocks found in a host/CXL tier after the GPU hit
        let hitTokens = ready;
        if (ready === 0) {
          const gpuBlocks = kv.findComputedBlocks(req.hashes, req.numReached, hits);
          if (this.tiers !== undefined) {
            const maxBlocks = Math.min(Math.floor((req.numReached - 1) / kv.blockSize), req.hashes.length);
            tierBlocks = this.tiers.matchPrefix(req.hashes, gpuBlocks, maxBlocks);
          }
          hitTokens = (gpuBlocks + tierBlocks) * kv.blockSize;
        }
        let numNew = req.numReached - hitTokens;
        if (threshold > 0 && threshold < numNew) numNew = threshold;
        if (!this.knobs.enableChunkedPrefill && numNew > budget) break;
        if (numNew > budget) numNew = budget;
        if (numNew <= 0) break;
        if (this.knobs.reserveFullIsl && !kv.canFitFullSequence(req.slot, req.numReached, hitTokens, hits)) break;
        if (!kv.allocateSlots(req.slot, req.hashes, hitTokens, numNew, req.numReached, hits)) break;
        waiting.shift();
        req.admitHitTokens = hitTokens;
        req.kvReadyTokens = 0; // a later preemption recomputes it like any other
        if (req.swapTier >= 0) {
          this.tiers!.swapIn(req.swapTier, ready);
          req.swapTier = -1;
        } else if (tierBlocks > 0) {
          this.tiers!.loadPrefix(req.hashes, hitTokens / kv.blockSize - tierBlocks, tierBlocks);
        }
        if (req.preemptions > 0 && ready === 0) this.recomputedTokens += Math.max(0, req.numReached - hitTokens);
        if (!req.prefixStatsCounted) {
          // Counted once per request, at its first admission (as LLMServingSim's prefix-hit ratio).
          req.prefixStatsCounted = true;
          req.prefixHitTokens = hitTokens;
          this.prefixRequestedTokens += req.inputToks;
          this.prefixHitTokens += hitTokens;
        }
        running.push(req);
        this.place(req, numNew, hitTokens, nowNs);
        budget -= numNew;
      }
      hits.length = 0;
    }
    return batch;
  }

  /**
   * The batch built by the last schedule() completed at finishNs: produce tokens, stamp TTFT/ITL, retire finished
   * requests (their blocks are freed) and hand each to onFinished.
   */
  complete(finishNs: number, onFinished: (req: ServingRequest) => void, onHandoff?: (req: ServingRequest) => void, batch: ScheduledBatch = this.batch): void {
    const clock = this.itlClock;
    clock.begin(finishNs);
    for (let i = 0; i < batch.count; i++) {
      const req = batch.reqs[i];
      req.inFlight = false;
      const numNew = batch.numNew[i];
      // Speculative step: the rejected drafts' KV is dropped; the accepted ones are tokens produced below.
      const drafts = req.draftTokens;
      let accepted = 0;
      if (drafts > 0) {
        accepted = this.spec!.accept(drafts);
        req.numComputed -= drafts - accepted;
        req.draftTokens = 0;
      }
      const prefillDoneNow = req.isInit && req.numComputed >= req.inputToks;
      if (prefillDoneNow) {
        req.isInit = false;
        req.ttftNs = finishNs - req.arrivalNs;
        req.lastTokenNs = finishNs;
        this.promptTokensDone += numNew + req.admitHitTokens;
      } else if (numNew > 1 && drafts === 0) {
        this.promptTokensDone += numNew;
      }
      // (Full blocks were indexed in the prefix cache when allocated, as vLLM does; completion adds none.)
      // A token is produced once the request has caught up to its reached length; a resumed request recomputing
      // its history stays silent until then, so that token's ITL includes the recomputation.
      if (req.numComputed >= req.numReached) {
        if (req.numReached < req.targetTokens) {
          req.numReached++;
          this.generatedTokens++;
        }
        if (!prefillDoneNow) req.addStepGap(clock, finishNs);
        // Accepted drafts arrive with that token: more tokens at the same instant (gap 0).
        for (let a = 0; a < accepted; a++) {
          req.numReached++;
          this.generatedTokens++;
          req.addGap(0);
        }
      }
      if (req.numReached >= req.targetTokens) {
        this.release(req);
        onFinished(req);
      } else if (this.prefillOnly && !req.isInit && onHandoff) {
        // P/D prefill side: the first token is out; the request leaves with its KV for a decode instance.
        this.release(req);
        onHandoff(req);
      }
    }
    if (clock.sweepDue) {
      // Runs that ended (a request that stopped producing tokens) are written before the clock's ring wraps.
      for (const req of this.running) if (req.hasEndedRun(clock)) req.flushItl();
    }
  }

  /** A request leaves this instance (finished or handed off): write its pending ITL, free its blocks, drop it from running. */
  private release(req: ServingRequest): void {
    req.flushItl();
    this.kv.free(req.slot);
    const at = this.running.indexOf(req);
    if (at >= 0) this.running.splice(at, 1);
  }

  /**
   * Why the head of the waiting queue cannot be admitted even into an empty instance, or undefined if it can.
   * Used when nothing runs and admission just failed: then nothing will ever change and the run cannot finish.
   */
  whyStuck(): string | undefined {
    const req = this.waiting.peek();
    if (!req) return undefined;
    const bs = this.kv.blockSize;
    if (!this.knobs.enableChunkedPrefill && req.numReached > this.tokenBudget) {
      return `request ${req.id} needs ${req.numReached} tokens in one step, but chunked prefill is off and max_num_batched_tokens is ${this.tokenBudget}`;
    }
    const blocks = Math.ceil(req.numReached / bs);
    if (blocks > this.kv.numBlocks) {
      return `request ${req.id} needs ${blocks} KV blocks (${req.numReached} tokens of ${bs}) but the instance has ${this.kv.numBlocks}`;
    }
    return `request ${req.id} (${req.numReached} tokens) cannot be admitted into an empty instance`;
  }

  private place(req: ServingRequest, numNew: number, computedBefore: number, nowNs: number): void {
    this.batch.add(req, numNew, computedBefore);
    // LLMServingSim stamps the queuing delay every time a not-yet-first-token request is scheduled, so it ends as
    // the start of the step that ran its last prefill chunk.
    if (req.isInit) req.queuingDelayNs = nowNs - req.arrivalNs;
    req.numComputed = computedBefore + numNew;
    req.inFlight = true;
  }

  private preempt(victim: ServingRequest): void {
    victim.flushItl();
    // With a swap tier the computed KV goes to host/CXL memory and comes back at readmission (no recompute).
    const tier = this.tiers !== undefined && victim.numComputed > 0 ? this.tiers.swapOut(victim.numComputed) : -1;
    if (tier >= 0) {
      victim.swapTier = tier;
      victim.kvReadyTokens = victim.numComputed;
    }
    this.kv.free(victim.slot);
    victim.numComputed = 0;
    victim.preemptions++;
    this.preemptions++;
    this.waiting.unshift(victim);
  }
}
