// LLMServingSim bench (real vLLM runs): the imported metrics must equal the reference README §8 / summary.txt figures.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { importLlmServingSimBench } from '../src/measured/llmServingSimBench.js';

const examples = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'bench', 'examples');
const rtx4090 = join(examples, 'RTX4090', 'Llama-3.1-8B', 'vllm', 'requests.jsonl');
const pro6000 = join(examples, 'RTXPRO6000', 'Llama-3.1-8B', 'vllm', 'requests.jsonl');

describe.skipIf(!existsSync(rtx4090))('real LLMServingSim bench runs (skipped: ../shared/reference absent)', () => {
  it('RTX4090: TTFT/TPOT/latency mean and P99 equal the published vLLM figures to 0.1 ms', () => {
    const r = importLlmServingSimBench(rtx4090);
    const p = r.performance;
    // reference README §8: TTFT mean 65,456.6 ms, P99 137,356.3; TPOT 32.4 / 56.0; latency 86,578.3 / 153,627.5
    expect(p.ttft_ms?.mean).toBeCloseTo(65456.6, 0);
    expect(Math.abs((p.ttft_ms?.mean as number) - 65456.6)).toBeLessThan(0.05);
    expect(Math.abs((p.ttft_ms?.p99 as number) - 137356.3)).toBeLessThan(0.05);
    expect(Math.abs((p.tpot_ms?.mean as number) - 32.4)).toBeLessThan(0.05);
    expect(Math.abs((p.tpot_ms?.p99 as number) - 56.0)).toBeLessThan(0.05);
    expect(Math.abs((p.e2e_latency_ms?.mean as number) - 86578.3)).toBeLessThan(0.05);
    expect(Math.abs((p.e2e_latency_ms?.p99 as number) - 153627.5)).toBeLessThan(0.05);
    // summary.txt medians
    expect(Math.abs((p.ttft_ms?.median as number) - 60110.9)).toBeLessThan(0.05);
    expect(r.workload.requests_completed).toBe(300);
    expect(r.scenario.model_id).toBe('meta-llama/Llama-3.1-8B');
    expect(r.scenario.accelerators).toEqual([{ name: 'NVIDIA GeForce RTX 4090', count: 1 }]);
    expect(r.source.tool_version).toBe('0.19.0');
    expect(r.per_request?.request_id[0]).toBe('bench-0');
    expect(r.energy.method).toBe('none');
    expect(r.intensity.j_per_output_token).toBeNull();
    // conservation: per-request token columns sum to the workload totals
    expect(r.per_request!.output_tokens.reduce((a, b) => (a as number) + (b as number), 0)).toBe(r.workload.output_tokens);
  });

  it.skipIf(!existsSync(pro6000))('RTXPRO6000: TTFT mean 7,097.2 ms and latency mean 28,200.7 ms', () => {
    const p = importLlmServingSimBench(pro6000).performance;
    expect(Math.abs((p.ttft_ms?.mean as number) - 7097.2)).toBeLessThan(0.05);
    expect(Math.abs((p.e2e_latency_ms?.mean as number) - 28200.7)).toBeLessThan(0.05);
  });
});

describe('LLMServingSim bench: hand-made fixture and strict errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lss-'));
  it('arrival_time in another clock falls back to queued_ts; single-token requests have no TPOT', () => {
    const f = join(dir, 'requests.jsonl');
    writeFileSync(
      f,
      [
        { request_id: 'bench-0', input_toks: 10, output_toks: 5, arrival_time: 1.7e9, queued_ts: 100, first_token_ts: 100.5, last_token_ts: 101.5 },
        { request_id: 'bench-1', input_toks: 20, output_toks: 1, arrival_time: 1.7e9, queued_ts: 101, first_token_ts: 101.2, last_token_ts: 101.2 },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    const r = importLlmServingSimBench(f);
    expect(r.per_request?.ttft_ms).toEqual([500, expect.closeTo(200, 9)]);
    expect(r.per_request?.tpot_ms).toEqual([250, null]);
    expect(r.performance.tpot_ms?.count).toBe(1);
    expect(r.workload.duration_s).toBeCloseTo(1.5, 12);
    expect(r.performance.output_tok_per_s).toBeCloseTo(6 / 1.5, 12);
    expect(r.provenance.warnings.join(' ')).toMatch(/no meta\.json/);
  });

  it('a bad line names file, line and field', () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"request_id":"a","input_toks":1,"output_toks":1,"arrival_time":0,"queued_ts":0,"first_token_ts":0,"last_token_ts":0}\n{"request_id":"b","input_toks":"x"}\n');
    expect(() => importLlmServingSimBench(f)).toThrow(/bad\.jsonl, line 2, field 'input_toks'/);
  });
});
