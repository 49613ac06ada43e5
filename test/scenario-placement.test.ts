// LLMServingSim 2.0 `placement` blocks (reference README §4.1): resolution rules (default < blocks in order < layers,
// a layer entry's missing fields from the default) and the errors for placements the cluster cannot hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLOT_NAMES } from '../src/cost/slots.js';
import { InputError } from '../src/errors.js';
import { parseClusterConfig, resolveClusterModels } from '../src/scenario/cluster.js';
import { parseBlockList, resolvePlacement, type PlacementInput } from '../src/scenario/placement.js';
import { LLAMA_8B } from './cost-fixtures.js';

const slot = (name: string) => SLOT_NAMES.indexOf(name as (typeof SLOT_NAMES)[number]);
const ctx = { numBlocks: 8, cxlDevices: 4, file: 'c.json', path: ['nodes', 0, 'instances', 0, 'placement'] };
const weightsOf = (p: ReturnType<typeof resolvePlacement>, block: number, layer: string) => p.weights[block * SLOT_NAMES.length + slot(layer)];

describe('resolvePlacement', () => {
  it('no placement: everything on the NPU, evictions to cpu', () => {
    const p = resolvePlacement(undefined, ctx);
    expect(p.weights.every((w) => w === 'npu')).toBe(true);
    expect(p.kvEvictLoc).toEqual(Array(8).fill('cpu'));
    expect(p.offloadsWeights || p.offloadsKv).toBe(false);
  });

  it('default < blocks (later rules win) < layers; a layer entry takes its missing fields from the default', () => {
    const input: PlacementInput = {
      default: { weights: 'cxl:0' },
      blocks: [
        { blocks: '0-3', weights: 'cxl:1', kv_loc: 'cpu' },
        { blocks: '3,5', weights: 'cpu' },
        { blocks: '7-6', kv_evict_loc: 'cxl:3' }, // reversed range; weights untouched
      ],
      layers: { lm_head: { weights: 'cxl:2' }, qkv_proj: { kv_loc: 'cxl:3' }, o_proj: {} },
    };
    const p = resolvePlacement(input, ctx);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((b) => weightsOf(p, b, 'o_proj'))).toEqual(['cxl:1', 'cxl:1', 'cxl:1', 'cpu', 'cxl:0', 'cpu', 'cxl:0', 'cxl:0']);
    expect(weightsOf(p, 0, 'lm_head')).toBe('cxl:2');
    expect(weightsOf(p, 0, 'embedding')).toBe('cxl:0'); // outside the blocks: no block rule applies, the default does
    // qkv_proj's entry names only kv_loc: its weights are the default's cxl:0 in every block, not the block's.
    expect([0, 3, 7].map((b) => weightsOf(p, b, 'qkv_proj'))).toEqual(['cxl:0', 'cxl:0', 'cxl:0']);
    expect(p.kvLoc).toEqual(['cpu', 'cpu', 'cpu', 'cpu', 'npu', 'npu', 'npu', 'npu']);
    expect(p.kvEvictLoc).toEqual(['cpu', 'cpu', 'cpu', 'cpu', 'cpu', 'cpu', 'cxl:3', 'cxl:3']);
    expect(p.offloadsWeights && p.offloadsKv).toBe(true);
  });

  it('names the file and the field of a bad location, block or layer', () => {
    const bad = (input: PlacementInput) => () => resolvePlacement(input, ctx);
    expect(bad({ default: { weights: 'cxl:4' } })).toThrow(/c\.json, field 'nodes\[0\]\.instances\[0\]\.placement\.default\.weights': 'cxl:4' is beyond cxl_mem\.num_devices 4/);
    expect(bad({ blocks: [{ blocks: '0-1' }, { blocks: '6-8', weights: 'cpu' }] })).toThrow(/field '.*placement\.blocks\[1\]\.blocks': block 8 is outside the model's 8 blocks/);
    expect(bad({ layers: { lmhead: { weights: 'cpu' } } })).toThrow(/field '.*placement\.layers\.lmhead': unknown layer 'lmhead'; did you mean 'lm_head'/);
    expect(bad({ default: { weights: 'gpu' } })).toThrow(InputError);
    expect(() => resolvePlacement({ default: { kv_loc: 'cxl:0' } }, { ...ctx, cxlDevices: 0 })).toThrow(/'cxl:0' needs a cxl_mem block/);
  });

  it('parseBlockList is the union of its ranges (property)', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 31 }));
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 5 }), (ranges) => {
        const text = ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
        const want = new Set<number>();
        for (const [a, b] of ranges) for (let x = Math.min(a, b); x <= Math.max(a, b); x++) want.add(x);
        expect(parseBlockList(text, 32, (m) => { throw new Error(m); })).toEqual([...want].sort((x, y) => x - y));
      }),
    );
  });
});

describe('cluster config placement', () => {
  const config = (placement: unknown, cxl = true) => ({
    num_nodes: 1,
    link_bw: 16,
    link_latency: 1000,
    ...(cxl ? { cxl_mem: { mem_size: 1024, mem_bw: 60, mem_latency: 250, num_devices: 2 } } : {}),
    nodes: [
      {
        num_instances: 1,
        cpu_mem: { mem_size: 64, mem_bw: 50, mem_latency: 0 },
        instances: [{ model_name: 'meta-llama/Llama-3.1-8B', hardware: 'RTX4090', npu_mem: { mem_size: 24, mem_bw: 1008, mem_latency: 0 }, tp_size: 1, pd_type: null, placement }],
      },
    ],
  });
  const load = (placement: unknown, cxl = true) => resolveClusterModels(parseClusterConfig(config(placement, cxl), 'cluster.json'), new Map([['meta-llama/Llama-3.1-8B', LLAMA_8B]]));

  it('resolves against the model and the CXL pool', () => {
    const inst = load({ blocks: [{ blocks: '30-31', weights: 'cxl:1' }] }).instances[0];
    expect(inst.resolvedPlacement!.numBlocks).toBe(32);
    // The 10 in-block layer slots of blocks 30 and 31 (embedding, final_layernorm, lm_head, sampler stay on the NPU).
    expect(inst.resolvedPlacement!.weights.filter((w) => w === 'cxl:1').length).toBe(2 * 10);
  });

  it('rejects a block beyond num_hidden_layers, a cxl id beyond num_devices, cxl without cxl_mem, an unknown device', () => {
    expect(() => load({ blocks: [{ blocks: '31-32', weights: 'cpu' }] })).toThrow(/cluster\.json, field 'nodes\[0\]\.instances\[0\]\.placement\.blocks\[0\]\.blocks': block 32 is outside the model's 32 blocks/);
    expect(() => load({ layers: { embedding: { weights: 'cxl:2' } } })).toThrow(/placement\.layers\.embedding\.weights': 'cxl:2' is beyond cxl_mem\.num_devices 2/);
    expect(() => load({ default: { weights: 'cxl:0' } }, false)).toThrow(/needs a cxl_mem block/);
    expect(() => load({ default: { weights: 'hbm' } })).toThrow(/cluster\.json, field 'nodes\[0\]\.instances\[0\]\.placement\.default\.weights': expected 'npu', 'cpu' or 'cxl:<device id>'/);
  });
});
