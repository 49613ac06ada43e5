// Bad perf-model input gives an InputError naming the file, line, column and what was expected.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { COUNTER, CostModel } from '../src/cost/costModel.js';
import { parseCsv } from '../src/cost/csv.js';
import { loadPerfBundle } from '../src/cost/perfBundle.js';
import { loadV021Csv } from '../src/cost/v021Csv.js';
import { LLAMA_8B, RTX4090 } from './cost-fixtures.js';

const META = 'hardware: X\nmodel: m\nvariant: bf16\ntp_degrees: [1]\nskew_fit:\n  enabled: false\n';
const DENSE = 'layer,tokens,time_us\nembedding,1,2.5\nembedding,16,3.5\n';

/** A bundle variant dir with the given tp1 files. */
function makeBundle(files: Record<string, string>, meta = META): string {
  const dir = mkdtempSync(join(tmpdir(), 'servesim-bundle-'));
  const variant = join(dir, 'bf16');
  mkdirSync(join(variant, 'tp1'), { recursive: true });
  writeFileSync(join(variant, 'meta.yaml'), meta);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(variant, 'tp1', name), text);
  return variant;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('perf-bundle input errors', () => {
  it('a missing column names the file, the header line and the column', () => {
    const v = makeBundle({ 'dense.csv': 'layer,tokens\nembedding,1\n' });
    const e = inputError(() => loadPerfBundle(v, 1));
    expect(e.file).toBe(join(v, 'tp1', 'dense.csv'));
    expect(e.line).toBe(1);
    expect(e.field).toBe('time_us');
    expect(e.message).toMatch(/missing column 'time_us'/);
    expect(e.exitCode).toBe(2);
  });
  it('NaN names line and column', () => {
    const v = makeBundle({ 'dense.csv': DENSE + 'embedding,32,nan\n' });
    const e = inputError(() => loadPerfBundle(v, 1));
    expect([e.line, e.field]).toEqual([4, 'time_us']);
    expect(e.message).toMatch(/column 3: expected a finite number, got 'nan'/);
  });
  it('a negative latency is rejected', () => {
    const v = makeBundle({ 'attention.csv': 'prefill_chunk,kv_prefill,n_decode,kv_decode,time_us\n0,0,1,16,-3\n' });
    const e = inputError(() => loadPerfBundle(v, 1));
    expect([e.line, e.field]).toEqual([2, 'time_us']);
    expect(e.message).toMatch(/expected a value >= 0, got -3/);
  });
  it('an empty file and a header-only file are rejected', () => {
    expect(inputError(() => loadPerfBundle(makeBundle({ 'dense.csv': '' }), 1)).message).toMatch(/empty file/);
    expect(inputError(() => loadPerfBundle(makeBundle({ 'dense.csv': 'layer,tokens,time_us\n' }), 1)).message).toMatch(/no data rows/);
  });
  it('a row with the wrong number of values is rejected', () => {
    const e = inputError(() => loadPerfBundle(makeBundle({ 'dense.csv': DENSE + 'embedding,32\n' }), 1));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/expected 3 comma-separated values, found 2/);
  });
  it('a missing variant folder suggests the variants present', () => {
    const v = makeBundle({ 'dense.csv': DENSE });
    const e = inputError(() => loadPerfBundle(join(v, '..', 'bf61'), 1));
    expect(e.message).toMatch(/variant folder not found.*did you mean bf16/);
  });
  it('a missing tp<N> folder is a hard error that lists the TP degrees present', () => {
    const e = inputError(() => loadPerfBundle(makeBundle({ 'dense.csv': DENSE }), 4));
    expect(e.message).toMatch(/no tp4\/ folder: this bundle was profiled at tp1/);
  });
  it('meta.yaml with a wrongly typed field names the field', () => {
    const e = inputError(() => loadPerfBundle(makeBundle({ 'dense.csv': DENSE }, 'skew_fit:\n  enabled: maybe\n'), 1));
    expect(e.field).toBe('skew_fit.enabled');
  });
  it('cost-model options are validated at the boundary', async () => {
    const base = { model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16' } as const;
    await expect(CostModel.load({ ...base, tp: 0 })).rejects.toThrow(/field 'tp'/);
    await expect(CostModel.load({ ...base, tp: 2 })).rejects.toThrow(/needs the link bandwidth/);
    await expect(CostModel.load({ ...base, tp: 1, perfBundle: 'a', perfCsv: 'b' })).rejects.toThrow(/not both/);
  });
});

describe('v0.2.1 CSV input errors', () => {
  const file = (text: string) => {
    const f = join(mkdtempSync(join(tmpdir(), 'servesim-v021-')), 'perf.csv');
    writeFileSync(f, text);
    return f;
  };
  it('a missing latency(ns) column is named', () => {
    const e = inputError(() => loadV021Csv(file('hardware,model,layer_name,input,kv_cache\nX,m,attn,1,0\n'), LLAMA_8B));
    expect(e.field).toBe('latency(ns)');
  });
  it('an unknown model lists the models in the file', () => {
    const text = 'hardware,model,layer_name,input,kv_cache,latency(ns)\nX,a/one,attn,1,0,5\nX,b/two,attn,1,0,5\n';
    expect(inputError(() => loadV021Csv(file(text), LLAMA_8B)).message).toMatch(/no rows for model.*'a\/one', 'b\/two'/);
  });
});

