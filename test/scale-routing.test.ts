// Many instances behind a router, and prefill/decode disaggregation, on a linear test cost model: routing decisions
// checked by hand, KV transfer time by hand, and conservation (every request finishes once, with its tokens) for every
// router policy, with and without P/D, in both compat modes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kvTransferNs } from '../src/serving/disaggregation.js';
import { ROUTER_POLICIES, type RouterPolicy } from '../src/serving/router.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type CompatMode, type InstanceSetup, type RequestRecord, type ServingKnobs } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { LinearCost, ListSource } from './serving-fakes.js';

const KNOBS: ServingKnobs = { ...DEFAULT_KNOBS, maxNumSeqs: 8, maxNumBatchedTokens: 256 };

function setups(n: number, opts: { numKvBlocks?: number; roles?: ('prefill' | 'decode' | undefined)[]; knobs?: Partial<ServingKnobs> } = {}): InstanceSetup[] {
  return Array.from({ length: n }, (_, i) => ({
    instanceId: i,
    modelName: 'm',
    cost: new LinearCost(10_000, 100),
    knobs: { ...KNOBS, ...opts.knobs },
    numKvBlocks: opts.numKvBlocks ?? 1000,
    kvBytesPerToken: 1024,
    numLayers: 32,
    ...(opts.roles?.[i] ? { pdRole: opts.roles[i] } : {}),
  }));
}

function spec(id: number, arrivalNs: number, inputToks: number, outputToks: number, tokBase = id * 10_000): RequestSpec {
  return {
    id,
    arrivalNs,
    inputToks,
    outputToks,
    inputTokIds: Array.from({ length: inputToks }, (_, j) => tokBase + j),
    outputTokIds: Array.from({ length: outputToks }, (_, j) => 900_000 + id * 100 + j),
  };
}

function run(instances: InstanceSetup[], specs: RequestSpec[], router: RouterPolicy, extra: { compat?: CompatMode; seed?: number; link?: { bandwidthGBps: number; latencyNs: number } } = {}) {
  const records: RequestRecord[] = [];
  const totals = runServing({
    instances,
    source: new ListSource(specs),
    router,
    compat: extra.compat ?? 'vllm',
    seed: extra.seed,
    kvTransferLink: extra.link,
    observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }) },
  });
  return { records, totals, byId: new Map(records.map((r) => [r.requestId, r])) };
}

