// One replica: its scheduler and KV cache, and the cost model that times each scheduled batch with one call.
import { Scheduler } from './scheduler.js';
import type { ServingRequest } from './request.js';
import type { CostModelLike, CounterIndex, InstanceSetup, IterationRecord } from './types.js';

export class Instance {
  readonly id: number;
  readonly modelName: string;
  readonly scheduler: Scheduler;
  protected readonly cost: CostModelLike;
  private readonly counterIndex?: CounterIndex;
  /** Reused for every batch: observers must copy what they keep. */
  readonly iteration: IterationRecord;
  /** End time of the batch in flight, or -1 when idle. */
  busyUntilNs = -1;
  iterations = 0;
  /** Record the internal events of each batch (multi-instance llmservingsim2 runs), if the cost model has them. */
  trackInternalEvents = false;
  private startNs = 0;
  private eventOffsetsNs = new Float64Array(512);
  private eventCount = 0;

  constructor(setup: InstanceSetup, counterIndex?: CounterIndex) {
    this.id = setup.instanceId;
    this.modelName = setup.modelName;
    this.cost = setup.cost;
    this.counterIndex = counterIndex;
    this.scheduler = new Scheduler(setup.knobs, setup.numKvBlocks, setup.maxPositionEmbeddings ?? Infinity);
    this.iteration = {
      instanceId: this.id,
      startNs: 0,
      endNs: 0,
      numReqs: 0,
      numPrefill: 0,
      numDecode: 0,
      prefillTokens: 0,
      decodeTokens: 0,
      kvBlocksUsed: 0,
      numRunning: 0,
      numWaiting: 0,
      flops: 0,
      hbmBytes: 0,
      commBytes: 0,
      commNs: 0,
    };
  }

  addRequest(req: ServingRequest): void {
    this.scheduler.addRequest(req);
  }

