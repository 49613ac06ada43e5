// Model catalog and model arithmetic, checked against hand calculation, published parameter counts,
// and LLMServingSim 2.0's documented KV capacity figures (reference README §3.1).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { listModels, parseModelConfig, resolveModel } from '../src/scenario/model.js';
import { flopsPerToken, kvBytesForTokens, kvBytesPerToken, kvBytesPerTokenPerLayer, paramCount, weightBytes, weightBytesPerRank } from '../src/scenario/modelMath.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import type { ModelArch } from '../src/scenario/types.js';

const REFERENCE = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const GiB = 2 ** 30;

describe('paramCount against hand calculation', () => {
  it('Llama-3.1-8B: 32 × 218,112,000 per block + 2 × 525,336,576 embedding/lm_head + 4,096 final norm', async () => {
    // block = attention 4096·(4096+2·1024) + 4096·4096 = 41,943,040; MLP 3·4096·14336 = 176,160,768; norms 2·4096
    const m = await resolveModel('llama-3.1-8b');
    expect(paramCount(m)).toEqual({ total: 8_030_261_248, active: 8_030_261_248, embedding: 525_336_576 });
  });
  it('Llama-3.2-1B ties lm_head to the embeddings: counted once', async () => {
    // block = 2048·(2048+2·512) + 2048·2048 + 3·2048·8192 + 2·2048 = 60,821,504
    const m = await resolveModel('llama-3.2-1b');
    expect(paramCount(m).total).toBe(16 * 60_821_504 + 128_256 * 2048 + 2048);
  });
  it('Mixtral-8x7B: all 8 experts in total, the top-2 in active', async () => {
    const m = await resolveModel('mixtral-8x7b');
    const attention = 4096 * (4096 + 2048) + 4096 * 4096;
    const expert = 3 * 4096 * 14336;
    const common = attention + 2 * 4096 + 4096 * 8; // + norms + router
    const outside = 2 * 32_000 * 4096 + 4096;
    expect(paramCount(m).total).toBe(outside + 32 * (common + 8 * expert));
    expect(paramCount(m).active).toBe(outside + 32 * (common + 2 * expert));
  });
  it('shared experts count in both total and active', () => {
    const base: ModelArch = {
      name: 'toy', hfId: 'toy/toy', modelType: 'toy', hiddenSize: 8, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 4,
      intermediateSize: 0, vocabSize: 10, maxPositionEmbeddings: 64, tieWordEmbeddings: true, torchDtype: 'bf16',
      moe: { numExperts: 4, expertsPerToken: 1, expertIntermediateSize: 3, numSharedExperts: 2, sharedExpertIntermediateSize: 5 },
    };
    // per layer: attention 8·(8+2·4) + 8·8 = 192; norms 16; router 32; shared 2·3·8·5 = 240; expert 3·8·3 = 72
    const p = paramCount(base);
    expect(p.total).toBe(80 + 8 + 2 * (192 + 16 + 32 + 240 + 4 * 72));
    expect(p.active).toBe(80 + 8 + 2 * (192 + 16 + 32 + 240 + 1 * 72));
  });
});

describe('paramCount against published figures', () => {
  // Published: model cards / release posts. Our count omits biases and q/k norms (< 0.1%).
  const cases: [string, number, number | undefined, number][] = [
    ['llama-3.1-8b', 8.03e9, undefined, 0.002],
    ['llama-3.1-70b', 70.6e9, undefined, 0.002],
    ['llama-3.2-1b', 1.24e9, undefined, 0.005],
    ['llama-3.2-3b', 3.21e9, undefined, 0.005],
    ['mistral-7b-v0.3', 7.25e9, undefined, 0.002],
    ['qwen2.5-7b', 7.61e9, undefined, 0.002],
    ['qwen3-32b', 32.8e9, undefined, 0.002],
    ['mixtral-8x7b', 46.7e9, 12.9e9, 0.003],
    ['qwen3-30b-a3b', 30.5e9, 3.3e9, 0.02],
    ['gemma-3-27b', 27.0e9, undefined, 0.005], // 27.4B with the 0.4B vision tower we do not model
  ];
  for (const [name, total, active, tol] of cases) {
    it(`${name}: ${total / 1e9}B total${active ? `, ${active / 1e9}B active` : ''}`, async () => {
      const p = paramCount(await resolveModel(name));
      expect(Math.abs(p.total / total - 1)).toBeLessThan(tol);
      if (active) expect(Math.abs(p.active / active - 1)).toBeLessThan(tol);
      else expect(p.active).toBe(p.total);
    });
  }
  it('gpt-oss-20b: 20.91B total, 3.61B active (OpenAI counts active without the embedding lookup)', async () => {
    const p = paramCount(await resolveModel('openai/gpt-oss-20b'));
    expect(Math.abs(p.total / 20.91e9 - 1)).toBeLessThan(0.002);
    expect(Math.abs((p.active - p.embedding) / 3.61e9 - 1)).toBeLessThan(0.002);
  });
});

