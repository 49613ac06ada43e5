// RequestSource over a loaded workload file. Flat requests and each session's first sub-request are released in
// (arrival, id) order; sub-request i+1 of a session arrives at finish(i) + tool_duration_ns(i) (reference §5).
import type { LoadedWorkload } from './loadedWorkload.js';
import { PendingHeap } from './pendingHeap.js';
import type { RequestSource, RequestSpec } from './types.js';

export class WorkloadFileSource implements RequestSource {
  readonly totalRequests: number;
  /** Group indices sorted by (arrival, first id). */
  private readonly order: Uint32Array;
  private next = 0;
  private readonly followUps = new PendingHeap();
  /** Group of each request id (sessions only need it, but one Int32Array is cheaper than a Map). */
  private readonly groupOfId: Int32Array;
  /** Popped session sub-requests that still have a successor to release. */
  private awaitingFinish = 0;
  private readonly popped: Uint8Array;

  constructor(private readonly w: LoadedWorkload) {
    this.totalRequests = w.numRequests;
    const order = new Uint32Array(w.numGroups);
    for (let g = 0; g < order.length; g++) order[g] = g;
    const arrival = w.groupArrivalNs;
    order.sort((a, b) => arrival[a] - arrival[b] || a - b); // group index order is id order
    this.order = order;
    this.groupOfId = new Int32Array(w.numRequests);
    for (let g = 0; g < w.numGroups; g++) this.groupOfId.fill(g, w.groupFirstId[g], w.groupFirstId[g] + w.groupSize[g]);
    this.popped = new Uint8Array(w.numRequests);
  }

  peekArrivalNs(): number {
    const fromFile = this.next < this.order.length ? this.w.groupArrivalNs[this.order[this.next]] : Infinity;
    return Math.min(fromFile, this.followUps.peekArrivalNs());
  }

  pop(): RequestSpec {
    const w = this.w;
    let id: number;
    let arrivalNs: number;
    const fileArrival = this.next < this.order.length ? w.groupArrivalNs[this.order[this.next]] : Infinity;
    const heapArrival = this.followUps.peekArrivalNs();
    const fileId = this.next < this.order.length ? w.groupFirstId[this.order[this.next]] : -1;
    if (fileArrival < heapArrival || (fileArrival === heapArrival && fileArrival !== Infinity && fileId < this.followUps.peekId())) {
      id = fileId;
      arrivalNs = fileArrival;
      this.next++;
    } else if (heapArrival !== Infinity) {
      arrivalNs = heapArrival;
      id = this.followUps.popId();
    } else {
      throw new Error('pop() called with no pending request; check peekArrivalNs() first');
    }
    this.popped[id] = 1;
    const g = this.groupOfId[id];
    const spec: RequestSpec = { id, arrivalNs, inputToks: w.inputToks[id], outputToks: w.outputToks[id] };
    const inIds = w.inputTokIds.get(id);
    const outIds = w.outputTokIds.get(id);
    if (inIds) spec.inputTokIds = inIds;
    if (outIds) spec.outputTokIds = outIds;
    const sessionId = w.groupSessionId[g];
    if (sessionId !== undefined) {
      spec.sessionId = sessionId;
      if (id < w.groupFirstId[g] + w.groupSize[g] - 1) this.awaitingFinish++;
    }
    return spec;
  }

  onFinish(id: number, finishNs: number): void {
    const w = this.w;
    if (!(id >= 0 && id < w.numRequests) || this.popped[id] !== 1) {
      throw new Error(`onFinish(${id}): no such request was popped`);
    }
    this.popped[id] = 2;
    const g = this.groupOfId[id];
    if (w.groupSessionId[g] === undefined || id === w.groupFirstId[g] + w.groupSize[g] - 1) return;
    this.awaitingFinish--;
    this.followUps.push(finishNs + w.toolDurationNs[id], id + 1);
  }

  done(): boolean {
    return this.next === this.order.length && this.followUps.size === 0 && this.awaitingFinish === 0;
  }
}