describe('CSV parser properties', () => {
  it('numbers written with any JS formatting come back exactly, on their own line numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 30 }), (rows) => {
        const text = 'tokens,time_us\r\n' + rows.map(([k, v]) => `${k},${v}`).join('\r\n') + '\n';
        const t = parseCsv(text, 'mem.csv', [
          { name: 'tokens', kind: 'number', integer: true },
          { name: 'time_us', kind: 'number', nonNegative: true },
        ]);
        expect(Array.from(t.numbers.tokens)).toEqual(rows.map((r) => r[0]));
        expect(Array.from(t.numbers.time_us)).toEqual(rows.map((r) => r[1]));
        expect(t.lines[rows.length - 1]).toBe(rows.length + 1);
      }),
    );
  });
  it('any non-numeric cell is reported with its line', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.constantFrom('x', 'NaN', 'Infinity', '', '1e', '--1'), (at, bad) => {
        const cells = Array.from({ length: 21 }, (_, i) => (i === at ? bad : String(i)));
        const text = 'k\n' + cells.join('\n') + '\n';
        try {
          parseCsv(text, 'f.csv', [{ name: 'k', kind: 'number' }]);
          return bad === ''; // an empty line is skipped, not a value
        } catch (err) {
          return err instanceof InputError && err.line === at + 2;
        }
      }),
    );
  });
});

describe('fallbacks when a bundle lacks tables or layers', () => {
  it('absent files use the roofline, absent layers count 0 ns (LLMServingSim), and both are counted', async () => {
    // dense.csv with the embedding only; no per_sequence.csv, no attention.csv.
    const v = makeBundle({ 'dense.csv': DENSE });
    const cm = await CostModel.load({ model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfBundle: v });
    expect(cm.source).toBe('profile');
    const sources = cm.layerSources();
    expect(sources.embedding).toBe('table');
    expect(sources.qkv_proj).toBe('missing');
    expect(sources.attention).toBe('roofline');
    expect(sources.lm_head).toBe('roofline');
    expect(cm.warnings.join('\n')).toMatch(/per_sequence.csv is absent/);
    expect(cm.warnings.join('\n')).toMatch(/layer 'qkv_proj' has no rows/);
    cm.newTokens[0] = 1;
    cm.computedBefore[0] = 10;
    cm.iterate(1);
    expect(cm.counters[COUNTER.lookups]).toBe(1);
    expect(cm.counters[COUNTER.roofline]).toBe(3); // attention, lm_head, sampler
    expect(cm.counters[COUNTER.missingLayers]).toBe(8); // layernorm .. down_proj, final_layernorm
    const b = cm.breakdown();
    expect(b.embedding_ns).toBe(2500); // 2.5 us on the grid
    expect(b.qkv_proj_ns).toBe(0);
    expect(b.block_ns).toBe(b.attention_ns); // the only timed block layer
    expect(b.compute_total_ns).toBe(2500 + 32 * b.attention_ns + b.lm_head_ns + b.sampler_ns);
    expect(cm.totals().roofline).toBe(3);
  });
});

describe('MoE bundles', () => {
  it('tp1/moe.csv times the MoE block at the BALANCED tokens and experts per rank (README §2.6)', async () => {
    const rows = ['tokens,activated_experts,time_us'];
    for (const a of [1, 8]) for (const t of [1, 64]) rows.push(`${t},${a},${(1 + 0.01 * t + 0.1 * a).toFixed(3)}`);
    const v = makeBundle({ 'dense.csv': DENSE, 'moe.csv': rows.join('\n') + '\n' });
    const moeModel = {
      ...LLAMA_8B, intermediateSize: 0,
      moe: { numExperts: 8, expertsPerToken: 2, expertIntermediateSize: 1024, numSharedExperts: 0, sharedExpertIntermediateSize: 0 },
    };
    const cm = await CostModel.load({ model: moeModel, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfBundle: v });
    expect(cm.layerSources().moe).toBe('table');
    cm.newTokens[0] = 32;
    cm.computedBefore[0] = 0;
    cm.iterate(1);
    // ep 1: all 32 tokens, min(32 x 2, 8) = 8 experts -> 1000 + 10 x 32 + 100 x 8 ns
    expect(cm.breakdown().moe_ns).toBe(2120);
  });
  it('a moe.csv with a missing column is named', () => {
    const v = makeBundle({ 'dense.csv': DENSE, 'moe.csv': 'tokens,time_us\n1,2\n' });
    expect(inputError(() => loadPerfBundle(v, 1)).field).toBe('activated_experts');
  });
});

describe('tp_stable layers', () => {
  it('at tp2, layernorm / final_layernorm / sampler come from tp1 (README §2.2), other layers from tp2', () => {
    const v = makeBundle({ 'dense.csv': 'layer,tokens,time_us\nlayernorm,1,1.0\nqkv_proj,1,5.0\n' });
    mkdirSync(join(v, 'tp2'));
    writeFileSync(join(v, 'tp2', 'dense.csv'), 'layer,tokens,time_us\nlayernorm,1,9.0\nqkv_proj,1,7.0\n');
    const b = loadPerfBundle(v, 2);
    expect(b.dense!.get('layernorm')!.timeUs[0]).toBe(1.0);
    expect(b.dense!.get('qkv_proj')!.timeUs[0]).toBe(7.0);
  });
});
