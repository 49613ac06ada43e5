import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readWorkloadFile } from '../src/workload/load.js';
import { workloadStats } from '../src/workload/stats.js';
import { SHAREGPT_LIKE_LENGTHS, synthesizeShareGptLike } from '../src/workload/synth.js';
import { workloadText } from '../src/workload/writers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHIPPED = join(ROOT, 'datasets', 'sharegpt.tsv');
const REF_TRACE = join(ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl');

describe('datasets/sharegpt.tsv', () => {
  it('is byte-identical to the generator with its defaults (`sim dataset synth` remakes it)', () => {
    expect(readFileSync(SHIPPED, 'utf8')).toBe(workloadText(synthesizeShareGptLike(), 'tsv'));
  });

  it('`sim dataset synth` with its defaults writes the same bytes', async () => {
    const { main } = await import('../src/cli/index.js');
    const out = join(mkdtempSync(join(tmpdir(), 'servesim-synth-')), 'sharegpt.tsv');
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // keep the test output quiet
    try {
      await main(['dataset', 'synth', '--out', out]);
    } finally {
      process.stdout.write = write;
    }
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(SHIPPED, 'utf8'));
  });

  it('has 1000 requests at about 10 req/s, within the truncation windows, and stays small', async () => {
    const w = await readWorkloadFile(SHIPPED);
    const s = workloadStats(w);
    expect(s.requests).toBe(1000);
    expect(1000 / (s.lastArrivalNs / 1e9)).toBeGreaterThan(9); // Poisson: 1000 arrivals ≈ 100 s ± 3 s
    expect(1000 / (s.lastArrivalNs / 1e9)).toBeLessThan(11);
    const { input, output } = SHAREGPT_LIKE_LENGTHS as Extract<typeof SHAREGPT_LIKE_LENGTHS, { kind: 'lognormal' }>;
    expect(Math.min(...w.inputToks)).toBeGreaterThanOrEqual(input.min);
    expect(Math.max(...w.inputToks)).toBeLessThanOrEqual(input.max);
    expect(Math.min(...w.outputToks)).toBeGreaterThanOrEqual(output.min);
    expect(Math.max(...w.outputToks)).toBeLessThanOrEqual(output.max);
    expect(readFileSync(SHIPPED).length).toBeLessThan(100_000);
  });

  it.skipIf(!existsSync(REF_TRACE))('matches the mean lengths of LLMServingSim 2.0’s ShareGPT trace (skipped without ../shared/reference)', async () => {
    const ref = workloadStats(await readWorkloadFile(REF_TRACE));
    // A large synthetic sample pins the fitted distribution's means (sampling error < 0.5%).
    let sumIn = 0;
    let sumOut = 0;
    const n = 50_000;
    for (const r of synthesizeShareGptLike({ numRequests: n, seed: 11 })) {
      sumIn += r.inputToks;
      sumOut += r.outputToks;
    }
    expect(sumIn / n / ref.meanInputToks).toBeGreaterThan(0.98);
    expect(sumIn / n / ref.meanInputToks).toBeLessThan(1.02);
    expect(sumOut / n / ref.meanOutputToks).toBeGreaterThan(0.99);
    expect(sumOut / n / ref.meanOutputToks).toBeLessThan(1.01);
    // The shipped 1000-request file is within its own sampling error (input sd ≈ 530 tokens → ±5% at 3 sd).
    const shipped = workloadStats(await readWorkloadFile(SHIPPED));
    expect(Math.abs(shipped.meanInputToks / ref.meanInputToks - 1)).toBeLessThan(0.06);
    expect(Math.abs(shipped.meanOutputToks / ref.meanOutputToks - 1)).toBeLessThan(0.02);
  });

  it('another seed gives another workload, the same seed the same one', () => {
    const a = workloadText(synthesizeShareGptLike({ numRequests: 50, seed: 2 }), 'tsv');
    expect(workloadText(synthesizeShareGptLike({ numRequests: 50, seed: 2 }), 'tsv')).toBe(a);
    expect(workloadText(synthesizeShareGptLike({ numRequests: 50, seed: 3 }), 'tsv')).not.toBe(a);
  });
});
