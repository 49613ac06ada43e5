// Serving metrics from per-request records: TTFT, TPOT, ITL, E2E at mean/median/P90/P95/P99, and throughput.
// Definitions follow LLMServingSim 2.0 / vLLM (reference README §3.5, §8):
//  * percentiles interpolate linearly between closest ranks, idx = q/100·(n−1) (numpy's default);
//  * TPOT excludes requests with a single output token (they have no inter-token gap);
//  * ITL pools every gap of every request.
// Streaming: per-request latencies live in growable Float64Arrays (8 bytes each, no objects), so a million-request run
// holds ~32 MB. ITL gaps (hundreds per request) are kept exactly up to `itlExactCap` values, then fold into a
// log-linear histogram whose percentiles are within 0.1 % (the report says when that happened).

/** Quantile of an ascending-sorted array by linear interpolation between closest ranks (idx = q/100·(n−1)). */
export function percentileSorted(sorted: ArrayLike<number>, q: number, n: number = sorted.length): number {
  if (n === 0) return NaN;
  const idx = (q / 100) * (n - 1);
  const lo = Math.floor(idx);
  const hi = Math.min(lo + 1, n - 1);
  const frac = idx - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/** The five statistics every latency metric reports, in one unit (ms in reports). */
export interface LatencyStats {
  count: number;
  mean: number;
  median: number;
  p90: number;
  p95: number;
  p99: number;
}

/** Statistics of the first `n` values of `values` (sorted in place), each multiplied by `scale` (e.g. 1e-6 for ns → ms). */
export function latencyStats(values: Float64Array, n: number = values.length, scale = 1): LatencyStats {
  const view = values.subarray(0, n);
  if (n === 0) return { count: 0, mean: NaN, median: NaN, p90: NaN, p95: NaN, p99: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += view[i];
  view.sort();
  return {
    count: n,
    mean: (sum / n) * scale,
    median: percentileSorted(view, 50) * scale,
    p90: percentileSorted(view, 90) * scale,
    p95: percentileSorted(view, 95) * scale,
    p99: percentileSorted(view, 99) * scale,
  };
}

/**
 * The same statistics as latencyStats (bit for bit) without sorting, for big arrays (millions of ITL gaps, where a
 * sort is most of a run's report time): the order statistics the percentiles need are found by a radix pass over the
 * top 20 bits of each value's float64 pattern (ordered like the values for non-negative doubles), then only the
 * values in the few buckets holding those ranks are sorted. Leaves `values` unsorted. Returns undefined (use
 * latencyStats) if a value is negative, -0, infinite or NaN.
 */
export function latencyStatsUnsorted(values: Float64Array, n: number = values.length, scale = 1): LatencyStats | undefined {
  if (n === 0) return undefined;
  const hiWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word at [1]
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const BUCKET_SHIFT = 12; // 32 − 20 bits
  const counts = new Uint32Array(1 << 20);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += values[i];
    const hi = words[2 * i + hiWord];
    if (hi >= 0x7ff00000) return undefined; // sign bit set (negative or -0), or infinite/NaN
    counts[hi >>> BUCKET_SHIFT]++;
  }
  // The ranks percentileSorted reads: lo and lo + 1 of each quantile.
  const quantiles = [50, 90, 95, 99];
  const ranks: number[] = [];
  for (const q of quantiles) {
    const lo = Math.floor((q / 100) * (n - 1));
    ranks.push(lo, Math.min(lo + 1, n - 1));
  }
  const wanted = [...new Set(ranks)].sort((a, b) => a - b);
  // Bucket of each wanted rank, and the rank's offset inside it.
  const bucketOf = new Map<number, { bucket: number; offset: number }>();
  const targetBuckets = new Map<number, Float64Array>();
  let seen = 0;
  let w = 0;
  for (let b = 0; b < counts.length && w < wanted.length; b++) {
    const c = counts[b];
    while (w < wanted.length && wanted[w] < seen + c) {
      bucketOf.set(wanted[w], { bucket: b, offset: wanted[w] - seen });
      if (!targetBuckets.has(b)) targetBuckets.set(b, new Float64Array(c));
      w++;
    }
    seen += c;
  }
  const fill = new Map<number, number>();
  for (const b of targetBuckets.keys()) fill.set(b, 0);
  // One pass to gather the target buckets' values (at most 8 buckets; a Uint8Array marks them).
  const isTarget = new Uint8Array(counts.length);
  for (const b of targetBuckets.keys()) isTarget[b] = 1;
  for (let i = 0; i < n; i++) {
    const b = words[2 * i + hiWord] >>> BUCKET_SHIFT;
    if (isTarget[b] === 1) {
      const k = fill.get(b)!;
      targetBuckets.get(b)![k] = values[i];
      fill.set(b, k + 1);
    }
  }
  for (const arr of targetBuckets.values()) arr.sort();
  const at = (rank: number): number => {
    const { bucket, offset } = bucketOf.get(rank)!;
    return targetBuckets.get(bucket)![offset];
  };
  // percentileSorted's arithmetic, on the selected values.
  const pct = (q: number): number => {
    const idx = (q / 100) * (n - 1);
    const lo = Math.floor(idx);
    const hi = Math.min(lo + 1, n - 1);
    const frac = idx - lo;
    return at(lo) + (at(hi) - at(lo)) * frac;
  };
  return {
    count: n,
    mean: (sum / n) * scale,
    median: pct(50) * scale,
    p90: pct(90) * scale,
    p95: pct(95) * scale,
    p99: pct(99) * scale,
  };
}

/** Below this many values a sort is as cheap as the radix selection (and allocates less). */
const SELECTION_MIN_VALUES = 1 << 16;

/** A growable array of doubles: amortised O(1) push, no per-value object. */
export class SampleBuffer {
  private data: Float64Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(1, initialCapacity));
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  /** Append all of `vs`; returns their sum (callers often need it, and this saves a second pass). */
  pushAll(vs: ArrayLike<number>): number {
    const n = vs.length;
    const need = this.length + n;
    if (need > this.data.length) this.grow(need);
    const data = this.data;
    const base = this.length;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = vs[i];
      data[base + i] = v;
      sum += v;
    }
    this.length = need;
    return sum;
  }

  /** Append `count` copies of v. */
  pushRepeated(v: number, count: number): void {
    const need = this.length + count;
    if (need > this.data.length) this.grow(need);
    this.data.fill(v, this.length, need);
    this.length = need;
  }

  /** The stored values (a view; valid until the next push). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  private grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/**
 * Log-linear histogram of values in [1, 2^44) (ns: up to ~4.9 hours), HDR-style: the bucket of v is its float64
 * exponent and top 10 mantissa bits, read straight from the bits (no Math.log per value), so a bucket spans a
 * relative width of 1/1024 and its midpoint is within 0.05 % of any value in it. Values below 1 share bucket 0.
 */
