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
// Running requests' counters live in the running state's typed arrays (runningState.ts). Steady decoders join a
// decode group (decodeGroup.ts) that Phase A advances as a block when the loop above would run every member without
// a budget cut or a preemption; otherwise the group is dissolved and the loop decides that step.
import { KvCache } from './kvCache.js';
import type { ServingRequest } from './request.js';
import { DecodeGroup } from './decodeGroup.js';
import { HAS_HASHES, IN_FLIGHT, IS_INIT, NO_RUN, RunningState } from './runningState.js';
import type { KvTiers } from './kvTiers.js';
import type { SpeculativeDecoder } from './speculative.js';
import { RequestQueue } from './requestQueue.js';
import type { ServingKnobs } from './types.js';

const NO_BLOCKS: readonly number[] = [];
const NO_HASHES = new Float64Array(0);

/** The batch built by one schedule() call. Arrays are reused across steps; read them before the next call. */
export class ScheduledBatch {
  count = 0;
  reqs: ServingRequest[] = [];
  /** Each row's index in the scheduler's RunningState. */
  hot = new Int32Array(64);
  numNew = new Int32Array(64);
  computedBefore = new Int32Array(64);
  numPrefill = 0;
  numDecode = 0;
  prefillTokens = 0;
  decodeTokens = 0;
  /** Decode rows of the scheduler's decode group (decodeGroup.ts), not listed in the arrays above. */
  groupRows = 0;

  reset(): void {
    this.count = 0;
    this.groupRows = 0;
    this.numPrefill = this.numDecode = this.prefillTokens = this.decodeTokens = 0;
  }

  /** Requests in the batch: its rows plus the decode group's. */
  get size(): number {
    return this.count + this.groupRows;
  }

  addGroup(rows: number): void {
    this.groupRows = rows;
    this.numDecode += rows;
    this.decodeTokens += rows;
  }

