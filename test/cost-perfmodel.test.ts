// `sim perf-model build`: a roofline bundle in LLMServingSim 2.0's layout, read back by the same lookup code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTER, CostModel } from '../src/cost/costModel.js';
import { loadPerfBundle } from '../src/cost/perfBundle.js';
import { calibrateRoofline } from '../src/cost/calibrate.js';
import { buildRooflineBundle, listPerfBundles, variantName } from '../src/cost/perfModelBuild.js';
import { LLAMA_8B, RTX4090 } from './cost-fixtures.js';

describe('roofline bundle builder', () => {
  const out = mkdtempSync(join(tmpdir(), 'servesim-perfmodel-'));
  const built = buildRooflineBundle({ model: LLAMA_8B, hardware: RTX4090, tp: 1, weightDtype: 'bf16', kvDtype: 'bf16', outRoot: out });

  it('writes the grids of the shipped RTX 4090 bundle: 1368 dense, 80 per-sequence, 8643 attention rows', async () => {
    const r = await built;
    expect(r.variantDir).toBe(join(out, 'RTX4090', 'meta-llama', 'Llama-3.1-8B', 'bf16'));
    expect(r.rows).toEqual({ dense: 1368, perSequence: 80, attention: 8643 });
    const bundle = loadPerfBundle(r.variantDir, 1);
    expect([...bundle.dense!.keys()].sort()).toEqual(
      ['act_fn', 'down_proj', 'embedding', 'final_layernorm', 'gate_up_proj', 'layernorm', 'o_proj', 'qkv_proj', 'rotary_emb'],
    );
    expect(bundle.skew).toBeUndefined();
  });

  it('read back as a profile, it gives the roofline times exactly on grid points', async () => {
    const r = await built;
    const base = { model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1 } as const;
    const profile = await CostModel.load({ ...base, perfBundle: r.variantDir });
    const roofline = await CostModel.load(base);
    const shapes: [number, number][][] = [
      Array.from({ length: 16 }, () => [1, 1024]), // (0, 0, 16, 1024), 16 tokens, 16 sequences
      [[512, 0]], // (512, 0, 0, 0)
      [[16, 2048], [1, 4096], [1, 4096], [1, 4096], [1, 4096]], // mixed (16, 2048, 4, 4096): 20 tokens, 5 sequences
    ];
    for (const batch of shapes) {
      for (const cm of [profile, roofline]) {
        batch.forEach(([a, b], i) => {
          cm.newTokens[i] = a;
          cm.computedBefore[i] = b;
        });
      }
      expect(profile.iterate(batch.length)).toBe(roofline.iterate(batch.length));
      expect(profile.counters[COUNTER.lookups]).toBeGreaterThan(0);
      expect(profile.counters[COUNTER.extrapolated]).toBe(0);
    }
  });

  it('is listed with its generator and TP degrees', async () => {
    const r = await built;
    const [entry] = listPerfBundles(out);
    expect(entry).toMatchObject({ variantDir: r.variantDir, hardware: 'RTX4090', model: 'meta-llama/Llama-3.1-8B', variant: 'bf16', tpDegrees: [1] });
    expect(entry.generator).toMatch(/servesim roofline/);
  });

  it('names variants as LLMServingSim does', () => {
    expect(variantName('bf16', 'bf16')).toBe('bf16');
    expect(variantName('bf16', 'fp8')).toBe('bf16-kvfp8');
  });
});

describe('roofline calibration', () => {
  it('recovers the constants of a bundle generated with known constants', async () => {
    const out = mkdtempSync(join(tmpdir(), 'servesim-calibrate-'));
    const known = { computeEfficiency: 0.55, memoryEfficiency: 0.75, launchOverheadNs: 1000 };
    const common = { model: LLAMA_8B, hardware: RTX4090, tp: 1, weightDtype: 'bf16', kvDtype: 'bf16' } as const;
    const built = await buildRooflineBundle({ ...common, outRoot: out, roofline: known });
    const fit = await calibrateRoofline({ ...common, perfBundle: built.variantDir });
    expect(fit.tuning).toEqual(known);
    expect(fit.rmsLogError).toBeLessThan(0.01); // only off-grid interpolation of a few lm_head keys remains
    expect(fit.rmsLogErrorDefault).toBeGreaterThan(0.1);
  });
});

describe('roofline calibration on a v0.2.1 / llm-profile CSV', () => {
  it('fits the per-token layers only: recovers known constants whatever the per-request rope/attn rows hold', async () => {
    // A CSV in v0.2.1 columns whose per-token layers are the roofline's own times under known constants, and whose
    // rope/attn rows are 100x off (as HF eager per-request kernels are, compared with batched attention).
    const known = { computeEfficiency: 0.6, memoryEfficiency: 0.8, launchOverheadNs: 3000 };
    const common = { model: LLAMA_8B, hardware: RTX4090, tp: 1, weightDtype: 'bf16', kvDtype: 'bf16' } as const;
    const cm = await CostModel.load({ ...common, roofline: known, maxBatch: 2048 });
    const rows = ['hardware,model,layer_name,input,kv_cache,latency(ns)'];
    const row = (layer: string, input: number, kv: number, ns: number) => rows.push(`RTX4090,meta-llama/Llama-3.1-8B,${layer},${input},${kv},${ns}`);
    for (const t of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]) {
      Array.from({ length: t }, (_, i) => ((cm.newTokens[i] = 1), (cm.computedBefore[i] = 0)));
      cm.iterate(t);
      const b = cm.breakdown();
      row('embedding', t, 0, b.embedding_ns);
      row('input_layernorm', t, 0, b.layernorm_ns);
      row('qkv_proj', t, 0, b.qkv_proj_ns);
      row('rope', t, 0, 100 * b.rotary_emb_ns);
      row('attn', t, 0, 100 * b.attention_ns + 1);
      row('o_proj', t, 0, b.o_proj_ns);
      row('post_layernorm', t, 0, b.layernorm_ns);
      row('gate_up_proj', t, 0, b.gate_up_proj_ns);
      row('act_fn', t, 0, b.act_fn_ns);
      row('down_proj', t, 0, b.down_proj_ns);
      row('final_layernorm', t, 0, b.final_layernorm_ns);
      row('lm_head', t, 0, b.lm_head_ns); // lm_head over t sequences = v0.2.1's lm_head over t tokens
    }
    for (const kv of [1, 1000]) for (const layer of ['rope', 'attn']) row(layer, 1, kv, 1e6);
    const csv = join(mkdtempSync(join(tmpdir(), 'servesim-v021-')), 'RTX4090.csv');
    writeFileSync(csv, rows.join('\n') + '\n');
    const fit = await calibrateRoofline({ ...common, perfCsv: csv });
    expect(fit.objective).toBe('per-token-layers');
    expect(fit.shapes).toBe(12);
    expect(fit.tuning).toEqual(known);
    expect(fit.rmsLogError).toBeLessThan(1e-6);
  });
});
