// Weights placed on cpu/cxl memory (LLMServingSim `placement`, reference README §2.4): every such layer loads its
// per-rank weight bytes each iteration; the loads are issued at the start and queue on their memory in layer order,
// latency + floor(bytes / bw) each, and a layer computes once its load and the previous layer are done.
// A tiny model whose per-layer bytes are easy to write down; the expected times are computed by hand from the formula
// and from the same model's per-layer compute times without placement.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CostModel, COUNTER, type CostModelOptions } from '../src/cost/costModel.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { layerWeightBytesPerRank } from '../src/cost/weightPlacement.js';
import { SLOT_NAMES } from '../src/cost/slots.js';
import { weightBytesPerRank } from '../src/scenario/modelMath.js';
import type { MemoryLocation } from '../src/scenario/placement.js';
import type { ModelArch } from '../src/scenario/types.js';
import { prepareScenario } from '../src/simulate.js';
import { LLAMA_8B, RTXPRO6000 } from './cost-fixtures.js';

const haveAddon = existsSync(join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node'));

// hidden 64, 4 heads of 16 (q_dim 64), 2 KV heads (kv_dim 32), ffn 128, vocab 256, 2 blocks, bf16 (2 bytes).
const TINY: ModelArch = {
  name: 'tiny',
  hfId: 'test/tiny',
  modelType: 'llama',
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 128,
  vocabSize: 256,
  maxPositionEmbeddings: 4096,
  tieWordEmbeddings: false,
  torchDtype: 'bf16',
};
// Per-layer weight bytes of TINY, by hand (README §3.1 terms):
const BYTES = {
  layernorm: 64 * 2, // 128
  qkv_proj: 64 * (64 + 2 * 32) * 2, // 16,384
  o_proj: 64 * 64 * 2, // 8,192
  gate_up_proj: 64 * 2 * 128 * 2, // 32,768
  down_proj: 128 * 64 * 2, // 16,384
  embedding: 256 * 64 * 2, // 32,768
};
// CXL at 1 GB/s (1 byte/ns) and 100 ns per load: load = 100 + bytes.
const CXL = { bandwidthGBps: 1, latencyNs: 100, numDevices: 2 };
const load = (bytes: number) => CXL.latencyNs + bytes;
// One block's loads in walk order: layernorm, qkv_proj, o_proj, layernorm, gate_up_proj, down_proj.
const BLOCK_LOADS = [BYTES.layernorm, BYTES.qkv_proj, BYTES.o_proj, BYTES.layernorm, BYTES.gate_up_proj, BYTES.down_proj].map(load);
const BLOCK_LOAD_NS = BLOCK_LOADS.reduce((a, b) => a + b, 0); // 228 + 16,484 + 8,292 + 228 + 32,868 + 16,484 = 74,584

const HOST = { bandwidthGBps: 1, latencyNs: 10 };

/** Locations for TINY: `where(block, layer)` for every (block, slot). */
function locations(where: (block: number, layer: string) => MemoryLocation): MemoryLocation[] {
  const out: MemoryLocation[] = [];
  for (let b = 0; b < TINY.numLayers; b++) for (const name of SLOT_NAMES) out.push(where(b, name));
  return out;
}

async function tinyCost(extra: Partial<CostModelOptions> = {}): Promise<CostModel> {
  return CostModel.load({ model: TINY, hardware: RTXPRO6000, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, hostMem: HOST, ...extra });
}

function step(cm: CostModel, rows: [number, number][]): number {
  rows.forEach(([add, before], i) => {
    cm.newTokens[i] = add;
    cm.computedBefore[i] = before;
  });
  return cm.iterate(rows.length);
}

const BATCH: [number, number][] = [
  [12, 0],
  [1, 40],
  [1, 7],
];

describe('per-layer weight bytes', () => {
  it('match the hand-computed sizes and sum to the per-rank weights of the KV budget (README §3.1)', () => {
    const b = layerWeightBytesPerRank(TINY, 'bf16', { tp: 1, ep: 1 });
    expect(b).toMatchObject({ ...BYTES, final_layernorm: 128, lm_head: 32_768, rotary_emb: 0, attention: 0, act_fn: 0, sampler: 0, moe: 0 });
    for (const [model, tp] of [[TINY, 1], [LLAMA_8B, 1], [LLAMA_8B, 2], [LLAMA_8B, 4]] as const) {
      const l = layerWeightBytesPerRank(model, 'bf16', { tp, ep: 1 });
      const block = 2 * l.layernorm + l.qkv_proj + l.o_proj + l.gate_up_proj + l.down_proj;
      expect(l.embedding + model.numLayers * block + l.final_layernorm + l.lm_head).toBe(weightBytesPerRank(model, 'bf16', { tp }));
    }
  });
});

describe.skipIf(!haveAddon)('weights on cpu/cxl memory: the iteration waits for the queued loads', () => {
  it('blocks 0-1 on cxl:0: the last load ends after both blocks of loads; then down_proj and the head compute', async () => {
    const plain = await tinyCost();
    const base = step(plain, BATCH);
    const b = plain.breakdown();
    const placed = await tinyCost({ weightPlacement: { locations: locations((_, l) => (l === 'embedding' || l === 'final_layernorm' || l === 'lm_head' || l === 'sampler' ? 'npu' : 'cxl:0')), numBlocks: 2, cxl: CXL } });
    const t = step(placed, BATCH);
    // Each load is slower than the compute before it, so the critical path is: all 12 loads back to back
    // (2 x 74,584 ns = 149,168 ns), then block 1's down_proj, final_layernorm, lm_head, sampler, and the store.
    expect(2 * BLOCK_LOAD_NS).toBe(149_168);
    const expected = 149_168 + b.down_proj_ns + b.final_layernorm_ns + b.lm_head_ns + b.sampler_ns + b.store_ns;
    expect(t).toBe(expected);
    expect(t).toBeGreaterThan(base);
    // The wait is memory time: counters say so, and compute is unchanged.
    expect(placed.counters[COUNTER.memNs]).toBe(b.load_ns + b.store_ns + (t - base));
    expect(placed.counters[COUNTER.computeNs]).toBe(plain.counters[COUNTER.computeNs]);
    expect(placed.breakdown().weight_stall_ns).toBe(t - base);
    expect(placed.counters[COUNTER.stageNs]).toBe(t);
  });

  it('block 0 on cxl:0 and block 1 on cxl:1 load in parallel: block 0 gates, block 1 only computes', async () => {
    const plain = await tinyCost();
    step(plain, BATCH);
    const b = plain.breakdown();
    const placed = await tinyCost({ weightPlacement: { locations: locations((blk, l) => (l === 'embedding' || l === 'final_layernorm' || l === 'lm_head' ? 'npu' : blk === 0 ? 'cxl:0' : 'cxl:1')), numBlocks: 2, cxl: CXL } });
    // cxl:0's last load (block 0's down_proj) ends at 74,584 ns; block 1's loads ended at the same time on cxl:1.
    const expected = BLOCK_LOAD_NS + b.down_proj_ns + b.block_ns + b.final_layernorm_ns + b.lm_head_ns + b.sampler_ns + b.store_ns;
    expect(step(placed, BATCH)).toBe(expected);
  });

  it('embedding on cpu: its load queues behind the input load on host memory (one queue)', async () => {
    const plain = await tinyCost();
    const base = step(plain, BATCH);
    const placed = await tinyCost({ weightPlacement: { locations: locations((_, l) => (l === 'embedding' ? 'cpu' : 'npu')), numBlocks: 2 } });
    // Host memory: 1 byte/ns, 10 ns per load. The input load (14 tokens x 4 bytes) is first, then the embedding's
    // 32,768 bytes: the embedding starts 10 + 32,768 ns later than without placement; nothing else moves.
    expect(plain.breakdown().load_ns).toBe(10 + 14 * 4);
    expect(step(placed, BATCH)).toBe(base + 10 + 32_768);
  });

  it('loads that cost nothing leave the iteration as the plain sum (the layer walk equals README §2.4), also at tp 2', async () => {
    const link = { bandwidthGBps: 16, latencyNs: 1000 };
    const free = { bandwidthGBps: 1e15, latencyNs: 0, numDevices: 1 };
    for (const tp of [1, 2]) {
      const plain = await tinyCost({ tp, link });
      const placed = await tinyCost({ tp, link, weightPlacement: { locations: locations(() => 'cxl:0'), numBlocks: 2, cxl: free } });
      for (const batch of [BATCH, [[1, 5]] as [number, number][], [[300, 0]] as [number, number][]]) {
        expect(step(placed, batch)).toBe(step(plain, batch));
      }
    }
  });

  it('any placement: plain ≤ placed ≤ plain + every load back to back (property over placements and batches)', async () => {
    const plain = await tinyCost();
    const devices: MemoryLocation[] = ['npu', 'cpu', 'cxl:0', 'cxl:1'];
    const bytes = layerWeightBytesPerRank(TINY, 'bf16', { tp: 1, ep: 1 });
    const loadNs = (loc: MemoryLocation, b: number) => (loc === 'npu' || b === 0 ? 0 : loc === 'cpu' ? HOST.latencyNs + Math.floor(b / HOST.bandwidthGBps) : load(b));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...devices), { minLength: 2 * SLOT_NAMES.length, maxLength: 2 * SLOT_NAMES.length }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2000 })), { minLength: 1, maxLength: 8 }),
        async (locs, batch) => {
          // Layers outside the blocks occur once (row 0); layernorm twice per block.
          const rows = locs.map((l, i) => (i >= SLOT_NAMES.length && ['embedding', 'final_layernorm', 'lm_head', 'sampler'].includes(SLOT_NAMES[i % SLOT_NAMES.length]) ? locs[i % SLOT_NAMES.length] : l));
          const placed = await tinyCost({ weightPlacement: { locations: rows, numBlocks: 2, cxl: CXL } });
          let allLoads = 0;
          rows.forEach((loc, i) => {
            const name = SLOT_NAMES[i % SLOT_NAMES.length];
            const outside = ['embedding', 'final_layernorm', 'lm_head', 'sampler'].includes(name);
            if (outside && i >= SLOT_NAMES.length) return;
            allLoads += loadNs(loc, bytes[name]) * (name === 'layernorm' ? 2 : 1);
          });
          const base = step(plain, batch);
          const t = step(placed, batch);
          expect(t).toBeGreaterThanOrEqual(base);
          expect(t).toBeLessThanOrEqual(base + allLoads);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects weights on cpu/cxl with pipeline parallelism, and cxl ids the cluster does not have', async () => {
    const locs = locations(() => 'cxl:1');
    await expect(tinyCost({ pp: 2, link: { bandwidthGBps: 16, latencyNs: 1000 }, weightPlacement: { locations: locs, numBlocks: 2, cxl: CXL } })).rejects.toThrow(/pp_size 1/);
    await expect(tinyCost({ weightPlacement: { locations: locs, numBlocks: 2, cxl: { ...CXL, numDevices: 1 } } })).rejects.toThrow(/cxl:1, but the cluster has 1 CXL devices/);
  });
});

