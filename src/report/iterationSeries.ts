// Batch size and KV use over time from the per-iteration records, in bounded memory: iterations fall into fixed-width
// time buckets (by start time); when a run outlasts the buckets, neighbours merge pairwise and the width doubles, so a
// run of any length ends with at most `maxBuckets` points and nothing is allocated per iteration.
import type { BatchPoint } from './chartSpecs.js';

/** What a bucket needs of an iteration record (a structural subset of serving's IterationRecord). */
export interface IterationSample {
  instanceId: number;
  startNs: number;
  endNs: number;
  numReqs: number;
  kvBlocksUsed: number;
}

export class TimeBuckets {
  /** Σ batch busy time (ns) per bucket. */
  readonly busyNs: Float64Array;
  /** Σ requests × busy time per bucket (busy-time mean batch = reqNs / busyNs). */
  readonly reqNs: Float64Array;
  readonly maxReqs: Float64Array;
  readonly maxKvBlocks: Float64Array;
  private width: number;
  private used = 0;

  constructor(readonly maxBuckets: number, initialWidthNs: number) {
    if (maxBuckets < 2 || maxBuckets % 2 !== 0) throw new Error(`internal: maxBuckets must be even and ≥ 2, got ${maxBuckets}`);
    this.busyNs = new Float64Array(maxBuckets);
    this.reqNs = new Float64Array(maxBuckets);
    this.maxReqs = new Float64Array(maxBuckets);
    this.maxKvBlocks = new Float64Array(maxBuckets);
    this.width = initialWidthNs;
  }

  get widthNs(): number {
    return this.width;
  }

  add(startNs: number, endNs: number, numReqs: number, kvBlocksUsed: number): void {
    let i = Math.floor(startNs / this.width);
    while (i >= this.maxBuckets) {
      this.halve();
      i = Math.floor(startNs / this.width);
    }
    const dur = endNs - startNs;
    this.busyNs[i] += dur;
    this.reqNs[i] += numReqs * dur;
    if (numReqs > this.maxReqs[i]) this.maxReqs[i] = numReqs;
    if (kvBlocksUsed > this.maxKvBlocks[i]) this.maxKvBlocks[i] = kvBlocksUsed;
    if (i + 1 > this.used) this.used = i + 1;
  }

  /** Merge neighbours pairwise (sums add, maxima take the larger) and double the width. */
  private halve(): void {
    const half = this.maxBuckets / 2;
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      this.busyNs[j] = this.busyNs[a] + this.busyNs[b];
      this.reqNs[j] = this.reqNs[a] + this.reqNs[b];
      this.maxReqs[j] = Math.max(this.maxReqs[a], this.maxReqs[b]);
      this.maxKvBlocks[j] = Math.max(this.maxKvBlocks[a], this.maxKvBlocks[b]);
    }
    this.busyNs.fill(0, half);
    this.reqNs.fill(0, half);
    this.maxReqs.fill(0, half);
    this.maxKvBlocks.fill(0, half);
    this.width *= 2;
    this.used = Math.ceil(this.used / 2);
  }

  /** Buckets that saw a batch, as chart points (time at the bucket's middle). */
  points(instance: number, kvBlocksTotal: number): BatchPoint[] {
    const out: BatchPoint[] = [];
    for (let i = 0; i < this.used; i++) {
      if (this.busyNs[i] <= 0 && this.maxReqs[i] === 0) continue;
      out.push({
        timeS: ((i + 0.5) * this.width) / 1e9,
        instance,
        meanBatch: this.busyNs[i] > 0 ? this.reqNs[i] / this.busyNs[i] : this.maxReqs[i],
        maxBatch: this.maxReqs[i],
        kvUsePct: kvBlocksTotal > 0 ? (100 * this.maxKvBlocks[i]) / kvBlocksTotal : 0,
      });
    }
    return out;
  }
}

/** One TimeBuckets per instance; pass `onIteration` to simulate()'s hooks. */
export class IterationSeries {
  private readonly byInstance = new Map<number, TimeBuckets>();

  /** 10 ms buckets to start with: short runs keep iteration-level detail. */
  constructor(private readonly maxPoints = 400, private readonly initialWidthNs = 10_000_000) {}

  onIteration = (it: IterationSample): void => {
    let b = this.byInstance.get(it.instanceId);
    if (!b) {
      b = new TimeBuckets(this.maxPoints, this.initialWidthNs);
      this.byInstance.set(it.instanceId, b);
    }
    b.add(it.startNs, it.endNs, it.numReqs, it.kvBlocksUsed);
  };

  /** Chart points of every instance (in instance order); `kvBlocksTotal` gives each instance's block count. */
  points(kvBlocksTotal: (instanceId: number) => number): BatchPoint[] {
    return [...this.byInstance.keys()].sort((a, b) => a - b).flatMap((id) => this.byInstance.get(id)!.points(id, kvBlocksTotal(id)));
  }
}
