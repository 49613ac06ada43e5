// Pipeline parallelism inside an instance (reference README §2.5): the model's blocks are split over `pp` stages; a
// batch runs stage 0, sends its hidden state to stage 1 (one link send), and so on; up to `pp` batches are in flight
// (the scheduler builds a new batch while fewer than pp are in flight, from requests not already in one). Each stage
// works on one batch at a time, in order, so with per-stage times t_s and send time d:
//
//   start_0 = max(scheduled at, stage 0 free);   start_s = max(end_{s−1} + d, stage s free);   end_s = start_s + t_s
//
// and the batch completes at end_{pp−1}. Batches complete in the order they started. The kernel gives t_s and d for
// each batch (cost counters); anything the step adds beyond the kernel (tier transfers, draft model) goes to stage 0.
import { Instance } from './instance.js';
import type { ServingRequest } from './request.js';
import { ScheduledBatch } from './scheduler.js';
import type { CounterIndex, InstanceSetup } from './types.js';

export interface PipelineLayout {
  stages: number; // pp
  stageNsIndex: number; // counters[stageNsIndex + s] = stage s's time of the last iterate()
  sendNsIndex: number; // counters[sendNsIndex] = one stage-to-stage send
}

export class PipelinedInstance extends Instance {
  readonly stages: number;
  private readonly layout: PipelineLayout;
  private readonly stageFreeNs: Float64Array;
  /** Batches in flight, oldest first, with their completion times. */
  private readonly inFlight: ScheduledBatch[] = [];
  private readonly inFlightEndNs: number[] = [];
  private readonly spare: ScheduledBatch[] = [];
  private lastEndNs = 0;
  /**
   * compat 'llmservingsim2' (set by the serving loop, README §2.5): LLMServingSim's start NPU builds a batch only when
   * ASTRA-Sim polls it idle, and a stage's NPU stays busy until its send of the hidden state to the next stage
   * completes. The layer ends and send completions of the batches in flight are events at which it is polled.
   */
  startNpuRule = false;
  /** Per batch in flight (same order as inFlight): its event times, ascending; arrays recycled through spareEvents. */
  private readonly inFlightEvents: Float64Array[] = [];
  private readonly inFlightEventCount: number[] = [];
  private readonly spareEvents: Float64Array[] = [];
  private stageOffsets = new Float64Array(512);

  constructor(setup: InstanceSetup, layout: PipelineLayout, counterIndex?: CounterIndex) {
    super(setup, counterIndex);
    if (!(layout.stages > 1)) throw new Error(`PipelinedInstance: needs pp > 1, got ${layout.stages}`);
    if (!setup.cost.counters) throw new Error('PipelinedInstance: the cost model must report per-stage times');
    this.stages = layout.stages;
    this.layout = layout;
    this.stageFreeNs = new Float64Array(layout.stages);
    for (let i = 0; i < layout.stages; i++) this.spare.push(new ScheduledBatch());
  }

  /** Whether another batch may enter the pipeline. */
  get hasRoom(): boolean {
    return this.inFlight.length < this.stages;
  }

  get batchesInFlight(): number {
    return this.inFlight.length;
  }

  /** Schedule a batch into the pipeline at nowNs; its completion time, or -1 (no room, or nothing to run). */
  override startBatch(nowNs: number): number {
    if (!this.hasRoom) return -1;
    // LLMServingSim: the start NPU, still computing or sending its part of a batch, is not asked to build another.
    if (this.startNpuRule && this.stageFreeNs[0] > nowNs) return -1;
    const flatEndNs = super.startBatch(nowNs);
    if (flatEndNs < 0) {
      this.busyUntilNs = this.inFlight.length > 0 ? this.inFlightEndNs[0] : -1;
      return -1;
    }
    const c = this.cost.counters!;
    const { stageNsIndex, sendNsIndex } = this.layout;
    const sendNs = c[sendNsIndex];
    let kernelNs = (this.stages - 1) * sendNs;
    for (let s = 0; s < this.stages; s++) kernelNs += c[stageNsIndex + s];
    const extraNs = flatEndNs - nowNs - kernelNs; // tier transfers, draft model: before stage 0's compute
    let endNs = 0;
    const cost = this.cost;
    const track = this.trackInternalEvents && cost.stageEventOffsetsNs !== undefined;
    let events = track ? (this.spareEvents.pop() ?? new Float64Array(1024)) : undefined;
    let count = 0;
    const push = (tNs: number): void => {
      if (count === events!.length) {
        const bigger = new Float64Array(events!.length * 2);
        bigger.set(events!);
        events = bigger;
      }
      events![count++] = tNs;
    };
    for (let s = 0; s < this.stages; s++) {
      const ready = s === 0 ? nowNs + extraNs : endNs + sendNs;
      const start = Math.max(ready, this.stageFreeNs[s]);
      if (track) {
        if (s > 0) push(ready); // the send into this stage completes
        let n = cost.stageEventOffsetsNs!(s, this.stageOffsets);
        while (n >= this.stageOffsets.length) {
          this.stageOffsets = new Float64Array(this.stageOffsets.length * 2);
          n = cost.stageEventOffsetsNs!(s, this.stageOffsets);
        }
        for (let k = 0; k < n; k++) push(start + this.stageOffsets[k]);
      }
      endNs = start + c[stageNsIndex + s];
      // LLMServingSim: the stage's NPU is busy until its send to the next stage completes.
      this.stageFreeNs[s] = endNs + (this.startNpuRule && s < this.stages - 1 ? sendNs : 0);
    }
    if (track) {
      this.inFlightEvents.push(events!);
      this.inFlightEventCount.push(count);
    }
    // Keep this batch for its completion; the scheduler fills a fresh one next.
    const sched = this.scheduler;
    this.inFlight.push(sched.batch);
    this.inFlightEndNs.push(endNs);
    sched.batch = this.spare.pop()!;
    // Iteration records of a pipelined instance tile its busy time (busy-time accounting, e.g. energy, sees no
    // overlap): each covers from the previous batch's completion (or its own start, if later) to its completion.
    this.iteration.startNs = Math.max(nowNs, this.lastEndNs);
    this.iteration.endNs = endNs;
    this.lastEndNs = endNs;
    this.busyUntilNs = this.inFlightEndNs[0];
    return endNs;
  }

  /** The first event (layer end, send completion) of the batches in flight strictly after tNs, or Infinity. */
  override nextInternalEventNs(tNs: number): number {
    let best = Infinity;
    for (let b = 0; b < this.inFlightEvents.length; b++) {
      const ev = this.inFlightEvents[b];
      const n = this.inFlightEventCount[b];
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ev[mid] <= tNs) lo = mid + 1;
        else hi = mid;
      }
      if (lo < n && ev[lo] < best) best = ev[lo];
    }
    return best;
  }

  /** The oldest batch in flight completed at endNs. */
  override finishBatch(endNs: number, onFinished: (req: ServingRequest) => void, onHandoff?: (req: ServingRequest) => void): void {
    const batch = this.inFlight.shift()!;
    this.inFlightEndNs.shift();
    if (this.inFlightEvents.length > 0) {
      this.spareEvents.push(this.inFlightEvents.shift()!);
      this.inFlightEventCount.shift();
    }
    this.scheduler.complete(endNs, onFinished, onHandoff, batch);
    this.spare.push(batch);
    this.busyUntilNs = this.inFlight.length > 0 ? this.inFlightEndNs[0] : -1;
  }
}
