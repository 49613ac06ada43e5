// A binary min-heap of events ordered by (timeNs, seq). Events are plain numbers held in parallel typed arrays:
// a small integer kind and two integer payload slots. seq is a monotonically increasing tie-breaker, so events at
// the same time pop in the order they were pushed, which makes every run deterministic.
// Pushing and popping allocate nothing except when the arrays double.
import { grown } from '../typedArrays.js';

export class EventHeap {
  private timeNs: Float64Array;
  private seq: Float64Array; // float64: exact integers up to 2^53, more events than any run will push
  private kind: Int32Array;
  private a: Int32Array;
  private b: Int32Array;
  private count = 0;
  private nextSeq = 0;

  // The fields of the most recently popped event, read after pop().
  poppedTimeNs = 0;
  poppedKind = 0;
  poppedA = 0;
  poppedB = 0;

  constructor(initialCapacity = 64) {
    const cap = Math.max(4, initialCapacity);
    this.timeNs = new Float64Array(cap);
    this.seq = new Float64Array(cap);
    this.kind = new Int32Array(cap);
    this.a = new Int32Array(cap);
    this.b = new Int32Array(cap);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event, or Infinity if empty. */
  peekTimeNs(): number {
    return this.count > 0 ? this.timeNs[0] : Infinity;
  }

  push(timeNs: number, kind: number, a = 0, b = 0): void {
    if (this.count === this.timeNs.length) this.grow();
    let i = this.count++;
    const s = this.nextSeq++;
    // Sift up: move parents down until the slot for the new event is found.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.timeNs[p] < timeNs || (this.timeNs[p] === timeNs && this.seq[p] < s)) break;
      this.move(p, i);
      i = p;
    }
    this.timeNs[i] = timeNs;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
  }

  /** Remove the earliest event; its fields are left in popped*. Returns false if the heap was empty. */
  pop(): boolean {
    if (this.count === 0) return false;
    this.poppedTimeNs = this.timeNs[0];
    this.poppedKind = this.kind[0];
    this.poppedA = this.a[0];
    this.poppedB = this.b[0];
    const last = --this.count;
    if (last > 0) {
      const t = this.timeNs[last];
      const s = this.seq[last];
      const k = this.kind[last];
      const ea = this.a[last];
      const eb = this.b[last];
      let i = 0;
      // Sift down the former last event from the root.
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        let c = l;
        if (r < last && (this.timeNs[r] < this.timeNs[l] || (this.timeNs[r] === this.timeNs[l] && this.seq[r] < this.seq[l]))) c = r;
        if (t < this.timeNs[c] || (t === this.timeNs[c] && s < this.seq[c])) break;
        this.move(c, i);
        i = c;
      }
      this.timeNs[i] = t;
      this.seq[i] = s;
      this.kind[i] = k;
      this.a[i] = ea;
      this.b[i] = eb;
    }
    return true;
  }

  clear(): void {
    this.count = 0;
  }

  private move(from: number, to: number): void {
    this.timeNs[to] = this.timeNs[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.a[to] = this.a[from];
    this.b[to] = this.b[from];
  }

  private grow(): void {
    const cap = this.timeNs.length * 2;
    this.timeNs = grown(this.timeNs, cap);
    this.seq = grown(this.seq, cap);
    this.kind = grown(this.kind, cap);
    this.a = grown(this.a, cap);
    this.b = grown(this.b, cap);
  }
}