export class LogHistogram {
  private static readonly MANTISSA_BITS = 10;
  private static readonly MIN_EXP = 1023; // biased exponent of 1.0
  private static readonly EXPONENTS = 44;
  private readonly counts = new Float64Array(LogHistogram.EXPONENTS << LogHistogram.MANTISSA_BITS);
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  private readonly hiWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word at [1]
  private zeros = 0;
  total = 0;

  add(v: number): void {
    this.total++;
    if (v < 1) {
      this.zeros++;
      return;
    }
    this.f64[0] = v;
    const hi = this.u32[this.hiWord];
    let k = (hi >>> (20 - LogHistogram.MANTISSA_BITS)) - (LogHistogram.MIN_EXP << LogHistogram.MANTISSA_BITS);
    if (k >= this.counts.length) k = this.counts.length - 1;
    this.counts[k]++;
  }

  /** Add `count` copies of v. */
  addWeighted(v: number, count: number): void {
    this.total += count;
    if (v < 1) {
      this.zeros += count;
      return;
    }
    this.f64[0] = v;
    const hi = this.u32[this.hiWord];
    let k = (hi >>> (20 - LogHistogram.MANTISSA_BITS)) - (LogHistogram.MIN_EXP << LogHistogram.MANTISSA_BITS);
    if (k >= this.counts.length) k = this.counts.length - 1;
    this.counts[k] += count;
  }

