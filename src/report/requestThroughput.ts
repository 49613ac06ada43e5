// Throughput over time rebuilt from per-request timings, for runs that kept no heartbeats (a RunReport from a measured
// benchmark, or one written by `sim impact`): each request's prompt tokens count when its first token comes
// (arrival + TTFT), its first output token then too, and its other output tokens spread evenly until it ends
// (arrival + E2E). Bucketed on a fixed width so that rate × width summed over the buckets gives back every token.
import type { ThroughputPoint } from './chartSpecs.js';

export interface RequestTimingColumns {
  arrivalS: ArrayLike<number | null>;
  ttftMs: ArrayLike<number | null>;
  e2eMs: ArrayLike<number | null>;
  inputTokens: ArrayLike<number | null>;
  outputTokens: ArrayLike<number | null>;
}

const ok = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** Bucket width (s): 1 s as heartbeats, wider when that would give more than maxPoints buckets, narrower for runs under 20 s. */
export function bucketWidthS(endS: number, maxPoints: number): number {
  if (endS / maxPoints > 1) return endS / maxPoints;
  return endS >= 20 ? 1 : endS / 20;
}

export function throughputFromRequests(c: RequestTimingColumns, maxPoints = 400): ThroughputPoint[] {
  const n = c.arrivalS.length;
  let endS = 0;
  for (let i = 0; i < n; i++) {
    const a = c.arrivalS[i];
    const e = c.e2eMs[i];
    if (ok(a) && ok(e)) endS = Math.max(endS, a + e / 1e3);
  }
  if (!(endS > 0)) return [];
  const w = bucketWidthS(endS, maxPoints);
  const buckets = Math.ceil(endS / w) || 1;
  const prompt = new Float64Array(buckets);
  const gen = new Float64Array(buckets);
  const at = (t: number) => Math.min(buckets - 1, Math.max(0, Math.floor(t / w)));
  for (let i = 0; i < n; i++) {
    const a = c.arrivalS[i];
    const ttft = c.ttftMs[i];
    const e2e = c.e2eMs[i];
    if (!ok(a) || !ok(ttft) || !ok(e2e)) continue;
    const t1 = a + ttft / 1e3;
    const t2 = Math.max(t1, a + e2e / 1e3);
    const inTok = c.inputTokens[i];
    const outTok = c.outputTokens[i];
    if (ok(inTok)) prompt[at(t1)] += inTok;
    if (!ok(outTok) || outTok <= 0) continue;
    gen[at(t1)] += 1;
    const rest = outTok - 1;
    if (rest <= 0) continue;
    if (t2 === t1) {
      gen[at(t1)] += rest;
      continue;
    }
    // Spread `rest` tokens over [t1, t2] in proportion to each bucket's overlap.
    const perS = rest / (t2 - t1);
    for (let b = at(t1); b <= at(t2); b++) {
      const overlap = Math.min(t2, (b + 1) * w) - Math.max(t1, b * w);
      if (overlap > 0) gen[b] += overlap * perS;
    }
  }
  const points: ThroughputPoint[] = [];
  // Stamped at the bucket's end, as a heartbeat is (the rate over the interval that ends then).
  for (let b = 0; b < buckets; b++) points.push({ timeS: (b + 1) * w, promptTokensPerS: prompt[b] / w, generationTokensPerS: gen[b] / w });
  return points;
}
