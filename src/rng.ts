// Seeded random streams. One run seed derives an independent stream per purpose ("arrivals", "lengths",
// "routing", ...), so adding draws in one stream never shifts another (the BLIS practice).
// Generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021), 32-bit
// state words so it runs on Math.imul without BigInt; its state is filled by a splitmix32 sequence whose start
// mixes the seed with an FNV-1a hash of the stream name (murmur3 fmix32 finalizer constants).

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** murmur3's 32-bit finalizer: every input bit affects every output bit (also used by serving/blockHash.ts). */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = NaN; // the polar method makes normals in pairs; the second waits here

  /** A stream for `streamName` derived from `seed` (any safe integer). */
  constructor(seed: number, streamName: string) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0; // negative seeds wrap; still distinct from positive ones
    let state = fmix32(lo ^ fmix32(hi ^ 0x632be5ab) ^ fmix32(fnv1a32(streamName) ^ 0x9e3779b9));
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      return fmix32(state);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator at an exact xoshiro128** state (not all zero), e.g. to check it against the published algorithm. */
  static fromState(state: readonly [number, number, number, number]): Rng {
    if ((state[0] | state[1] | state[2] | state[3]) === 0) throw new RangeError('xoshiro128** state must not be all zero');
    const rng = new Rng(0, '');
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((w) => w | 0) as [number, number, number, number];
    rng.spareNormal = NaN;
    return rng;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform double in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi] inclusive, unbiased (rejection); the range may span at most 2^32 values. */
  intInRange(lo: number, hi: number): number {
    const range = hi - lo + 1;
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || range < 1 || range > TWO_POW_32) {
      throw new RangeError(`intInRange needs integers lo <= hi spanning at most 2^32 values, got [${lo}, ${hi}]`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let u = this.nextU32();
    while (u >= limit) u = this.nextU32();
    return lo + (u % range);
  }

  /** Exponential with the given mean (inverse CDF). */
  exponential(mean: number): number {
    return -Math.log1p(-this.uniform()) * mean;
  }

  /** Normal(mean, sd) by Marsaglia's polar method. */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return mean + sd * u * f;
  }

  /** Lognormal: exp(Normal(mu, sigma)); mu and sigma are of the logarithm. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /**
   * Gamma(shape k, scale θ), mean kθ, by Marsaglia & Tsang, "A simple method for generating gamma variables"
   * (ACM TOMS 26(3), 2000); for k < 1 it draws Gamma(k+1) and multiplies by U^(1/k) (same paper, §6).
   */
  gamma(shape: number, scale: number): number {
    if (!(shape > 0) || !(scale > 0)) throw new RangeError(`gamma needs shape > 0 and scale > 0, got ${shape}, ${scale}`);
    if (shape < 1) {
      const g = this.gamma(shape + 1, scale);
      return g * Math.pow(1 - this.uniform(), 1 / shape); // 1-U is in (0,1], never 0^(1/k)
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Named streams from one seed: `streams.get('arrivals')` always starts the same sequence for the same seed. */
export class RngStreams {
  private readonly byName = new Map<string, Rng>();
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }
  /** The stream for `name`, created on first use and shared afterwards. */
  get(name: string): Rng {
    let rng = this.byName.get(name);
    if (!rng) {
      rng = new Rng(this.seed, name);
      this.byName.set(name, rng);
    }
    return rng;
  }
}