  /** Add every value of `vs`; returns their sum. One tight loop (the hot path of big runs: every token's gap). */
  addAll(vs: ArrayLike<number>): number {
    if (vs instanceof Float64Array) return this.addAllWords(vs);
    const n = vs.length;
    const f64 = this.f64;
    const u32 = this.u32;
    const hiWord = this.hiWord;
    const counts = this.counts;
    const last = counts.length - 1;
    const shift = 20 - LogHistogram.MANTISSA_BITS;
    const base = LogHistogram.MIN_EXP << LogHistogram.MANTISSA_BITS;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      const v = vs[i];
      sum += v;
      if (v < 1) {
        zeros++;
        continue;
      }
      f64[0] = v;
      const k = (u32[hiWord] >>> shift) - base;
      counts[k > last ? last : k]++;
    }
    this.zeros += zeros;
    this.total += n;
    return sum;
  }

  /** addAll for a Float64Array: the bucket comes from a 32-bit view of the values' own bytes (no scratch store). */
  private addAllWords(vs: Float64Array): number {
    const n = vs.length;
    const words = new Uint32Array(vs.buffer, vs.byteOffset, 2 * n);
    const hiWord = this.hiWord;
    const counts = this.counts;
    const last = counts.length - 1;
    const shift = 20 - LogHistogram.MANTISSA_BITS;
    const base = LogHistogram.MIN_EXP << LogHistogram.MANTISSA_BITS;
    const ONE_HI = 0x3ff00000; // high word of 1.0: below it (or with the sign bit set) a value is < 1, or -0
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      sum += vs[i];
      const hi = words[2 * i + hiWord];
      if (hi < ONE_HI || hi >= 0x80000000) {
        zeros++;
        continue;
      }
      const k = (hi >>> shift) - base;
      counts[k > last ? last : k]++;
    }
    this.zeros += zeros;
    this.total += n;
    return sum;
  }

  /** Add every value another histogram holds (counts are integers, so the result is the same as adding its values). */
  merge(other: LogHistogram): void {
    const counts = this.counts;
    const theirs = other.counts;
    for (let k = 0; k < counts.length; k++) counts[k] += theirs[k];
    this.zeros += other.zeros;
    this.total += other.total;
  }

  /** Percentile with the same rank rule as percentileSorted (linear between the two closest ranks' bucket midpoints). */
  percentile(q: number): number {
    if (this.total === 0) return NaN;
    const idx = (q / 100) * (this.total - 1);
    const lo = Math.floor(idx);
    const a = this.valueAtRank(lo);
    const b = this.valueAtRank(Math.min(lo + 1, this.total - 1));
    return a + (b - a) * (idx - lo);
  }

  private valueAtRank(rank: number): number {
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const last = this.counts.length - 1;
    for (let k = 0; k <= last; k++) {
      seen += this.counts[k];
      if (rank < seen || k === last) {
        const m = LogHistogram.MANTISSA_BITS;
        const exp = k >>> m;
        const frac = (k & ((1 << m) - 1)) + 0.5;
        return 2 ** exp * (1 + frac / (1 << m));
      }
    }
    return NaN;
  }
}

/** What metrics need from a finished request (a structural subset of the engine's RequestRecord). */
export interface RequestTimings {
  inputToks: number;
  outputToks: number;
  ttftNs: number;
  tpotNs: number;
  latencyNs: number;
  itlNs: ArrayLike<number>;
}

/** Throughput and latency statistics of a run (latencies in ms, rates per second of simulated time). */
export interface ServingMetrics {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  durationNs: number;
  requestThroughputPerS: number;
  inputTokenThroughputPerS: number;
  outputTokenThroughputPerS: number;
  totalTokenThroughputPerS: number;
  ttftMs: LatencyStats;
  tpotMs: LatencyStats;
  itlMs: LatencyStats;
  e2eMs: LatencyStats;
  /** True when ITL percentiles came from the histogram (more than itlExactCap gaps); mean and count stay exact. */
  itlApproximate: boolean;
}

const NS_TO_MS = 1e-6;

/** Accumulates finished requests one at a time; `result(durationNs)` computes the statistics. */
export class MetricsAccumulator {
  private readonly ttft = new SampleBuffer();
  private readonly tpot = new SampleBuffer();
  private readonly e2e = new SampleBuffer();
  private itl = new SampleBuffer(4096);
  private itlHist: LogHistogram | undefined;
  /**
   * Set once this accumulator's gaps go to the histogram while every request so far was also added to a part
   * (add(r, part)): from then on the parts hold every gap and the pooled histogram is built from them in result(),
   * so a gap is binned once, not once here and once in its part. Undefined otherwise.
   */
  private itlParts: Set<MetricsAccumulator> | undefined;
  private partsSeen: Set<MetricsAccumulator> | undefined = new Set(); // every part given so far; undefined once an add had none
  private itlCount = 0;
  private itlSum = 0;
  requests = 0;
  inputTokens = 0;
  outputTokens = 0;

  constructor(private readonly itlExactCap = 8_000_000) {}

  /**
   * Add a finished request; with `part` (e.g. its instance's accumulator) the request is added there too and, past
   * the exact cap, its gaps are binned only there (the pooled histogram is the sum of the parts'). Returns the sum
   * of the request's ITL gaps.
   */
  add(r: RequestTimings, part?: MetricsAccumulator): number {
    this.requests++;
    this.inputTokens += r.inputToks;
    this.outputTokens += r.outputToks;
    this.ttft.push(r.ttftNs);
    this.e2e.push(r.latencyNs);
    if (r.outputToks > 1) this.tpot.push(r.tpotNs);
    const gaps = r.itlNs;
    const partSum = part !== undefined ? part.add(r) : 0;
    if (!this.routeGaps(gaps.length, part, partSum)) return partSum;
    const sum = this.itlHist ? this.itlHist.addAll(gaps) : this.itl.pushAll(gaps);
    this.itlSum += sum;
    return sum;
  }

