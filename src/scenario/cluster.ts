// LLMServingSim 2.0 cluster config JSON (`configs/cluster/*.json`, each bench example's `config.json`), exactly as
// reference README §4.1 documents it, read into a typed ClusterConfig with units in the names.
// Two steps: parseClusterConfig checks the file on its own; loadClusterConfig also resolves each instance's model,
// which the ep_size default and the expert checks need.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { resolveModel } from './model.js';
import { resolvePlacement, type ResolvedPlacement } from './placement.js';
import { type ServingOptions, servingOptionsInputShape, servingOverridesFromInput } from './serving.js';
import type { ModelArch } from './types.js';
import { jsonPath, parseJsonText, parseOrThrow } from './zodInput.js';

const nonNeg = z.number().nonnegative();
const positive = z.number().positive();
const posInt = z.number().int().positive();
/** A scalar or one value per topology dimension. */
const perDimension = z.union([nonNeg, z.array(nonNeg).min(1)], { error: 'expected a non-negative number or a list of them (one per dimension)' });

/** `npu`, `cpu` or `cxl:<id>`: where weights or KV live. */
const location = z.string().regex(/^(npu|cpu|cxl:\d+)$/, { message: "expected 'npu', 'cpu' or 'cxl:<device id>'" });
const placementEntry = z.strictObject({ weights: location.optional(), kv_loc: location.optional(), kv_evict_loc: location.optional() });
/** Block ranges as LLMServingSim writes them: "0-3", "8,9,10", "11-23". */
const blockList = z.string().regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, { message: "expected block indices like '0-3' or '8,9,10'" });
const placementSchema = z.strictObject({
  default: placementEntry.optional(),
  blocks: z.array(placementEntry.extend({ blocks: blockList })).optional(),
  layers: z.record(z.string(), placementEntry).optional(),
});
export type Placement = z.output<typeof placementSchema>;

const memSchema = z.strictObject({ mem_size: positive, mem_bw: positive, mem_latency: nonNeg });

const instanceSchema = z.strictObject({
  model_name: z.string().min(1),
  hardware: z.string().min(1),
  npu_mem: memSchema.extend({ mem_util: z.number().gt(0).lte(1).optional() }),
  num_npus: posInt.optional(),
  tp_size: posInt.optional(),
  pp_size: posInt.optional(),
  ep_size: posInt.optional(),
  dp_group: z.string().min(1).nullable().optional(),
  pd_type: z.enum(['prefill', 'decode']).nullable(),
  placement: placementSchema.optional(),
  ...servingOptionsInputShape, // per-instance overrides of the command-line knobs
});

const nodeSchema = z.strictObject({
  num_instances: posInt,
  cpu_mem: memSchema.extend({ pim_config: z.string().min(1).optional() }),
  // Validated in full by the energy room (src/energy/llmServingSimPower.ts); here only its shape as an object.
  power: z.record(z.string(), z.unknown()).optional(),
  instances: z.array(instanceSchema).min(1),
});

export const clusterConfigSchema = z.strictObject({
  num_nodes: posInt,
  link_bw: perDimension,
  link_latency: perDimension,
  cxl_mem: z.strictObject({ mem_size: positive, mem_bw: positive, mem_latency: nonNeg, num_devices: posInt }).optional(),
  nodes: z.array(nodeSchema).min(1),
});

export interface MemSpec {
  memSizeGiB: number;
  memBandwidthGBps: number;
  memLatencyNs: number;
}

export interface ClusterInstance {
  instanceId: number; // 0, 1, 2 … in file order across nodes, as LLMServingSim numbers them
  nodeId: number;
  modelName: string; // as written (configs/model/<model_name>.json, perf/<hw>/<model_name>/)
  hardware: string; // perf-bundle folder label
  npuMem: MemSpec & { memUtil?: number }; // per GPU; memUtil absent = the run's npu_memory_utilization
  numNpus: number; // tp × pp
  tp: number;
  pp: number;
  ep?: number; // as written; loadClusterConfig fills the default (tp for MoE, 1 for dense)
  dpGroup: string | null;
  pdType: 'prefill' | 'decode' | null;
  placement?: Placement;
  overrides: Partial<ServingOptions>; // per-instance knobs (instance > command line > default)
  path: string; // JSON path of this instance in the file, for messages
}

