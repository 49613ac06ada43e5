// Test doubles for the serving tests: a linear cost model and an array-backed request source.
import type { RequestSource, RequestSpec } from '../src/workload/types.js';
import type { CostModelLike } from '../src/serving/types.js';

/** latency = a + b·Σ new tokens + c·Σ computed-before tokens; records every batch it was asked to time. */
export class LinearCost implements CostModelLike {
  readonly newTokens = new Int32Array(4096);
  readonly computedBefore = new Int32Array(4096);
  readonly batches: { newTokens: number[]; computedBefore: number[] }[] = [];
  constructor(
    private readonly a: number,
    private readonly b: number,
    private readonly c = 0,
  ) {}
  iterate(n: number): number {
    let sumNew = 0;
    let sumCtx = 0;
    for (let i = 0; i < n; i++) {
      sumNew += this.newTokens[i];
      sumCtx += this.computedBefore[i];
    }
    this.batches.push({ newTokens: Array.from(this.newTokens.subarray(0, n)), computedBefore: Array.from(this.computedBefore.subarray(0, n)) });
    return this.a + this.b * sumNew + this.c * sumCtx;
  }
}

/** Serves a fixed list sorted by (arrival, id). */
export class ListSource implements RequestSource {
  private readonly list: RequestSpec[];
  private i = 0;
  readonly finished: number[] = [];
  constructor(specs: RequestSpec[]) {
    this.list = [...specs].sort((x, y) => x.arrivalNs - y.arrivalNs || x.id - y.id);
  }
  get totalRequests(): number {
    return this.list.length;
  }
  peekArrivalNs(): number {
    return this.i < this.list.length ? this.list[this.i].arrivalNs : Infinity;
  }
  pop(): RequestSpec {
    return this.list[this.i++];
  }
  onFinish(id: number): void {
    this.finished.push(id);
  }
  done(): boolean {
    return this.i >= this.list.length;
  }
}
