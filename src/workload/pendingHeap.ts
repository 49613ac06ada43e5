// A min-heap of pending requests keyed by (arrivalNs, id): the order the RequestSource contract promises.
// Typed arrays (engine/pairHeap.ts), so pushing a follow-up request allocates nothing once the arrays have grown.
import { PairMinHeap } from '../engine/pairHeap.js';

export class PendingHeap {
  private readonly heap = new PairMinHeap();

  get size(): number {
    return this.heap.size;
  }

  /** Arrival of the earliest pending request, or Infinity when empty. */
  peekArrivalNs(): number {
    return this.heap.peekKey();
  }

  /** Id of the earliest pending request (heap must not be empty). */
  peekId(): number {
    return this.heap.peekValue();
  }

  push(arrivalNs: number, id: number): void {
    this.heap.push(arrivalNs, id, id);
  }

  /** Remove the earliest; returns its id (heap must not be empty). */
  popId(): number {
    return this.heap.pop();
  }
}