describe('routers over many instances', () => {
  it('round-robin hands arrivals to instances in turn', () => {
    // One arrival per 5 ms: each is routed at its own wake-up.
    const specs = Array.from({ length: 7 }, (_, i) => spec(i, i * 5_000_000, 20, 3));
    const { byId } = run(setups(3), specs, 'round-robin');
    expect(specs.map((s) => byId.get(s.id)!.instanceId)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('least-loaded picks the instance with the fewest outstanding requests', () => {
    // Six simultaneous arrivals, routed in one pass: counts 0,0,0 → 1,0,0 → 1,1,0 → … spread evenly, in scan order.
    const specs = Array.from({ length: 6 }, (_, i) => spec(i, 0, 20, 3));
    const { byId } = run(setups(3), specs, 'least-loaded');
    expect(specs.map((s) => byId.get(s.id)!.instanceId)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('least-tokens weighs requests by prompt + output tokens', () => {
    // 0 takes 200 tokens on instance 0; 1, 2, 3 (20 tokens each) all go to instance 1 (20, 40, 60 < 200).
    const specs = [spec(0, 0, 150, 50), spec(1, 0, 10, 10), spec(2, 0, 10, 10), spec(3, 0, 10, 10)];
    const { byId } = run(setups(2), specs, 'least-tokens');
    expect(specs.map((s) => byId.get(s.id)!.instanceId)).toEqual([0, 1, 1, 1]);
  });

  it('kv-aware compares projected KV use: pinned blocks plus the waiting queue, over each pool', () => {
    // Instance 0 has 100 blocks, instance 1 has 40. Block 16. Request 0 (160 tokens = 10 blocks) → instance 0 (both
    // empty; tie broken by scan order). Request 1 (16 tokens = 1 block): 10/100 = 0.1 vs 0/40 → instance 1.
    // Request 2 (64 tokens = 4 blocks): 0.1 vs 1/40 = 0.025 → instance 1. Request 3 (16): 0.1 vs 5/40 = 0.125 → 0.
    const inst = setups(2);
    inst[0].numKvBlocks = 100;
    inst[1].numKvBlocks = 40;
    const specs = [spec(0, 0, 159, 1), spec(1, 0, 15, 1), spec(2, 0, 63, 1), spec(3, 0, 15, 1)];
    const { byId } = run(inst, specs, 'kv-aware');
    expect(specs.map((s) => byId.get(s.id)!.instanceId)).toEqual([0, 1, 1, 0]);
  });

  it('prefix-aware sends a request to the instance that holds its prefix, otherwise to the least loaded', () => {
    // 0 and 1 (different prompts) land on instances 0 and 1. Later, 2 shares 0's first 48 tokens and 3 shares 1's:
    // each follows its prefix although the other instance is just as loaded.
    const specs = [spec(0, 0, 64, 2, 0), spec(1, 0, 64, 2, 50_000), spec(2, 20_000_000, 64, 2, 50_000), spec(3, 20_000_000, 64, 2, 0)];
    const { byId, totals } = run(setups(2), specs, 'prefix-aware');
    expect(byId.get(0)!.instanceId).toBe(0);
    expect(byId.get(1)!.instanceId).toBe(1);
    expect(byId.get(2)!.instanceId).toBe(1);
    expect(byId.get(3)!.instanceId).toBe(0);
    // Both later requests hit their whole prompt but the last partial block: 3 blocks of 16 (capped at 63 tokens).
    expect(byId.get(2)!.prefixHitTokens).toBe(48);
    expect(byId.get(3)!.prefixHitTokens).toBe(48);
    expect(totals.prefixHitTokens).toBe(96);
  });

  it('random is seeded: the same seed gives the same placement, another seed another, and it uses every instance', () => {
    const specs = Array.from({ length: 40 }, (_, i) => spec(i, i * 2_000_000, 8, 2));
    const place = (seed: number) => {
      const { byId } = run(setups(4), specs, 'random', { seed });
      return specs.map((s) => byId.get(s.id)!.instanceId);
    };
    const a = place(1);
    expect(place(1)).toEqual(a);
    expect(place(2)).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set([0, 1, 2, 3]));
  });
});

describe('prefill/decode disaggregation', () => {
  it('KV transfer time is latency + bytes / bandwidth (GiB/s), rounded up to the ns', () => {
    // 1 GiB/s = 1.073741824 B/ns; 102,400 B → 95,367.43 ns → 95,368; plus 5,000 ns latency.
    expect(kvTransferNs(102_400, { bandwidthGBps: 1, latencyNs: 5_000 })).toBe(100_368);
    // 16 GiB/s, 20 µs, 4 KiB: 4096 / 17.179869184 = 238.4 → 239.
    expect(kvTransferNs(4096, { bandwidthGBps: 16, latencyNs: 20_000 })).toBe(20_239);
  });

  it('vllm mode: TTFT on the prefill instance; the decode side starts after the transfer (by hand)', () => {
    // Cost 10,000 + 100·tokens ns. Prefill of 100 tokens at t = 0: TTFT = 20,000. KV: 100 tokens × 1024 B over
    // 1 GiB/s + 5 µs = 100,368 ns. The idle decode instance (it stopped polling: the source is done) is woken 1 ms
    // after the KV lands, then decodes 1 token per 10,100 ns step.
    const link = { bandwidthGBps: 1, latencyNs: 5_000 };
    const { records } = run(setups(2, { roles: ['prefill', 'decode'] }), [spec(0, 0, 100, 3)], 'load', { link });
    const [r] = records;
    expect(r.instanceId).toBe(1);
    expect(r.ttftNs).toBe(20_000);
    const decodeStartNs = 20_000 + 100_368 + 1_000_000;
    expect(Array.from(r.itlNs)).toEqual([decodeStartNs + 10_100 - 20_000, 10_100]);
    expect(r.endNs).toBe(decodeStartNs + 2 * 10_100);
  });

  it('llmservingsim2 mode: the prefill iteration ends with its last layer KV send; the decode side starts at once', () => {
    // Tail = 5,000 + floor(100 tokens × (1024 / 32 layers) B / 1000 / 1.073741824 B/ns) = 5,000 + 2. A busy decode
    // instance (request 1 keeps it decoding) takes request 0 in its next step.
    const link = { bandwidthGBps: 1, latencyNs: 5_000 };
    const { byId } = run(setups(2, { roles: ['prefill', 'decode'] }), [spec(0, 0, 100, 3), spec(1, 0, 1, 60)], 'load', { link, compat: 'llmservingsim2' });
    // Both prompts run in the first prefill batch (101 tokens): 10,000 + 100·101 + 5,000 + floor(101·32/1000/1.0737) = 25,103.
    expect(byId.get(0)!.ttftNs).toBe(10_000 + 100 * 101 + 5_000 + 3);
    expect(byId.get(0)!.instanceId).toBe(1);
  });

  it('a decode instance without a prefill one (or the reverse) is refused', () => {
    expect(() => run(setups(2, { roles: ['decode', 'decode'] }), [spec(0, 0, 4, 2)], 'load')).toThrow(/prefill instance/);
    expect(() => run(setups(2, { roles: ['prefill', undefined] }), [spec(0, 0, 4, 2)], 'load')).toThrow(/both prefill and decode/);
  });
});

describe('conservation for every router and mode', () => {
  const workloadArb = fc.array(
    fc.record({ arrivalNs: fc.integer({ min: 0, max: 8_000_000 }), inputToks: fc.integer({ min: 1, max: 60 }), outputToks: fc.integer({ min: 1, max: 10 }), prefix: fc.integer({ min: 0, max: 2 }) }),
    { minLength: 1, maxLength: 16 },
  );
  for (const router of ROUTER_POLICIES) {
    for (const pd of [false, true]) {
      for (const compat of ['vllm', 'llmservingsim2'] as const) {
        it(`${router}${pd ? ', P/D' : ''}, ${compat}: every request finishes once with its tokens`, () => {
          fc.assert(
            fc.property(workloadArb, fc.integer({ min: 2, max: 4 }), (ws, n) => {
              const specs = ws.map((w, id) => spec(id, w.arrivalNs, w.inputToks, w.outputToks, w.prefix * 1_000));
              const roles = pd ? Array.from({ length: n }, (_, i) => (i < n / 2 ? 'prefill' : 'decode') as 'prefill' | 'decode') : undefined;
              // A small pool (12 blocks of 16 = 192 tokens ≥ the longest request) forces preemptions now and then.
              const { records, totals } = run(setups(n, { roles, numKvBlocks: 12 }), specs, router, { compat, seed: 7 });
              expect(records.length).toBe(specs.length);
              expect(new Set(records.map((r) => r.requestId)).size).toBe(specs.length);
              for (const r of records) {
                const s = specs[r.requestId];
                expect(r.outputToks).toBe(s.outputToks);
                expect(r.itlNs.length).toBe(s.outputToks - 1);
                expect(r.ttftNs).toBeGreaterThan(0);
                expect(r.ttftNs).toBeLessThanOrEqual(r.latencyNs);
                expect(r.endNs).toBe(s.arrivalNs + r.latencyNs);
                // Under P/D a request with more than one output token finishes on a decode instance.
                if (pd) expect(roles![r.instanceId]).toBe(s.outputToks > 1 ? 'decode' : 'prefill');
              }
              expect(totals.outputTokens).toBe(specs.reduce((a, s) => a + s.outputToks, 0));
              expect(totals.inputTokens).toBe(specs.reduce((a, s) => a + s.inputToks, 0));
            }),
            { numRuns: 25 },
          );
        });
      }
    }
  }
});