  /**
   * Speculative verification of d drafts is d + 1 query tokens of one request, each attending to the context before
   * it: the cost of d + 1 decodes at contexts c, c + 1, ..., c + d (same dense tokens, one logit row per position),
   * not of a (d + 1)-token prefill chunk, which the kernel's LLMServingSim rule (num_new > 1 = prefill) would lump
   * into one prefill with a summed KV history. Returns the number of rows filled.
   */
  private fillVerificationRows(n: number, reqs: readonly ServingRequest[], numNew: ArrayLike<number>, before: ArrayLike<number>): number {
    const cost = this.cost;
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const drafts = reqs[i].draftTokens;
      const expand = drafts > 0 ? drafts + 1 : 1;
      if (rows + expand > cost.newTokens.length) {
        throw new Error(`instance ${this.id}: speculative batch needs ${rows + expand} rows; the cost model holds ${cost.newTokens.length}`);
      }
      if (drafts > 0) {
        for (let j = 0; j <= drafts; j++) {
          cost.newTokens[rows] = 1;
          cost.computedBefore[rows++] = before[i] + j;
        }
      } else {
        cost.newTokens[rows] = numNew[i];
        cost.computedBefore[rows++] = before[i];
      }
    }
    return rows;
  }

  /** Schedule and time the next batch at nowNs. Returns its end time, or -1 if there is nothing to run. */
  startBatch(nowNs: number): number {
    const rows = this.prepareBatch(nowNs);
    return rows >= 0 ? this.runPreparedBatch(nowNs, rows) : -1;
  }

  /**
   * Schedule the next batch at nowNs and fill the cost model's rows, without timing it (a DP group pads every member
   * to the group's largest batch first, dpGroup.ts). Returns the rows filled (0 when the decode group, given to the
   * cost model as totals, is the whole batch), or -1 if there is nothing to run.
   */
  prepareBatch(nowNs: number): number {
    const batch = this.scheduler.schedule(nowNs);
    const n = batch.count;
    const total = batch.size;
    if (total === 0) return -1;
    const cost = this.cost;
    if (total > cost.newTokens.length || total > cost.computedBefore.length) {
      throw new Error(`instance ${this.id}: batch of ${total} requests exceeds the cost model's arrays (${cost.newTokens.length})`);
    }
    if (cost.decodeGroup !== undefined) cost.decodeGroup[0] = 0; // no totals unless the decode group writes them
    const newTokens = cost.newTokens as Int32Array;
    const computedBefore = cost.computedBefore as Int32Array;
    let rows = n;
    if (this.scheduler.spec === undefined) {
      for (let i = 0; i < n; i++) {
        newTokens[i] = batch.numNew[i];
        computedBefore[i] = batch.computedBefore[i];
      }
      // The decode group's rows (decodeGroup.ts) follow; the cost model does not depend on the rows' order.
      rows += this.scheduler.writeGroupRows(newTokens, computedBefore, n, cost.decodeGroup);
    } else {
      rows = this.fillVerificationRows(batch.count, batch.reqs, batch.numNew, batch.computedBefore);
    }
    return rows;
  }

  /** Time the batch prepareBatch(nowNs) filled (rows rows) and start it. Returns its end time. */
  runPreparedBatch(nowNs: number, rows: number): number {
    const cost = this.cost;
    const batch = this.scheduler.batch; // the one prepareBatch scheduled
    const n = batch.size;
    const latencyNs = cost.iterate(rows, nowNs);
    if (!(latencyNs >= 0) || !Number.isSafeInteger(latencyNs)) {
      throw new Error(`instance ${this.id}: cost model returned ${latencyNs} ns for a batch; expected a non-negative integer`);
    }
    // KV moved to or from host/CXL tiers for this step (swaps, prefix loads) delays it.
    const tiers = this.scheduler.tiers;
    // Speculative decoding with a draft model: its proposal steps precede the verification.
    const spec = this.scheduler.spec;
    const draftNs = spec !== undefined ? spec.draftNs(n, batch.reqs, batch.computedBefore) : 0;
    const endNs = nowNs + latencyNs + draftNs + (tiers !== undefined ? tiers.takePendingNs() : 0);
    this.busyUntilNs = endNs;
    this.startNs = nowNs;
    this.recordInternalEvents();
    this.iterations++;

    const it = this.iteration;
    const s = this.scheduler;
    it.startNs = nowNs;
    it.endNs = endNs;
    it.numReqs = n;
    it.numPrefill = batch.numPrefill;
    it.numDecode = batch.numDecode;
    it.prefillTokens = batch.prefillTokens;
    it.decodeTokens = batch.decodeTokens;
    it.kvBlocksUsed = s.kv.usedBlocks;
    it.numRunning = s.numRunning;
    it.numWaiting = s.waiting.length;
    const c = cost.counters;
    const k = this.counterIndex;
    if (c && k) {
      it.flops = c[k.flops];
      it.hbmBytes = c[k.hbmBytes];
      it.commBytes = c[k.commBytes];
      it.commNs = c[k.commNs];
    }
    return endNs;
  }

  private recordInternalEvents(): void {
    const cost = this.cost;
    if (this.trackInternalEvents && cost.internalEventOffsetsNs) {
      let count = cost.internalEventOffsetsNs(this.eventOffsetsNs);
      while (count >= this.eventOffsetsNs.length) {
        this.eventOffsetsNs = new Float64Array(this.eventOffsetsNs.length * 2);
        count = cost.internalEventOffsetsNs(this.eventOffsetsNs);
      }
      this.eventCount = count;
    }
  }

  /** True while a DP group's dummy batch runs here (it carries no requests). */
  private dummyInFlight = false;

  /**
   * DP group (README §2.7): a member with nothing to run joins the group's step with a 1-token dummy decode (padded
   * like the others by the caller's dpPad). Not counted as an iteration. Returns its end time.
   */
  startDummyBatch(nowNs: number): number {
    const cost = this.cost;
    cost.newTokens[0] = 1;
    cost.computedBefore[0] = 0;
    if (cost.decodeGroup !== undefined) cost.decodeGroup[0] = 0;
    const latencyNs = cost.iterate(1, nowNs);
    const endNs = nowNs + latencyNs;
    this.busyUntilNs = endNs;
    this.startNs = nowNs;
    this.dummyInFlight = true;
    this.recordInternalEvents();
    return endNs;
  }

  /** Time of the first internal event of the batch in flight strictly after tNs, or Infinity. */
  nextInternalEventNs(tNs: number): number {
    if (this.busyUntilNs < 0) return Infinity;
    const rel = tNs - this.startNs;
    const offsets = this.eventOffsetsNs;
    let lo = 0;
    let hi = this.eventCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid] <= rel) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.eventCount ? this.startNs + offsets[lo] : Infinity;
  }

  /** The batch in flight completed at endNs. */
  finishBatch(endNs: number, onFinished: (req: ServingRequest) => void, onHandoff?: (req: ServingRequest) => void): void {
    this.busyUntilNs = -1;
    if (this.dummyInFlight) {
      this.dummyInFlight = false;
      return;
    }
    this.scheduler.complete(endNs, onFinished, onHandoff);
  }
}