export interface ClusterConfig {
  file: string;
  numNodes: number;
  /** link_bw: GB/s as written; ASTRA-Sim reads it as GiB/s (reference §3.6). Scalar or per dimension. */
  linkBandwidthGBps: number | number[];
  linkLatencyNs: number | number[];
  cxlMem?: { memSizeGB: number; memBandwidthGBps: number; memLatencyNs: number; numDevices: number };
  nodes: {
    nodeId: number;
    cpuMem: MemSpec & { pimConfig?: string };
    power?: Record<string, unknown>;
    instances: ClusterInstance[];
  }[];
  instances: ClusterInstance[]; // all nodes' instances, by instanceId
}

export interface ResolvedClusterInstance extends ClusterInstance {
  ep: number;
  model: ModelArch;
  /** The placement block resolved per (block, layer) and checked against the model and cxl_mem (placement.ts). */
  resolvedPlacement?: ResolvedPlacement;
}

export interface ResolvedClusterConfig extends Omit<ClusterConfig, 'instances' | 'nodes'> {
  nodes: (Omit<ClusterConfig['nodes'][number], 'instances'> & { instances: ResolvedClusterInstance[] })[];
  instances: ResolvedClusterInstance[];
}

function fail(problem: string, file: string, path: (string | number)[]): never {
  throw new InputError(problem, { file, field: jsonPath(path) });
}

/** Validate a parsed cluster config from `file` (counts, parallel sizes, DP groups); models are not resolved. */
export function parseClusterConfig(value: unknown, file: string): ClusterConfig {
  const raw = parseOrThrow(clusterConfigSchema, value, file);
  if (raw.num_nodes !== raw.nodes.length) fail(`num_nodes is ${raw.num_nodes} but nodes has ${raw.nodes.length} entries`, file, ['num_nodes']);
  const instances: ClusterInstance[] = [];
  const nodes = raw.nodes.map((node, nodeId) => {
    if (node.num_instances !== node.instances.length) {
      fail(`num_instances is ${node.num_instances} but instances has ${node.instances.length} entries`, file, ['nodes', nodeId, 'num_instances']);
    }
    const nodeInstances = node.instances.map((inst, i): ClusterInstance => {
      const at = ['nodes', nodeId, 'instances', i];
      const pp = inst.pp_size ?? 1;
      let tp = inst.tp_size;
      if (tp === undefined) {
        if (inst.num_npus === undefined) fail('give tp_size or num_npus', file, [...at, 'tp_size']);
        if (inst.num_npus % pp !== 0) fail(`num_npus ${inst.num_npus} is not a multiple of pp_size ${pp}`, file, [...at, 'num_npus']);
        tp = inst.num_npus / pp;
      }
      const numNpus = tp * pp;
      if (inst.num_npus !== undefined && inst.num_npus !== numNpus) {
        fail(`num_npus ${inst.num_npus} must equal tp_size × pp_size = ${tp} × ${pp} = ${numNpus}`, file, [...at, 'num_npus']);
      }
      const { model_name, hardware, npu_mem, dp_group, pd_type, placement } = inst;
      const out: ClusterInstance = {
        instanceId: instances.length,
        nodeId,
        modelName: model_name,
        hardware,
        npuMem: { memSizeGiB: npu_mem.mem_size, memBandwidthGBps: npu_mem.mem_bw, memLatencyNs: npu_mem.mem_latency, memUtil: npu_mem.mem_util },
        numNpus,
        tp,
        pp,
        ep: inst.ep_size,
        dpGroup: dp_group ?? null,
        pdType: pd_type,
        placement,
        overrides: servingOverridesFromInput(inst),
        path: jsonPath(at),
      };
      if (out.npuMem.memUtil === undefined) delete out.npuMem.memUtil;
      if (npu_mem.mem_util !== undefined) out.overrides.npuMemoryUtilization = npu_mem.mem_util;
      instances.push(out);
      return out;
    });
    const { cpu_mem } = node;
    return {
      nodeId,
      cpuMem: { memSizeGiB: cpu_mem.mem_size, memBandwidthGBps: cpu_mem.mem_bw, memLatencyNs: cpu_mem.mem_latency, ...(cpu_mem.pim_config ? { pimConfig: cpu_mem.pim_config } : {}) },
      ...(node.power ? { power: node.power } : {}),
      instances: nodeInstances,
    };
  });
  // A DP group is one model replicated: every member has the same model and tp/pp/ep.
  const groups = new Map<string, ClusterInstance>();
  for (const inst of instances) {
    if (inst.dpGroup === null) continue;
    const first = groups.get(inst.dpGroup);
    if (!first) {
      groups.set(inst.dpGroup, inst);
      continue;
    }
    for (const [key, field] of [['modelName', 'model_name'], ['tp', 'tp_size'], ['pp', 'pp_size'], ['ep', 'ep_size']] as const) {
      if (inst[key] !== first[key]) {
        fail(`dp_group '${inst.dpGroup}' members must share ${field}: ${first.path} has ${String(first[key])}, this one ${String(inst[key])}`, file, [
          ...pathOf(inst),
          field,
        ]);
      }
    }
  }
  return {
    file,
    numNodes: raw.num_nodes,
    linkBandwidthGBps: raw.link_bw,
    linkLatencyNs: raw.link_latency,
    ...(raw.cxl_mem
      ? { cxlMem: { memSizeGB: raw.cxl_mem.mem_size, memBandwidthGBps: raw.cxl_mem.mem_bw, memLatencyNs: raw.cxl_mem.mem_latency, numDevices: raw.cxl_mem.num_devices } }
      : {}),
    nodes,
    instances,
  };
}