describe.skipIf(!haveAddon)('placement in a scenario (cluster config)', () => {
  const write = (instance: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-placement-'));
    const file = join(dir, 'cluster.json');
    const cfg = {
      num_nodes: 1,
      link_bw: 16,
      link_latency: 1000,
      cxl_mem: { mem_size: 64, mem_bw: 60, mem_latency: 250, num_devices: 1 },
      nodes: [
        {
          num_instances: 1,
          cpu_mem: { mem_size: 64, mem_bw: 50, mem_latency: 0 },
          instances: [{ model_name: 'meta-llama/Llama-3.1-8B', hardware: 'RTX4090', npu_mem: { mem_size: 24, mem_bw: 1008, mem_latency: 0 }, tp_size: 1, pd_type: null, ...instance }],
        },
      ],
    };
    writeFileSync(file, JSON.stringify(cfg));
    return file;
  };
  const scenario = (file: string) => {
    const trace = join(mkdtempSync(join(tmpdir(), 'servesim-placement-')), 'trace.jsonl');
    writeFileSync(trace, '{"input_toks": 8, "output_toks": 2, "arrival_time_ns": 0}\n');
    return { clusterConfig: file, workload: { kind: 'file' as const, path: trace }, compat: 'llmservingsim2' as const };
  };

  it('weights on cxl with pp_size 2 is an input error naming the file and the placement field', async () => {
    const file = write({ tp_size: 1, pp_size: 2, placement: { blocks: [{ blocks: '0-1', weights: 'cxl:0' }] } });
    await expect(prepareScenario(scenario(file))).rejects.toThrow(new RegExp(`${file.replace(/[.\\/]/g, '\\$&')}, field 'nodes\\[0\\]\\.instances\\[0\\]\\.placement': weights placed on cpu/cxl memory need pp_size 1`));
  });

  it('kv_loc off the NPU runs with a warning that it has no effect', async () => {
    const file = write({ placement: { default: { kv_loc: 'cxl:0' } } });
    const { warnings } = await prepareScenario(scenario(file));
    expect(warnings.some((w) => /kv_loc on cpu\/cxl has no effect/.test(w))).toBe(true);
  });
});