describe('weight bytes', () => {
  it('Llama-3.1-8B bf16 tp1 per rank is 16,060,522,496 B (LLMServingSim 2.0, reference §3.1)', async () => {
    expect(weightBytesPerRank(await resolveModel('meta-llama/Llama-3.1-8B'), 'bf16', { tp: 1, pp: 1, ep: 1 })).toBe(16_060_522_496);
  });
  it('Llama-3.1-8B tp2 and pp2 per rank, by hand', async () => {
    const m = await resolveModel('llama-3.1-8b');
    // tp2 block: norms 16,384 + qkv 4096·3072·2 + o 2048·4096·2 + gate/up 4096·2·7168·2 + down 7168·4096·2 = 218,120,192
    expect(weightBytesPerRank(m, 'bf16', { tp: 2 })).toBe(32 * 218_120_192 + 2 * 64_128 * 4096 * 2 + 8192);
    // pp2: half the blocks (16 × 436,224,000), embedding and lm_head whole on every rank (as LLMServingSim)
    expect(weightBytesPerRank(m, 'bf16', { pp: 2 })).toBe(16 * 436_224_000 + 2 * 1_050_673_152 + 8192);
  });
  it('per rank counts lm_head even when tied (LLMServingSim does), and int4 keeps embeddings/norms 16-bit', async () => {
    const tied = await resolveModel('llama-3.2-1b');
    expect(weightBytesPerRank(tied, 'bf16')).toBe(2 * (paramCount(tied).total + 128_256 * 2048));
    const m = await resolveModel('llama-3.1-8b');
    expect(weightBytesPerRank(m, 'int4')).toBe(32 * (16_384 + 218_103_808 * 0.5) + 2 * 1_050_673_152 + 8192);
    expect(weightBytesPerRank(m, 'int4')).toBe(weightBytes(m, 'int4')); // untied, tp1: the same bytes
  });
  it('Mixtral tp2 ep2 per rank: experts split by ep, router replicated', async () => {
    const m = await resolveModel('mixtral-8x7b');
    const block = 16_384 + 4096 * 3072 * 2 + 2048 * 4096 * 2 + 4096 * 8 * 2 + 4 * 3 * 4096 * 14336 * 2;
    expect(weightBytesPerRank(m, 'bf16', { tp: 2, ep: 2 })).toBe(32 * block + 2 * 16_000 * 4096 * 2 + 8192);
  });
  it('int4 halves a byte for block linear weights only; embeddings and norms stay 16-bit', async () => {
    const m = await resolveModel('llama-3.1-8b');
    const linear = 32 * (41_943_040 + 176_160_768);
    expect(weightBytes(m, 'int4')).toBe(linear * 0.5 + (8_030_261_248 - linear) * 2);
    expect(weightBytes(m, 'fp8')).toBe(8_030_261_248);
  });
  it('LLMServingSim KV capacity table (§3.1) follows from weights and KV bytes per token', async () => {
    const m = await resolveModel('meta-llama/Llama-3.1-8B');
    const blocks = (memGiB: number, util: number) =>
      Math.floor((Math.floor(memGiB * GiB * util) - weightBytesPerRank(m, 'bf16')) / (kvBytesPerToken(m, 'bf16') * 16));
    expect(blocks(24, 0.833919)).toBe(2588);
    expect(blocks(24, 0.9)).toBe(3400);
    expect(blocks(96, 0.9)).toBe(36_578);
  });
  it('property: at tp=pp=ep=1 the per-rank bytes are total params × dtype bytes (no shared experts)', () => {
    const arch = fc.record({
      hiddenSize: fc.integer({ min: 1, max: 64 }).map((x) => x * 64),
      numLayers: fc.integer({ min: 1, max: 40 }),
      kvHeads: fc.integer({ min: 1, max: 8 }),
      group: fc.integer({ min: 1, max: 8 }),
      headDim: fc.constantFrom(64, 128),
      ffn: fc.integer({ min: 1, max: 30_000 }),
      vocab: fc.integer({ min: 100, max: 300_000 }),
      tied: fc.boolean(),
      experts: fc.integer({ min: 0, max: 64 }),
    });
    fc.assert(
      fc.property(arch, fc.constantFrom('fp32', 'bf16', 'fp8') as fc.Arbitrary<'fp32' | 'bf16' | 'fp8'>, (a, dtype) => {
        const m: ModelArch = {
          name: 'p', hfId: 'p/p', modelType: 'p', hiddenSize: a.hiddenSize, numLayers: a.numLayers, numHeads: a.kvHeads * a.group,
          numKvHeads: a.kvHeads, headDim: a.headDim, intermediateSize: a.experts ? 0 : a.ffn, vocabSize: a.vocab,
          maxPositionEmbeddings: 4096, tieWordEmbeddings: false, torchDtype: 'bf16',
          moe: a.experts
            ? { numExperts: a.experts, expertsPerToken: 1, expertIntermediateSize: a.ffn, numSharedExperts: 0, sharedExpertIntermediateSize: 0 }
            : undefined,
        };
        const bytes = { fp32: 4, bf16: 2, fp8: 1 }[dtype];
        expect(weightBytesPerRank(m, dtype)).toBe(paramCount(m).total * bytes);
        expect(weightBytes(m, dtype)).toBe(paramCount(m).total * bytes);
        expect(paramCount(m).active).toBeLessThanOrEqual(paramCount(m).total);
      }),
      { numRuns: 200 },
    );
  });
  it('rejects a non-integer parallel degree', async () => {
    expect(() => weightBytesPerRank(listModels()[0], 'bf16', { tp: 0 })).toThrow(/tp must be a positive integer/);
  });
});

