// The waiting queue: sorted by (arrival, id), with preempted requests put back at the front.
// An array with a moving head, so taking from and returning to the front are O(1) even with a long queue.
import type { ServingRequest } from './request.js';

export class RequestQueue {
  private items: ServingRequest[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** The i-th request from the front. */
  at(i: number): ServingRequest {
    return this.items[this.head + i];
  }

  peek(): ServingRequest | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): ServingRequest {
    const req = this.items[this.head];
    this.items[this.head++] = undefined as unknown as ServingRequest;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      // Drop the consumed front once it is most of the array.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return req;
  }

  unshift(req: ServingRequest): void {
    if (this.head > 0) this.items[--this.head] = req;
    else this.items.unshift(req);
  }

  /**
   * Insert by (arrival, id) with a binary search (bisect_right, as LLMServingSim's insort): the queue is sorted
   * apart from preempted requests at its front, which arrived earlier anyway.
   */
  insertSorted(req: ServingRequest): void {
    const items = this.items;
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const o = items[mid];
      if (req.arrivalNs < o.arrivalNs || (req.arrivalNs === o.arrivalNs && req.id < o.id)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === items.length) items.push(req);
    else if (lo === this.head && this.head > 0) items[--this.head] = req;
    else items.splice(lo, 0, req);
  }
}
