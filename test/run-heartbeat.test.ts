// The heartbeat series of simulate() against LLMServingSim 2.0's own sim.log for both validation runs: every
// per-second prompt/generation throughput, and the running/waiting counts printed under each heartbeat.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { simulate } from '../src/simulate.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');

describe.skipIf(!existsSync(REF))('heartbeats vs sim.log (reference ../shared absent → skipped)', () => {
  for (const [hw, maxNumSeqs] of [['RTX4090', 256], ['RTXPRO6000', 128]] as const) {
    it(`${hw}`, async () => {
      const dir = join(REF, 'bench', 'examples', hw, 'Llama-3.1-8B');
      const log = readFileSync(join(dir, 'outputs', 'sim.log'), 'utf8');
      const list = /Throughput per 1 sec \(\[prompt_throughput\], \[gen_throughput\]\): \[(.*)\]/.exec(log)![1];
      const want = [...list.matchAll(/\(([\d.]+), ([\d.]+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      const states = [...log.matchAll(/Running Instance\[0\]: (\d+) reqs, Waiting: (\d+) reqs/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(want.length).toBeGreaterThan(60);
      expect(states.length).toBe(want.length);

      const report = await simulate({
        clusterConfig: join(dir, 'config.json'),
        workload: { kind: 'file', path: join(REF, 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl'), numReqs: 300 },
        dtype: 'bfloat16',
        knobs: { maxNumSeqs, maxNumBatchedTokens: 2048 },
        perfModels: join(REF, 'profiler', 'perf'),
        compat: 'llmservingsim2',
      });
      const got = report.heartbeats.map((h) => [h.promptTokensPerS, h.generationTokensPerS]);
      expect(got).toEqual(want);
      expect(report.heartbeats.map((h) => [h.running, h.waiting])).toEqual(states);
      expect(report.heartbeats.map((h) => h.timeS)).toEqual(want.map((_, i) => i + 1));
    });
  }
});