  add(req: ServingRequest, h: number, numNew: number, computedBefore: number): void {
    const i = this.count++;
    if (i === this.numNew.length) {
      const hh = new Int32Array(i * 2);
      hh.set(this.hot);
      this.hot = hh;
      const n = new Int32Array(i * 2);
      n.set(this.numNew);
      this.numNew = n;
      const c = new Int32Array(i * 2);
      c.set(this.computedBefore);
      this.computedBefore = c;
    }
    this.reqs[i] = req;
    this.hot[i] = h;
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
  /** The admitted, unfinished requests' indices in `state`, in admission order (state.reqs[h] is the request). */
  private readonly runningHot: number[] = [];
  /** The running requests' hot counters (structure of arrays; runningState.ts). Their index names their KV blocks. */
  readonly state: RunningState;
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
  /** Of generatedTokens, those produced by decode-group steps. */
  groupedTokens = 0;

  /** True if the last schedule() ran admission (no preemption in that step). */
  admissionRan = false;
  /** A P/D prefill instance: a request leaves (complete()'s onHandoff) once its first token is produced. */
  prefillOnly = false;
  /** Host/CXL tiers below the GPU pool (swap on preemption, prefix blocks), if configured. */
  tiers: KvTiers | undefined = undefined;
  /** Speculative decoding (decode steps verify draft tokens), if configured. */
  spec: SpeculativeDecoder | undefined = undefined;

  private readonly hitBlocks: number[] = [];
  /** Steady decoders advanced together (decodeGroup.ts); used only while grouping is on. */
  readonly group: DecodeGroup;
  private grouping = false;
  /** Running requests outside the group, in admission order (all of them while the group is empty). */
  private readonly activeHot: number[] = [];
  private admissions = 0;
  private readonly groupFinished: number[] = [];
  private readonly rowFinished: number[] = [];

  constructor(knobs: ServingKnobs, numKvBlocks: number, maxPositionEmbeddings = Infinity) {
    this.knobs = knobs;
    this.kv = new KvCache(numKvBlocks, knobs.blockSize, knobs.enablePrefixCaching);
    const budget = knobs.maxNumBatchedTokens > 0 ? knobs.maxNumBatchedTokens : Infinity;
    this.tokenBudget = Math.min(budget, maxPositionEmbeddings);
    if (!Number.isFinite(this.tokenBudget)) {
      throw new Error('Scheduler: max_num_batched_tokens = 0 (unlimited) needs the model max_position_embeddings as its cap');
    }
    this.maxNumSeqs = knobs.maxNumSeqs > 0 ? knobs.maxNumSeqs : Infinity;
    // Sized for a full running set, so the arrays are not replaced in the middle of a step (they can still grow).
    this.state = new RunningState(Number.isFinite(this.maxNumSeqs) ? this.maxNumSeqs + 1 : 256);
    this.group = new DecodeGroup(knobs.blockSize);
  }

  /**
   * Advance steady decoders as a group (decodeGroup.ts): same results, O(1) per step for them. Only for an instance
   * whose every step is one plain batch: no pipeline, DP group, speculative decoding or P/D prefill role, and a cost
   * model that reads batch totals (the order of its rows must not matter). Turned off for good once a request with
   * prefix hashes must be indexed (blocks then need identities).
   */
  enableDecodeGroup(): void {
    this.grouping = this.spec === undefined && !this.prefillOnly;
  }

  get decodeGroupOn(): boolean {
    return this.grouping;
  }

  /** Queue an arrived request by (arrival, id). */
  addRequest(req: ServingRequest): void {
    // Its blocks would need identities to be indexed (KvCache leaves counted mode): the group cannot count them.
    if (this.grouping && this.kv.enableCaching && req.hashes.length > 0) this.grouping = false;
    this.waiting.insertSorted(req);
  }

  get isIdle(): boolean {
    return this.runningHot.length === 0 && this.waiting.length === 0;
  }

  /** Requests admitted and not finished. */
  get numRunning(): number {
    return this.runningHot.length;
  }

  /** Build the next batch at time nowNs; batch.size is 0 if there is nothing to run. */
  schedule(nowNs: number): ScheduledBatch {
    const batch = this.batch;
    batch.reset();
    let budget = this.tokenBudget;
    if (this.group.size > 0 && (!this.grouping || !this.kv.isCounted)) this.dissolveGroup();
    let preempted = false;
    const left = this.group.size > 0 ? this.scheduleWithGroup(nowNs, budget) : -1;
    if (left >= 0) {
      budget = left;
    } else {
      if (this.group.size > 0) this.dissolveGroup(); // the step-by-step loop decides this step (budget cut or KV short)
      budget = this.scheduleRunning(nowNs, budget);
      preempted = this.preemptedInStep;
    }

    // Phase B: admission, only in a step that did not preempt.
    this.admissionRan = !preempted;
    if (!preempted) this.admit(nowNs, budget);
    return batch;
  }

  private preemptedInStep = false;

  /** Phase A, step by step over the running requests in admission order. Returns the budget left. */
  private scheduleRunning(nowNs: number, budgetIn: number): number {
    let budget = budgetIn;
    const threshold = this.knobs.longPrefillTokenThreshold;
    const kv = this.kv;
    const runningHot = this.runningHot;
    const st = this.state;
    const spec = this.spec;
    this.preemptedInStep = false;
    // Counters are read from the running state's arrays, not the objects.
    const computed = st.computed;
    const reached = st.reached;
    const flags = st.flags;
    for (let i = 0; i < runningHot.length && budget > 0; ) {
      const h = runningHot[i];
      const f = flags[h];
      if ((f & IN_FLIGHT) !== 0) {
        // Its previous step is still in the pipeline (pp > 1): it waits for it.
        i++;
        continue;
      }
      const before = computed[h];
      let numNew = reached[h] - before;
      if (threshold > 0 && threshold < numNew) numNew = threshold;
      if (numNew > budget) numNew = budget;
      if (numNew <= 0) {
        i++;
        continue;
      }
      // A decode step with speculative decoding verifies its drafts too (k + 1 tokens for the target model).
      const drafts = spec !== undefined && numNew === 1 && (f & IS_INIT) === 0 ? spec.draftsFor(st.target[h] - reached[h], budget - 1) : 0;
      numNew += drafts;
      let fits = false;
      for (;;) {
        const hashes = (f & HAS_HASHES) !== 0 ? st.reqs[h]!.hashes : NO_HASHES;
        if (kv.allocateSlots(h, hashes, before, numNew, reached[h], NO_BLOCKS)) {
          fits = true;
          break;
        }
        // A request whose step is still in the pipeline cannot be preempted (pp > 1): stop here.
        const tail = runningHot[runningHot.length - 1];
        if ((flags[tail] & IN_FLIGHT) !== 0) break;
        this.preemptTail();
        this.preemptedInStep = true;
        if (tail === h) break;
      }
      if (!fits) break;
      st.drafts[h] = drafts;
      this.place(st.reqs[h]!, h, numNew, before, nowNs);
      budget -= numNew;
      i++;
    }
    return budget;
  }

  /**
   * Phase A with a decode group: when the step-by-step loop would run every member and need no preemption, do what
   * it would do with the group as a block. In admission order the rows are: requests outside the group admitted before
   * its last member (none is cut by the budget if they and the members fit it), the members (one token each), then
   * the later ones (cut by what budget is left, as the loop does). If the blocks all of them take are free, no
   * allocation can fail, and in counted mode which row takes which block is not observable. Returns the budget left,
   * or -1 (nothing changed) when the loop must decide.
   */
  private scheduleWithGroup(nowNs: number, budget: number): number {
    const g = this.group;
    const st = this.state;
    const kv = this.kv;
    const threshold = this.knobs.longPrefillTokenThreshold;
    const active = this.activeHot;
    const computed = st.computed;
    const reached = st.reached;
    const maxSeq = g.maxSeq;
    let split = 0; // active[0..split) were admitted before the group's last member
    let tokens = g.size;
    let blocks = g.blocksNeededNext();
    for (; split < active.length && st.seq[active[split]] < maxSeq; split++) {
      const h = active[split];
      let numNew = reached[h] - computed[h];
      if (threshold > 0 && threshold < numNew) numNew = threshold;
      if (numNew <= 0) continue;
      tokens += numNew;
      blocks += kv.countedNeed(h, computed[h] + numNew);
    }
    if (tokens > budget) return -1;
    let left = budget - tokens;
    for (let k = split; k < active.length && left > 0; k++) {
      const h = active[k];
      let numNew = reached[h] - computed[h];
      if (threshold > 0 && threshold < numNew) numNew = threshold;
      if (numNew > left) numNew = left;
      if (numNew <= 0) continue;
      left -= numNew;
      blocks += kv.countedNeed(h, computed[h] + numNew);
    }
    if (blocks > kv.freeBlocks) return -1;

    left = budget;
    for (let k = 0; k < active.length && left > 0; k++) {
      if (k === split) {
        kv.takeCounted(g.blocksNeededNext());
        this.batch.addGroup(g.size);
        left -= g.size;
        if (left <= 0) break;
      }
      const h = active[k];
      const before = computed[h];
      let numNew = reached[h] - before;
      if (threshold > 0 && threshold < numNew) numNew = threshold;
      if (numNew > left) numNew = left;
      if (numNew <= 0) continue;
      if (!kv.allocateSlots(h, NO_HASHES, before, numNew, reached[h], NO_BLOCKS)) throw new Error('internal: decode-group step ran out of KV blocks');
      this.place(st.reqs[h]!, h, numNew, before, nowNs);
      left -= numNew;
    }
    if (split === active.length) {
      kv.takeCounted(g.blocksNeededNext());
      this.batch.addGroup(g.size);
      left -= g.size;
    }
    return left;
  }

  /** Phase B: FCFS admission from the waiting queue. */
  private admit(nowNs: number, budgetIn: number): void {
    let budget = budgetIn;
    const threshold = this.knobs.longPrefillTokenThreshold;
    const kv = this.kv;
    const runningHot = this.runningHot;
    const st = this.state;
    const waiting = this.waiting;
    const hits = this.hitBlocks;
    while (waiting.length > 0 && budget > 0) {
      if (runningHot.length >= this.maxNumSeqs) break;
      const req = waiting.at(0);
      if (req.arrivalNs > nowNs) break;
      // The running-state index it would take names its KV blocks (it holds none while waiting).
      const h = st.nextIndex();
      kv.initSlot(h);
      // A request whose prompt KV was transferred in (P/D decode side) takes blocks for it without computing it.
      const ready = req.kvReadyTokens;
      if (ready > 0 && hits.length > 0) hits.length = 0;
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
      if (this.knobs.reserveFullIsl && !kv.canFitFullSequence(h, req.numReached, hitTokens, hits)) break;
      if (!kv.allocateSlots(h, req.hashes, hitTokens, numNew, req.numReached, hits)) break;
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
      if (st.attach(req) !== h) throw new Error('internal: running-state index changed during admission');
      st.seq[h] = this.admissions++;
      runningHot.push(h);
      this.activeHot.push(h);
      this.place(req, h, numNew, hitTokens, nowNs);
      budget -= numNew;
    }
    if (hits.length > 0) hits.length = 0; // (setting length is a runtime call: skip it when already empty)
  }

  /**
   * The decode group's rows of the last schedule(): as totals into `totals` when the cost model takes them (returns
   * 0 rows written), else as rows (new tokens, computed before) from index `at` (returns how many).
   */
  writeGroupRows(newTokens: Int32Array, computedBefore: Int32Array, at: number, totals: Float64Array | undefined): number {
    if (this.batch.groupRows === 0) return 0;
    if (totals !== undefined) {
      this.group.writeTotals(totals);
      return 0;
    }
    return this.group.writeRows(newTokens, computedBefore, at);
  }

  /**
   * The batch built by the last schedule() completed at finishNs: produce tokens, stamp TTFT/ITL, retire finished
   * requests (their blocks are freed) and hand each to onFinished, in admission order.
   */
  complete(finishNs: number, onFinished: (req: ServingRequest) => void, onHandoff?: (req: ServingRequest) => void, batch: ScheduledBatch = this.batch): void {
    const st = this.state;
    const g = this.group;
    st.clock.begin(finishNs);
    const groupFinished = this.groupFinished;
    const rowFinished = this.rowFinished;
    if (groupFinished.length > 0) groupFinished.length = 0;
    if (rowFinished.length > 0) rowFinished.length = 0;
    if (batch.groupRows > 0) {
      // Every member produced a token (the members that reached their target with it finish now).
      g.advance();
      this.generatedTokens += batch.groupRows;
      this.groupedTokens += batch.groupRows;
      g.popFinished(groupFinished);
    }
    // No request is attached during completion, so the arrays stay in place.
    const computed = st.computed;
    const reached = st.reached;
    const target = st.target;
    const flags = st.flags;
    const hot = batch.hot;
    const numNewOf = batch.numNew;
    const joining = this.grouping && this.kv.isCounted;
    for (let i = 0; i < batch.count; i++) {
      const h = hot[i];
      const f = flags[h] & ~IN_FLIGHT;
      flags[h] = f;
      const numNew = numNewOf[i];
      // Speculative step: the rejected drafts' KV is dropped; the accepted ones are tokens produced below.
      const drafts = st.drafts[h];
      let accepted = 0;
      if (drafts > 0) {
        accepted = this.spec!.accept(drafts);
        computed[h] -= drafts - accepted;
        st.drafts[h] = 0;
      }
      const prefillDoneNow = (f & IS_INIT) !== 0 && computed[h] >= st.input[h];
      if (prefillDoneNow) {
        flags[h] = f & ~IS_INIT;
        const req = st.reqs[h]!;
        req.ttftNs = finishNs - req.arrivalNs;
        st.lastTokenNs[h] = finishNs;
        this.promptTokensDone += numNew + req.admitHitTokens;
      } else if (numNew > 1 && drafts === 0) {
        this.promptTokensDone += numNew;
      }
      // (Full blocks were indexed in the prefix cache when allocated, as vLLM does; completion adds none.)
      // A token is produced once the request has caught up to its reached length; a resumed request recomputing
      // its history stays silent until then, so that token's ITL includes the recomputation.
      const produced = computed[h] >= reached[h];
      if (produced) {
        if (reached[h] < target[h]) {
          reached[h]++;
          this.generatedTokens++;
        }
        if (!prefillDoneNow) st.addStepGap(h, finishNs);
        // Accepted drafts arrive with that token: more tokens at the same instant (gap 0).
        for (let a = 0; a < accepted; a++) {
          reached[h]++;
          this.generatedTokens++;
          st.addGap(h, 0);
        }
      }
      if (reached[h] >= target[h]) {
        rowFinished.push(h);
      } else if (this.prefillOnly && (flags[h] & IS_INIT) === 0 && onHandoff) {
        // P/D prefill side: the first token is out; the request leaves with its KV for a decode instance.
        onHandoff(this.release(h));
      } else if (joining && produced && (flags[h] & IS_INIT) === 0 && computed[h] === reached[h] - 1) {
        // It produced a token now and its next step computes one token: from here it decodes step after step.
        this.joinGroup(h);
      }
    }
    // Retire the finished requests in admission order (rows are in that order, and so are the group's).
    let a = 0;
    let b = 0;
    while (a < rowFinished.length || b < groupFinished.length) {
      const fromGroup = a === rowFinished.length || (b < groupFinished.length && st.seq[groupFinished[b]] < st.seq[rowFinished[a]]);
      const h = fromGroup ? groupFinished[b++] : rowFinished[a++];
      if (fromGroup) this.leaveGroup(h);
      onFinished(this.release(h));
    }
    if (st.sink !== undefined) {
      st.emitStepGaps(finishNs, batch.groupRows);
    } else if (st.clock.sweepDue) {
      // Runs that ended (a request that stopped producing tokens) are written before the clock's ring wraps; the
      // group's members write theirs (which run to this step) and go on from here.
      const step = st.clock.step;
      for (const h of this.runningHot) {
        if (g.isMember(h)) {
          st.runEnd[h] = step;
          st.flushItl(h);
          st.runStart[h] = st.runEnd[h] = step;
        } else if (st.hasEndedRun(h)) {
          st.flushItl(h);
        }
      }
    }
  }

  /** A steady decoder (its next step computes one token) joins the group with its blocks and its ITL run. */
  private joinGroup(h: number): void {
    const st = this.state;
    const c = st.computed[h];
    const blocks = this.kv.detachCounted(h);
    if (blocks !== Math.ceil(c / this.kv.blockSize)) throw new Error(`internal: request with ${c} tokens computed holds ${blocks} KV blocks`);
    // Its run of tokens goes on from this step (the prefill's step, or the one its latest gap was deferred at).
    if (st.runStart[h] === NO_RUN) st.runStart[h] = st.runEnd[h] = st.clock.step;
    this.group.join(h, c, st.target[h], st.seq[h]);
    const at = this.activeHot.indexOf(h);
    this.activeHot.splice(at, 1);
  }

  /** A member leaves the group: its counters and blocks from the group's step count, its run up to the last step. */
  private leaveGroup(h: number): void {
    const st = this.state;
    const c = this.group.remove(h);
    st.computed[h] = c;
    st.reached[h] = c + 1;
    st.runEnd[h] = st.clock.step;
    if (st.sink !== undefined) st.lastTokenNs[h] = st.clock.endNsAt(st.clock.step); // its latest token came then
    this.kv.attachCounted(h, Math.ceil(c / this.kv.blockSize));
  }

  /** Every member leaves the group (the step-by-step loop takes over); the running set is all active again. */
  private dissolveGroup(): void {
    const members = Array.from(this.group.members());
    for (const h of members) this.leaveGroup(h);
    this.group.clear();
    this.activeHot.length = 0;
    for (const h of this.runningHot) this.activeHot.push(h);
  }

  /** The request at running-state index h leaves this instance (finished or handed off): its blocks are freed. */
  private release(h: number): ServingRequest {
    this.kv.free(h);
    const at = this.runningHot.indexOf(h);
    if (at >= 0) this.runningHot.splice(at, 1);
    const act = this.activeHot.indexOf(h);
    if (act >= 0) this.activeHot.splice(act, 1);
    return this.state.detach(h);
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

  private place(req: ServingRequest, h: number, numNew: number, computedBefore: number, nowNs: number): void {
    const st = this.state;
    this.batch.add(req, h, numNew, computedBefore);
    // LLMServingSim stamps the queuing delay every time a not-yet-first-token request is scheduled, so it ends as
    // the start of the step that ran its last prefill chunk.
    if ((st.flags[h] & IS_INIT) !== 0) req.queuingDelayNs = nowNs - req.arrivalNs;
    st.computed[h] = computedBefore + numNew;
    st.flags[h] |= IN_FLIGHT;
  }

  /** Preempt the last running request (recompute, or swap to a lower tier): it goes to the front of the queue. */
  private preemptTail(): void {
    const st = this.state;
    const h = this.runningHot.pop()!;
    // Preemption runs step by step, with the group dissolved: every running request is active.
    if (this.activeHot.pop() !== h) throw new Error('internal: preempted request is not the last active one');
    const computedTokens = st.computed[h];
    // With a swap tier the computed KV goes to host/CXL memory and comes back at readmission (no recompute).
    const tier = this.tiers !== undefined && computedTokens > 0 ? this.tiers.swapOut(computedTokens) : -1;
    this.kv.free(h);
    st.computed[h] = 0;
    const victim = st.detach(h);
    if (tier >= 0) {
      victim.swapTier = tier;
      victim.kvReadyTokens = computedTokens;
    }
    victim.preemptions++;
    this.preemptions++;
    this.waiting.unshift(victim);
  }
}
