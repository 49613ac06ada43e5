// LLMServingSim 2.0 cluster configs: every reference file loads; counts, parallel sizes and overrides are checked
// against the reference README §4.1; bad files are refused naming the file and the JSON path.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { loadClusterConfig, parseClusterConfig } from '../src/scenario/cluster.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';

const REFERENCE = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const CLUSTER_DIR = join(REFERENCE, 'configs', 'cluster');

function instance(extra: Record<string, unknown> = {}) {
  return { model_name: 'meta-llama/Llama-3.1-8B', hardware: 'RTX4090', npu_mem: { mem_size: 24, mem_bw: 1008, mem_latency: 0 }, pd_type: null, tp_size: 1, ...extra };
}
function cluster(instances: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return {
    num_nodes: 1,
    link_bw: 16,
    link_latency: 1000,
    nodes: [{ num_instances: instances.length, cpu_mem: { mem_size: 64, mem_bw: 50, mem_latency: 0 }, instances }],
    ...extra,
  };
}
const tmp = mkdtempSync(join(tmpdir(), 'servesim-cluster-'));
let n = 0;
function writeTmp(value: unknown): string {
  const file = join(tmp, `c${n++}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe.skipIf(!existsSync(REFERENCE))('reference cluster configs (LLMServingSim 2.0)', () => {
  const files = existsSync(CLUSTER_DIR)
    ? [
        ...readdirSync(CLUSTER_DIR).filter((f) => f.endsWith('.json')).map((f) => join(CLUSTER_DIR, f)),
        join(REFERENCE, 'bench', 'examples', 'RTX4090', 'Llama-3.1-8B', 'config.json'),
        join(REFERENCE, 'bench', 'examples', 'RTXPRO6000', 'Llama-3.1-8B', 'config.json'),
      ]
    : [];
  it('every file loads, models resolve, and num_npus = tp × pp for every instance', async () => {
    expect(files.length).toBeGreaterThanOrEqual(29);
    for (const file of files) {
      const cfg = await loadClusterConfig(file);
      expect(cfg.nodes.length, file).toBe(cfg.numNodes);
      expect(cfg.instances.map((i) => i.instanceId), file).toEqual(cfg.instances.map((_, k) => k));
      for (const inst of cfg.instances) {
        expect(inst.numNpus, file).toBe(inst.tp * inst.pp);
        expect(inst.model.maxPositionEmbeddings, file).toBeGreaterThan(0);
      }
    }
  });
  it('the RTX4090 example: one TP1 instance, mem_util 0.833919 as an override', async () => {
    const cfg = await loadClusterConfig(join(CLUSTER_DIR, 'rtx4090_single_instance.json'));
    expect(cfg.instances).toHaveLength(1);
    const i = cfg.instances[0];
    expect([i.hardware, i.tp, i.pp, i.ep, i.numNpus, i.npuMem.memSizeGiB, i.npuMem.memBandwidthGBps, i.npuMem.memUtil]).toEqual(['RTX4090', 1, 1, 1, 1, 24, 1008, 0.833919]);
    expect(i.overrides.npuMemoryUtilization).toBe(0.833919);
    expect(i.model.name).toBe('llama-3.1-8b');
  });
  it('parallel layouts: tp×pp, ep defaults to tp for MoE, DP groups, P/D roles and per-instance knobs', async () => {
    const tpPp = await loadClusterConfig(join(CLUSTER_DIR, 'single_node_tp_pp_instance.json'));
    expect([tpPp.instances[0].tp, tpPp.instances[0].pp, tpPp.instances[0].numNpus]).toEqual([2, 2, 4]);
    const moeMulti = await loadClusterConfig(join(CLUSTER_DIR, 'single_node_moe_multi_instance.json'));
    expect(moeMulti.instances.map((i) => i.ep)).toEqual([1, 1]); // no ep_size, tp 1 → ep = tp = 1
    const dpEp = await loadClusterConfig(join(CLUSTER_DIR, 'dual_node_moe_dp_ep_intra_inter_instance.json'));
    expect(dpEp.instances.map((i) => [i.nodeId, i.tp, i.ep, i.dpGroup])).toEqual([[0, 2, 4, 'A'], [1, 2, 4, 'A']]);
    const pd = await loadClusterConfig(join(CLUSTER_DIR, 'single_node_pd_per_instance_config.json'));
    expect(pd.instances.map((i) => i.pdType)).toEqual(['prefill', 'decode']);
    expect(pd.instances[0].overrides).toEqual({
      maxNumSeqs: 32, maxNumBatchedTokens: 8192, longPrefillTokenThreshold: 2048, enableChunkedPrefill: true, blockSize: 16, dtype: 'bf16', kvCacheDtype: 'auto',
    });
  });
  it('keeps cxl_mem, placement, pim_config and the power block', async () => {
    const cxl = await loadClusterConfig(join(CLUSTER_DIR, 'single_node_cxl_instance.json'));
    expect(cxl.cxlMem).toEqual({ memSizeGB: 1024, memBandwidthGBps: 60, memLatencyNs: 250, numDevices: 4 });
    expect(cxl.instances[0].placement?.blocks?.map((b) => b.blocks)).toEqual(['0-3', '4-7', '8,9,10', '11-23', '24-31']);
    expect(cxl.instances[0].placement?.layers?.lm_head.weights).toBe('cxl:3');
    const pim = await loadClusterConfig(join(CLUSTER_DIR, 'single_node_pim_instance.json'));
    expect(pim.nodes[0].cpuMem.pimConfig).toBe('DDR4_8GB_3200_pim');
    const power = await loadClusterConfig(join(CLUSTER_DIR, 'single_node_power_instance.json'));
    expect((power.nodes[0].power as { base_node_power: number }).base_node_power).toBe(60);
  });
});

describe('cluster config validation', () => {
  it('num_nodes and num_instances must match the lists', () => {
    expect(() => parseClusterConfig(cluster([instance()], { num_nodes: 2 }), 'c.json')).toThrow(/c\.json, field 'num_nodes': num_nodes is 2 but nodes has 1/);
    const bad = cluster([instance(), instance()]);
    bad.nodes[0].num_instances = 3;
    expect(() => parseClusterConfig(bad, 'c.json')).toThrow(/field 'nodes\[0\]\.num_instances': num_instances is 3 but instances has 2/);
  });
  it('num_npus: tp from num_npus/pp when tp is absent; a mismatch is refused', () => {
    const cfg = parseClusterConfig(cluster([instance({ tp_size: undefined, num_npus: 4, pp_size: 2 })]), 'c.json');
    expect([cfg.instances[0].tp, cfg.instances[0].pp, cfg.instances[0].numNpus]).toEqual([2, 2, 4]);
    expect(() => parseClusterConfig(cluster([instance({ tp_size: 2, num_npus: 3 })]), 'c.json')).toThrow(
      /field 'nodes\[0\]\.instances\[0\]\.num_npus': num_npus 3 must equal tp_size × pp_size = 2 × 1 = 2/,
    );
    expect(() => parseClusterConfig(cluster([instance({ tp_size: undefined })]), 'c.json')).toThrow(/instances\[0\]\.tp_size': give tp_size or num_npus/);
  });
  it('misspelt fields, bad locations and bad types name their JSON path', () => {
    expect(() => parseClusterConfig(cluster([instance({ tp_sise: 2 })]), 'c.json')).toThrow(/field 'nodes\[0\]\.instances\[0\]\.tp_sise': unknown field/);
    expect(() => parseClusterConfig(cluster([instance({ placement: { default: { weights: 'gpu' } } })]), 'c.json')).toThrow(
      /field 'nodes\[0\]\.instances\[0\]\.placement\.default\.weights': expected 'npu', 'cpu' or 'cxl:<device id>'/,
    );
    expect(() => parseClusterConfig(cluster([instance({ pd_type: 'both' })]), 'c.json')).toThrow(/instances\[0\]\.pd_type/);
    expect(() => parseClusterConfig(cluster([instance({ max_num_seqs: -1 })]), 'c.json')).toThrow(/instances\[0\]\.max_num_seqs/);
    expect(() => parseClusterConfig(cluster([instance({ npu_mem: { mem_size: 24, mem_bw: 1008 } })]), 'c.json')).toThrow(/instances\[0\]\.npu_mem\.mem_latency/);
  });
  it('DP group members must share model and layout', () => {
    expect(() => parseClusterConfig(cluster([instance({ dp_group: 'A' }), instance({ dp_group: 'A', tp_size: 2 })]), 'c.json')).toThrow(
      /field 'nodes\[0\]\.instances\[1\]\.tp_size': dp_group 'A' members must share tp_size/,
    );
  });
  it('ep checks need the model: divides the experts, ≤ tp (× DP group), dense models keep 1', async () => {
    const mixtral = { model_name: 'mistralai/Mixtral-8x7B-v0.1' };
    await expect(loadClusterConfig(writeTmp(cluster([instance({ ...mixtral, tp_size: 4, ep_size: 3 })])))).rejects.toThrow(
      /instances\[0\]\.ep_size': ep_size 3 does not divide the 8 experts/,
    );
    await expect(loadClusterConfig(writeTmp(cluster([instance({ ...mixtral, tp_size: 2, ep_size: 4 })])))).rejects.toThrow(/ep_size 4 exceeds tp_size 2/);
    const group = await loadClusterConfig(writeTmp(cluster([instance({ ...mixtral, tp_size: 2, ep_size: 4, dp_group: 'g' }), instance({ ...mixtral, tp_size: 2, ep_size: 4, dp_group: 'g' })])));
    expect(group.instances.map((i) => i.ep)).toEqual([4, 4]);
    const tp4 = await loadClusterConfig(writeTmp(cluster([instance({ ...mixtral, tp_size: 4 })])));
    expect(tp4.instances[0].ep).toBe(4);
    await expect(loadClusterConfig(writeTmp(cluster([instance({ tp_size: 2, ep_size: 2 })])))).rejects.toThrow(/ep_size 2 needs an MoE model/);
  });
  it('an unknown model names the instance and suggests catalog names; a missing file is an InputError', async () => {
    const err = await loadClusterConfig(writeTmp(cluster([instance({ model_name: 'meta-llama/Llama-3.1-9B' })]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/field 'nodes\[0\]\.instances\[0\]\.model_name': unknown model 'meta-llama\/Llama-3.1-9B'; did you mean/);
    await expect(loadClusterConfig(join(tmp, 'nope.json'))).rejects.toThrow(/cannot read cluster config/);
  });
  it('property: instance ids run 0..N-1 across nodes and num_npus = tp × pp', () => {
    const inst = fc.record({ tp: fc.integer({ min: 1, max: 8 }), pp: fc.integer({ min: 1, max: 4 }), byNpus: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.array(inst, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), (layout) => {
        const value = {
          num_nodes: layout.length,
          link_bw: [16, 32],
          link_latency: 0,
          nodes: layout.map((insts) => ({
            num_instances: insts.length,
            cpu_mem: { mem_size: 64, mem_bw: 50, mem_latency: 0 },
            instances: insts.map((x) => instance(x.byNpus ? { tp_size: undefined, num_npus: x.tp * x.pp, pp_size: x.pp } : { tp_size: x.tp, pp_size: x.pp })),
          })),
        };
        const cfg = parseClusterConfig(value, 'p.json');
        const flat = layout.flat();
        expect(cfg.instances.map((i) => [i.instanceId, i.tp, i.pp, i.numNpus])).toEqual(flat.map((x, k) => [k, x.tp, x.pp, x.tp * x.pp]));
        expect(cfg.nodes.map((nd) => nd.instances.length)).toEqual(layout.map((l) => l.length));
      }),
      { numRuns: 100 },
    );
  });
});
