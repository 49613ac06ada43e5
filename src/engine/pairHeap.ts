// A binary min-heap of numbers ordered by (key, tie), in parallel typed arrays: pushing and popping allocate nothing
// except when the arrays double. Ties must be distinct for a deterministic order (an id, a sequence number).
import { grown } from '../typedArrays.js';

export class PairMinHeap {
  private keys: Float64Array;
  private ties: Float64Array;
  private values: Float64Array;
  private count = 0;

  constructor(initialCapacity = 64) {
    const n = Math.max(4, initialCapacity);
    this.keys = new Float64Array(n);
    this.ties = new Float64Array(n);
    this.values = new Float64Array(n);
  }

  get size(): number {
    return this.count;
  }

  /** Key of the smallest entry, or Infinity when empty. */
  peekKey(): number {
    return this.count === 0 ? Infinity : this.keys[0];
  }

  /** Value of the smallest entry (the heap must not be empty). */
  peekValue(): number {
    return this.values[0];
  }

  push(key: number, tie: number, value: number): void {
    if (this.count === this.keys.length) {
      const n = this.count * 2;
      this.keys = grown(this.keys, n);
      this.ties = grown(this.ties, n);
      this.values = grown(this.values, n);
    }
    const k = this.keys;
    const t = this.ties;
    const v = this.values;
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(key < k[p] || (key === k[p] && tie < t[p]))) break;
      k[i] = k[p];
      t[i] = t[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    t[i] = tie;
    v[i] = value;
  }

  /** Remove the smallest entry; returns its value (the heap must not be empty). */
  pop(): number {
    const k = this.keys;
    const t = this.ties;
    const v = this.values;
    const top = v[0];
    const n = --this.count;
    if (n === 0) return top;
    const key = k[n];
    const tie = t[n];
    const value = v[n];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (k[r] < k[l] || (k[r] === k[l] && t[r] < t[l])) ? r : l;
      if (!(k[c] < key || (k[c] === key && t[c] < tie))) break;
      k[i] = k[c];
      t[i] = t[c];
      v[i] = v[c];
      i = c;
    }
    k[i] = key;
    t[i] = tie;
    v[i] = value;
    return top;
  }

  clear(): void {
    this.count = 0;
  }
}
