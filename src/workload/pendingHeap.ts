// A min-heap of pending requests keyed by (arrivalNs, id): the order the RequestSource contract promises.
// Parallel number arrays, so pushing a follow-up request allocates nothing once the arrays have grown.

export class PendingHeap {
  private arrivals: number[] = [];
  private ids: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** Arrival of the earliest pending request, or Infinity when empty. */
  peekArrivalNs(): number {
    return this.ids.length === 0 ? Infinity : this.arrivals[0];
  }

  /** Id of the earliest pending request (heap must not be empty). */
  peekId(): number {
    return this.ids[0];
  }

  push(arrivalNs: number, id: number): void {
    const a = this.arrivals;
    const ids = this.ids;
    let i = ids.length;
    a.push(arrivalNs);
    ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(arrivalNs, id, a[parent], ids[parent])) break;
      a[i] = a[parent];
      ids[i] = ids[parent];
      i = parent;
    }
    a[i] = arrivalNs;
    ids[i] = id;
  }

  /** Remove the earliest; returns its id (heap must not be empty). */
  popId(): number {
    const a = this.arrivals;
    const ids = this.ids;
    const top = ids[0];
    const lastArrival = a.pop() as number;
    const lastId = ids.pop() as number;
    const n = ids.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(a[right], ids[right], a[left], ids[left]) ? right : left;
      if (!before(a[child], ids[child], lastArrival, lastId)) break;
      a[i] = a[child];
      ids[i] = ids[child];
      i = child;
    }
    a[i] = lastArrival;
    ids[i] = lastId;
    return top;
  }
}

function before(arrivalA: number, idA: number, arrivalB: number, idB: number): boolean {
  return arrivalA < arrivalB || (arrivalA === arrivalB && idA < idB);
}