describe('KV bytes and FLOPs', () => {
  it('Llama-3.1-8B: 131,072 B/token bf16, half at fp8 or tp2, 4,096 B per layer', async () => {
    const m = await resolveModel('llama-3.1-8b');
    expect(kvBytesPerToken(m, 'bf16')).toBe(131_072); // 2·(8·128)·32·2
    expect(kvBytesPerToken(m, 'fp8')).toBe(65_536);
    expect(kvBytesPerToken(m, 'bf16', { tp: 2 })).toBe(65_536);
    expect(kvBytesPerToken(m, 'bf16', { tp: 2, pp: 2 })).toBe(32_768);
    expect(kvBytesPerTokenPerLayer(m, 'bf16')).toBe(4096);
    expect(kvBytesPerTokenPerLayer(m, 'bf16', 4)).toBe(1024);
  });
  it('Qwen3-32B uses its explicit head_dim 128: 262,144 B/token', async () => {
    expect(kvBytesPerToken(await resolveModel('Qwen/Qwen3-32B'), 'bf16')).toBe(2 * 8 * 128 * 64 * 2);
  });
  it('flopsPerToken: 2 × matmul params + 4·q_dim·context per layer', async () => {
    const m = await resolveModel('llama-3.1-8b');
    const matmul = 8_030_261_248 - 525_336_576 - (32 * 2 * 4096 + 4096); // no embedding lookup, no norms
    expect(flopsPerToken(m, 1000)).toBe(2 * matmul + 32 * 4 * 4096 * 1000);
    expect(flopsPerToken(m, 2000) - flopsPerToken(m, 1000)).toBe(32 * 4 * 4096 * 1000);
    // tied embeddings are the lm_head matmul: they stay in
    const tiny = await resolveModel('llama-3.2-1b');
    expect(flopsPerToken(tiny, 0)).toBe(2 * (paramCount(tiny).total - 16 * 2 * 2048 - 2048));
  });
  it('sliding-window layers attend to and keep only their window (gpt-oss: 12 of 24 layers, 128 tokens)', async () => {
    const m = await resolveModel('gpt-oss-20b');
    expect(m.slidingWindow).toEqual({ windowTokens: 128, numLayers: 12 });
    const base = flopsPerToken(m, 0);
    // q_dim = 64 heads × 64 = 4096; at 1000 keys: 12 full layers × 1000 + 12 sliding × 128
    expect(flopsPerToken(m, 1000) - base).toBe(4 * 4096 * (12 * 1000 + 12 * 128));
    expect(flopsPerToken(m, 100) - base).toBe(4 * 4096 * 24 * 100); // inside the window every layer sees all keys
    // KV: 2 · (8 · 64) · 2 B = 2048 B per layer-token
    expect(kvBytesForTokens(m, 'bf16', 1000)).toBe(2048 * (12 * 1000 + 12 * 128));
    expect(kvBytesForTokens(m, 'bf16', 1000, { tp: 2 })).toBe((2048 * (12 * 1000 + 12 * 128)) / 2);
    expect(kvBytesPerToken(m, 'bf16')).toBe(2048 * 24); // LLMServingSim's rule ignores windows
    const gemma = await resolveModel('gemma-3-27b');
    expect(gemma.slidingWindow).toEqual({ windowTokens: 1024, numLayers: 62 - 10 }); // every 6th of 62 layers is global
  });
  it('without sliding layers kvBytesForTokens is tokens × kvBytesPerToken', async () => {
    const m = await resolveModel('llama-3.1-8b');
    fc.assert(fc.property(fc.nat(200_000), (t) => kvBytesForTokens(m, 'bf16', t) === t * kvBytesPerToken(m, 'bf16')));
    expect((await resolveModel('qwen2.5-7b')).slidingWindow).toBeUndefined(); // use_sliding_window: false
  });
  it('MoE FLOPs use active experts only', async () => {
    const m = await resolveModel('mixtral-8x7b');
    const p = paramCount(m);
    expect(flopsPerToken(m, 0)).toBe(2 * (p.active - p.embedding - 32 * 2 * 4096 - 4096));
  });
});

