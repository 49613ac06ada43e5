// Agentic sessions (sub-request i+1 arrives when i finishes plus its tool time, reference README §5) through every
// router, P/D disaggregation, swap to a host tier, prefix tiers and speculative decoding.
import { describe, expect, it } from 'vitest';
import { ROUTER_POLICIES, type RouterPolicy } from '../src/serving/router.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type InstanceSetup, type RequestRecord } from '../src/serving/types.js';
import { WorkloadFileSource } from '../src/workload/fileSource.js';
import { parseWorkloadText } from '../src/workload/load.js';
import { LinearCost } from './serving-fakes.js';

// Three sessions of three sub-requests; the prompts grow with the conversation (shared prefixes), tools take time.
const SESSIONS = [0, 1, 2].map((s) => ({
  session_id: `s${s}`,
  arrival_time_ns: s * 3_000_000,
  sub_requests: [0, 1, 2].map((k) => ({
    input_toks: 12 + 8 * k,
    output_toks: 5 + k,
    tool_duration_ns: 2_000_000 * (k + 1),
    input_tok_ids: Array.from({ length: 12 + 8 * k }, (_, j) => s * 1000 + j),
  })),
}));
const TEXT = SESSIONS.map((x) => JSON.stringify(x)).join('\n') + '\n';

type Mode = 'plain' | 'pd' | 'swap' | 'prefix-tier' | 'speculative';

function setups(mode: Mode): InstanceSetup[] {
  const roles = mode === 'pd' ? (['prefill', 'decode', 'decode'] as const) : undefined;
  return [0, 1, 2].map((i) => ({
    instanceId: i,
    modelName: 'm',
    cost: new LinearCost(10_000, 100),
    // A small pool (10 blocks of 4 = 40 tokens) so preemptions (and swaps) happen.
    knobs: { ...DEFAULT_KNOBS, blockSize: 4, reserveFullIsl: false },
    numKvBlocks: 10,
    kvBytesPerToken: 1000,
    numLayers: 4,
    ...(roles ? { pdRole: roles[i] } : {}),
    ...(mode === 'swap' || mode === 'prefix-tier'
      ? { kvTiers: { tiers: [{ name: 'cpu', capacityBytes: 1e6, bandwidthGBps: 1, latencyNs: 100 }], kvBytesPerToken: 1000, blockSize: 4, swap: mode === 'swap', prefix: mode === 'prefix-tier' } }
      : {}),
    ...(mode === 'speculative' ? { speculative: { method: 'ngram' as const, numSpeculativeTokens: 2, acceptanceRate: 0.5, seed: 1 } } : {}),
  }));
}

function run(mode: Mode, router: RouterPolicy) {
  const source = new WorkloadFileSource(parseWorkloadText(TEXT, 'sessions.jsonl'));
  const records: RequestRecord[] = [];
  runServing({ instances: setups(mode), source, router, seed: 5, observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }) } });
  return new Map(records.map((r) => [r.requestId, r]));
}

describe('agentic sessions through every router and mode', () => {
  for (const mode of ['plain', 'pd', 'swap', 'prefix-tier', 'speculative'] as const) {
    for (const router of ROUTER_POLICIES) {
      it(`${mode}, ${router}: every sub-request finishes once, each after the previous one plus its tool time`, () => {
        const byId = run(mode, router);
        expect(byId.size).toBe(9);
        SESSIONS.forEach((sess, s) => {
          sess.sub_requests.forEach((sub, k) => {
            const r = byId.get(3 * s + k)!; // a session reserves consecutive ids
            expect(r.inputToks).toBe(sub.input_toks);
            expect(r.outputToks).toBe(sub.output_toks);
            expect(r.itlNs.length).toBe(sub.output_toks - 1);
            if (k === 0) expect(r.arrivalNs).toBe(sess.arrival_time_ns);
            else expect(r.arrivalNs).toBe(byId.get(3 * s + k - 1)!.endNs + sess.sub_requests[k - 1].tool_duration_ns);
            if (mode === 'pd') expect(r.instanceId).toBeGreaterThan(0); // finished on a decode instance
          });
        });
      });
    }
  }
});