/** The instance's JSON path as segments (nodes, i, instances, j), to extend with a field name. */
function pathOf(inst: ClusterInstance): (string | number)[] {
  return inst.path.replace(/\[(\d+)\]/g, '.$1').split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Fill each instance's ep_size (default: tp for MoE models, 1 for dense) and check it: ep > 1 needs an MoE model,
 * ep divides the expert count, and ep ≤ tp (or, in a DP group, ≤ tp × group size: experts spread over the group).
 */
export function resolveClusterModels(cfg: ClusterConfig, models: ReadonlyMap<string, ModelArch>): ResolvedClusterConfig {
  const groupSize = new Map<string, number>();
  for (const inst of cfg.instances) if (inst.dpGroup !== null) groupSize.set(inst.dpGroup, (groupSize.get(inst.dpGroup) ?? 0) + 1);
  const resolve = (inst: ClusterInstance): ResolvedClusterInstance => {
    const model = models.get(inst.modelName);
    if (!model) fail(`no model resolved for '${inst.modelName}'`, cfg.file, [...pathOf(inst), 'model_name']);
    const at = [...pathOf(inst), 'ep_size'];
    const ep = inst.ep ?? (model.moe ? inst.tp : 1);
    if (!model.moe && ep !== 1) fail(`ep_size ${ep} needs an MoE model; ${inst.modelName} is dense`, cfg.file, at);
    if (model.moe) {
      if (model.moe.numExperts % ep !== 0) fail(`ep_size ${ep} does not divide the ${model.moe.numExperts} experts of ${inst.modelName}`, cfg.file, at);
      const span = inst.tp * (inst.dpGroup === null ? 1 : (groupSize.get(inst.dpGroup) ?? 1));
      if (ep > span) {
        fail(`ep_size ${ep} exceeds ${inst.dpGroup === null ? `tp_size ${inst.tp}` : `tp_size × dp group size = ${span}`}`, cfg.file, at);
      }
    }
    const placementAt = { numBlocks: model.numLayers, cxlDevices: cfg.cxlMem?.numDevices ?? 0, file: cfg.file, path: [...pathOf(inst), 'placement'] };
    return { ...inst, ep, model, ...(inst.placement ? { resolvedPlacement: resolvePlacement(inst.placement, placementAt) } : {}) };
  };
  const byId = new Map<number, ResolvedClusterInstance>();
  for (const inst of cfg.instances) byId.set(inst.instanceId, resolve(inst));
  return {
    ...cfg,
    nodes: cfg.nodes.map((n) => ({ ...n, instances: n.instances.map((i) => byId.get(i.instanceId)!) })),
    instances: cfg.instances.map((i) => byId.get(i.instanceId)!),
  };
}

export interface LoadClusterOptions {
  /** How a model_name becomes an architecture; default resolveModel (catalog name/HF id or a config.json path). */
  resolveModel?: (modelName: string) => Promise<ModelArch>;
}

/** Read, validate and resolve an LLMServingSim 2.0 cluster config file. */
export async function loadClusterConfig(file: string, opts: LoadClusterOptions = {}): Promise<ResolvedClusterConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read cluster config: ${(e as Error).message}`, { file });
  }
  const cfg = parseClusterConfig(parseJsonText(text, file), file);
  const lookup = opts.resolveModel ?? resolveModel;
  const models = new Map<string, ModelArch>();
  for (const inst of cfg.instances) {
    if (models.has(inst.modelName)) continue;
    try {
      models.set(inst.modelName, await lookup(inst.modelName));
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.message.replace(/^field 'model': /, ''), { file, field: `${inst.path}.model_name` });
      throw e;
    }
  }
  return resolveClusterModels(cfg, models);
}