describe('resolveModel and the catalog', () => {
  it('has the required models, each answering to its short name and every HF id, case-insensitively', async () => {
    const names = listModels().map((m) => m.name);
    for (const n of ['llama-3.1-8b', 'llama-3.1-70b', 'llama-3.2-1b', 'llama-3.2-3b', 'mistral-7b-v0.3', 'qwen2.5-7b', 'qwen3-32b',
      'qwen3-30b-a3b', 'mixtral-8x7b', 'gpt-oss-20b', 'gemma-3-27b']) expect(names).toContain(n);
    for (const m of listModels()) {
      expect((await resolveModel(m.name.toUpperCase())).name).toBe(m.name);
      expect((await resolveModel(m.hfId)).name).toBe(m.name);
    }
  });
  it('accepts LLMServingSim-style ids without -Instruct, but a base model keeps its own entry', async () => {
    expect((await resolveModel('meta-llama/Llama-3.1-8B')).name).toBe('llama-3.1-8b');
    expect((await resolveModel('meta-llama/llama-3.1-8b-instruct')).name).toBe('llama-3.1-8b');
    expect((await resolveModel('Qwen/Qwen2.5-7B')).maxPositionEmbeddings).toBe(131_072);
    expect((await resolveModel('Qwen/Qwen2.5-7B-Instruct')).maxPositionEmbeddings).toBe(32_768);
  });
  it('normalizes MoE and multimodal configs', async () => {
    const q = await resolveModel('qwen3-30b-a3b');
    expect(q.moe).toEqual({ numExperts: 128, expertsPerToken: 8, expertIntermediateSize: 768, numSharedExperts: 0, sharedExpertIntermediateSize: 0 });
    expect(q.intermediateSize).toBe(0);
    const mix = await resolveModel('mixtral-8x7b');
    expect(mix.moe?.expertIntermediateSize).toBe(14336); // Mixtral sizes experts with intermediate_size
    const g = await resolveModel('google/gemma-3-27b-it');
    expect([g.modelType, g.hiddenSize, g.numLayers, g.tieWordEmbeddings]).toEqual(['gemma3_text', 5376, 62, true]);
  });
  it('returns copies: callers cannot corrupt the catalog', async () => {
    const m = await resolveModel('gpt-oss-20b');
    m.moe!.numExperts = 1;
    m.slidingWindow!.windowTokens = 1;
    const again = await resolveModel('gpt-oss-20b');
    expect([again.moe?.numExperts, again.slidingWindow?.windowTokens]).toEqual([32, 128]);
  });
  it('unknown name: InputError with suggestions', async () => {
    const err = await resolveModel('llama-3.1-8').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/unknown model 'llama-3.1-8'; did you mean 'llama-3.1-8b'/);
  });
  it('a bad config file names the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-model-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hidden_size: 4096, num_hidden_layers: -2 }));
    expect(() => parseModelConfig(JSON.stringify({ hidden_size: 4096, num_hidden_layers: -2 }), file)).toThrow(
      new RegExp(`${file.replace(/[/\\.]/g, '\\$&')}, field 'num_hidden_layers'`),
    );
    expect(() => parseModelConfig(JSON.stringify({ hidden_size: 4096, num_hidden_layers: 2, num_attention_heads: 32, vocab_size: 10 }), file)).toThrow(
      /field 'max_position_embeddings': required number is missing/,
    );
    expect(() => parseModelConfig('{"hidden_size": 4096,\n  oops}', file)).toThrow(/line 2/);
    // what ModelArch cannot describe is refused, not guessed
    expect(() => parseModelConfig(JSON.stringify({ kv_lora_rank: 512 }), file)).toThrow(/field 'kv_lora_rank': multi-head latent attention/);
    expect(() => parseModelConfig(JSON.stringify({ text_config: { mlp_only_layers: [0] } }), file)).toThrow(/field 'text_config\.mlp_only_layers'/);
  });
  it('property: HF field values map one to one onto ModelArch', () => {
    fc.assert(
      fc.property(
        fc.record({
          hidden_size: fc.integer({ min: 1, max: 64 }).map((x) => x * 128),
          num_hidden_layers: fc.integer({ min: 1, max: 128 }),
          kv: fc.integer({ min: 1, max: 16 }),
          group: fc.integer({ min: 1, max: 8 }),
          intermediate_size: fc.integer({ min: 1, max: 100_000 }),
          vocab_size: fc.integer({ min: 1, max: 300_000 }),
          max_position_embeddings: fc.integer({ min: 1, max: 1 << 20 }),
          torch_dtype: fc.constantFrom('bfloat16', 'float16', 'float32'),
        }),
        (c) => {
          const text = JSON.stringify({ ...c, num_attention_heads: c.kv * c.group, num_key_value_heads: c.kv, head_dim: 64, model_type: 'llama' });
          const m = parseModelConfig(text, '/x/org/Model.json');
          expect([m.hfId, m.name, m.hiddenSize, m.numLayers, m.numHeads, m.numKvHeads, m.intermediateSize, m.vocabSize, m.maxPositionEmbeddings]).toEqual([
            'org/Model', 'model', c.hidden_size, c.num_hidden_layers, c.kv * c.group, c.kv, c.intermediate_size, c.vocab_size, c.max_position_embeddings,
          ]);
          expect(m.torchDtype).toBe({ bfloat16: 'bf16', float16: 'fp16', float32: 'fp32' }[c.torch_dtype]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe.skipIf(!existsSync(REFERENCE))('LLMServingSim 2.0 raw HF configs (reference folder)', () => {
  const dir = join(REFERENCE, 'configs', 'model');
  it('each reference config loads by path and matches our catalog entry of the same id', async () => {
    for (const rel of ['meta-llama/Llama-3.1-8B.json', 'meta-llama/Llama-3.1-70B.json', 'Qwen/Qwen3-32B.json',
      'Qwen/Qwen3-30B-A3B-Instruct-2507.json', 'mistralai/Mixtral-8x7B-v0.1.json']) {
      const fromPath = await resolveModel(join(dir, rel));
      const fromCatalog = await resolveModel(rel.replace(/\.json$/, ''));
      const { name: _a, hfId: _b, ...archPath } = fromPath;
      const { name: _c, hfId: _d, ...archCatalog } = fromCatalog;
      expect(archCatalog, rel).toEqual(archPath);
      expect(fromPath.hfId).toBe(rel.replace(/\.json$/, ''));
    }
  });
  it('loads Phi-mini-MoE (PhiMoE: num_local_experts, experts intermediate_size wide)', async () => {
    const m = await resolveModel(join(dir, 'microsoft', 'Phi-mini-MoE-instruct.json'));
    expect(m.moe).toEqual({ numExperts: 16, expertsPerToken: 2, expertIntermediateSize: 960, numSharedExperts: 0, sharedExpertIntermediateSize: 0 });
    expect(m.slidingWindow).toEqual({ windowTokens: 2047, numLayers: 32 }); // sliding_window on every layer
  });
});