  /**
   * Add `count` inter-token gaps of gapNs that came without a request record (a run with an ITL sink reports each
   * step's gaps in aggregate); with `part` as in add(). Statistics are the same as if each gap came in a record.
   */
  addGaps(gapNs: number, count: number, part?: MetricsAccumulator): number {
    const partSum = part !== undefined ? part.addGaps(gapNs, count) : 0;
    if (!this.routeGaps(count, part, partSum)) return partSum;
    if (this.itlHist) this.itlHist.addWeighted(gapNs, count);
    else this.itl.pushRepeated(gapNs, count);
    const sum = gapNs * count;
    this.itlSum += sum;
    return sum;
  }

  /**
   * The ITL bookkeeping of add() and addGaps() for n gaps already given to `part` (summing to partSum): counts them,
   * and returns false when the parts hold them (nothing to store here), true when the caller stores them here, in the
   * histogram if one exists by then, else in the exact buffer.
   */
  private routeGaps(n: number, part: MetricsAccumulator | undefined, partSum: number): boolean {
    this.itlCount += n;
    if (part === undefined) this.partsSeen = undefined;
    else this.partsSeen?.add(part);
    if (this.itlParts !== undefined) {
      if (part === undefined) throw new Error('internal: MetricsAccumulator pools its parts\' gaps, so every add() needs one of its parts');
      this.itlParts.add(part); // a part first seen now holds all its gaps too
      this.itlSum += partSum; // the part summed the same gaps in the same order
      return false;
    }
    if (!this.itlHist && this.itl.length + n > this.itlExactCap) {
      if (this.partsSeen !== undefined) {
        this.itl = new SampleBuffer(1); // release the exact buffer's memory
        // Every gap so far is also in a part: result() pools the parts' gaps instead of binning them twice.
        this.itlParts = this.partsSeen;
        this.partsSeen = undefined;
        this.itlSum += partSum;
        return false;
      }
      // Too many gaps to keep exactly: move what we have into the histogram and continue there.
      this.itlHist = new LogHistogram();
      this.itlHist.addAll(this.itl.values());
      this.itl = new SampleBuffer(1); // release the exact buffer's memory
    }
    return true;
  }

  /** The histogram of every gap added (built from the parts when they hold the gaps). */
  private pooledHistogram(): LogHistogram | undefined {
    if (this.itlParts === undefined) return this.itlHist;
    const h = new LogHistogram();
    for (const part of this.itlParts) {
      const theirs = part.pooledHistogram();
      if (theirs) h.merge(theirs);
      else h.addAll(part.itl.values());
    }
    return h;
  }

  /** Statistics over everything added so far; `durationNs` is the simulated (or measured) makespan. */
  result(durationNs: number): ServingMetrics {
    const seconds = durationNs / 1e9;
    const rate = (x: number) => (seconds > 0 ? x / seconds : 0);
    let itlMs: LatencyStats;
    const pooled = this.pooledHistogram();
    if (pooled) {
      const h = pooled;
      itlMs = {
        count: this.itlCount,
        mean: (this.itlSum / this.itlCount) * NS_TO_MS,
        median: h.percentile(50) * NS_TO_MS,
        p90: h.percentile(90) * NS_TO_MS,
        p95: h.percentile(95) * NS_TO_MS,
        p99: h.percentile(99) * NS_TO_MS,
      };
    } else {
      const n = this.itl.length;
      itlMs = (n >= SELECTION_MIN_VALUES ? latencyStatsUnsorted(this.itl.values(), n, NS_TO_MS) : undefined) ?? latencyStats(this.itl.values(), n, NS_TO_MS);
    }
    return {
      requests: this.requests,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      durationNs,
      requestThroughputPerS: rate(this.requests),
      inputTokenThroughputPerS: rate(this.inputTokens),
      outputTokenThroughputPerS: rate(this.outputTokens),
      totalTokenThroughputPerS: rate(this.inputTokens + this.outputTokens),
      ttftMs: latencyStats(this.ttft.values(), this.ttft.length, NS_TO_MS),
      tpotMs: latencyStats(this.tpot.values(), this.tpot.length, NS_TO_MS),
      itlMs,
      e2eMs: latencyStats(this.e2e.values(), this.e2e.length, NS_TO_MS),
      itlApproximate: pooled !== undefined,
    };
  }
}
