// The library entry point: simulate(scenario) → a typed report. Per-request records stream through hooks and
// (optionally) into the per-request CSV, so a million-request run never holds them; the summary keeps only the
// latency arrays metrics need.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { CostModel, COUNTER } from './cost/costModel.js';
import { costWithLayerEvents } from './cost/layerEvents.js';
import { PACKAGE_ROOT } from './cost/native.js';
import { InputError } from './errors.js';
import { RngStreams } from './rng.js';
import { loadClusterConfig } from './scenario/cluster.js';
import type { ResolvedPlacement } from './scenario/placement.js';
import { resolveHardware } from './scenario/hardware.js';
import { resolveModel } from './scenario/model.js';
import { dtypeNameSchema, kvDtypeOf, weightDtypeOf } from './scenario/serving.js';
import { kvBytesPerToken, weightBytesPerRank, type KvDtype } from './scenario/modelMath.js';
import type { Dtype, ModelArch } from './scenario/types.js';
import { parseOrThrow } from './scenario/zodInput.js';
import { planKvBlocks } from './serving/memoryPlan.js';
import { MetricsAccumulator } from './report/metrics.js';
import { HeartbeatSeries, type Heartbeat } from './report/heartbeat.js';
import { RequestsCsvWriter } from './report/requestsCsv.js';
import { buildSummary, writeSummaryJson, type RunSummary } from './report/summary.js';
import { runServing } from './serving/simulation.js';
import { vllmStepCalibrationFor, withVllmStepTime } from './serving/vllmMode.js';
import { ROUTER_POLICIES } from './serving/router.js';
import type { KvLink } from './serving/disaggregation.js';
import type { KvTierSpec, KvTiersOptions } from './serving/kvTiers.js';
import type { SpeculativeOptions } from './serving/speculative.js';
import type {
  CompatMode, CounterIndex, InstanceSetup, IterationRecord, RequestRecord, RouterPolicy, RunTotals, ServingKnobs,
} from './serving/types.js';
import { DEFAULT_KNOBS } from './serving/types.js';
import type { ArrivalSpec } from './workload/arrivals.js';
import { createClosedLoopSource } from './workload/closedLoop.js';
import { datasetLengthSampler } from './workload/lengths.js';
import { loadWorkload, readWorkloadFile } from './workload/load.js';
import { createOpenLoopSource } from './workload/openLoop.js';
import type { RequestSource } from './workload/types.js';

/** Serving knobs a scenario may set; unset ones take the compat mode's defaults (instance values in a cluster config win). */
export const knobsInputSchema = z.strictObject({
  maxNumSeqs: z.number().int().nonnegative().optional(),
  maxNumBatchedTokens: z.number().int().nonnegative().optional(),
  longPrefillTokenThreshold: z.number().int().nonnegative().optional(),
  enableChunkedPrefill: z.boolean().optional(),
  enablePrefixCaching: z.boolean().optional(),
  reserveFullIsl: z.boolean().optional(),
  blockSize: z.number().int().positive().optional(),
});
export type KnobsInput = z.infer<typeof knobsInputSchema>;

export const workloadSpecSchema = z.discriminatedUnion('kind', [
  /** A workload file (LLMServingSim JSONL, v0.2.1 TSV, Vidur CSV) replayed as is; numReqs = first N lines (0 = all). */
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1), numReqs: z.number().int().nonnegative().optional() }),
  /** Open loop: arrivals from a process at rateQps, lengths resampled with replacement from lengthsFrom (seeded). */
  z.strictObject({
    kind: z.literal('open-loop'),
    arrival: z.enum(['poisson', 'gamma', 'constant']),
    rateQps: z.number().positive(),
    cv: z.number().positive().optional(),
    numReqs: z.number().int().positive(),
    lengthsFrom: z.string().min(1),
  }),
  /** Closed loop: `users` users each send, wait for the answer, think, and send again, numReqs in all. */
  z.strictObject({
    kind: z.literal('closed-loop'),
    users: z.number().int().positive(),
    thinkTimeS: z.number().nonnegative(),
    numReqs: z.number().int().positive(),
    lengthsFrom: z.string().min(1),
  }),
]);
export type WorkloadSpec = z.infer<typeof workloadSpecSchema>;

export const scenarioSchema = z
  .strictObject({
    /** An LLMServingSim 2.0 cluster config (nodes, instances, memory, links); or give model + hardware. */
    clusterConfig: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    hardware: z.string().min(1).optional(),
    tp: z.number().int().positive().optional(),
    /** Pipeline stages per instance (with model + hardware; cluster configs give pp_size). */
    pp: z.number().int().positive().optional(),
    /** GPU memory per rank (GiB); default the hardware's capacity. */
    memSizeGiB: z.number().positive().optional(),
    /** Default mem_util (LLMServingSim --npu-memory-utilization, 0.9). */
    npuMemoryUtilization: z.number().gt(0).lte(1).optional(),
    /** Weight dtype: bfloat16/bf16, float16/fp16, float32/fp32, fp8, int8, int4, auto (= the model's torch_dtype). */
    dtype: dtypeNameSchema.optional(),
    kvCacheDtype: z.enum(['auto', 'fp8']).optional(),
    knobs: knobsInputSchema.optional(),
    workload: workloadSpecSchema,
    seed: z.number().int().nonnegative().optional(),
    /** Folder of LLMServingSim 2.0 profile bundles <hardware>/<org>/<model>/<variant>/tp<N>/ (or v0.2.1 <hardware>.csv). */
    perfModels: z.string().min(1).optional(),
    compat: z.enum(['llmservingsim2', 'vllm']).optional(),
    logIntervalS: z.number().positive().optional(),
    /** Replicas of model + hardware behind the router (data parallelism across instances); not with a cluster config. */
    instances: z.number().int().positive().optional(),
    router: z.enum(ROUTER_POLICIES).optional(),
    /** Inter-GPU link (LLMServingSim link_bw, read as GiB/s; link_latency ns); overrides the cluster config's. */
    link: z.strictObject({ bandwidthGBps: z.number().positive(), latencyNs: z.number().nonnegative() }).optional(),
    /** Host memory (cpu_mem mem_bw GB/s, mem_latency ns); overrides the cluster config's. */
    hostMem: z.strictObject({ bandwidthGBps: z.number().positive(), latencyNs: z.number().nonnegative() }).optional(),
    /** Speculative decoding (src/serving/speculative.ts): k drafts per decode step from a draft model or n-gram lookup. */
    speculative: z
      .strictObject({
        method: z.enum(['draft', 'ngram']),
        numSpeculativeTokens: z.number().int().positive().max(64),
        acceptanceRate: z.number().min(0).max(1).optional(),
        acceptedDistribution: z.array(z.number().nonnegative()).optional(),
        draftModel: z.string().min(1).optional(),
      })
      .refine((o) => (o.method === 'draft') === (o.draftModel !== undefined), { message: "method 'draft' needs draftModel (and 'ngram' takes none)", path: ['draftModel'] })
      .refine((o) => !o.acceptedDistribution || o.acceptedDistribution.length === o.numSpeculativeTokens + 1, {
        message: 'acceptedDistribution needs numSpeculativeTokens + 1 probabilities (P[0 accepted] … P[k accepted])',
        path: ['acceptedDistribution'],
      })
      .optional(),
    /**
     * KV tiers below the GPU (src/serving/kvTiers.ts): swap preempted requests to host memory instead of recomputing
     * (vLLM preemption_mode=swap), and/or keep evicted prefix blocks in a host or CXL tier (LLMServingSim
     * --prefix-storage). Host tier: cpuGiB per instance (default the node's cpu_mem.mem_size, else 4 GiB as vLLM's
     * swap_space) at the node's cpu_mem bandwidth (else the GPU's PCIe); CXL tier: the cluster config's cxl_mem.
     */
    kvOffload: z
      .strictObject({
        swap: z.boolean().optional(),
        prefixTier: z.enum(['cpu', 'cxl']).optional(),
        cpuGiB: z.number().positive().optional(),
      })
      .optional(),
  })
  .refine((s) => (s.clusterConfig ? !s.model && !s.hardware : !!s.model && !!s.hardware), {
    message: 'give either a cluster config (--cluster-config), or a model and a hardware (--model, --hardware), not both',
  })
  .refine((s) => !(s.clusterConfig && s.instances !== undefined), {
    message: '--instances replicates --model/--hardware; a cluster config lists its instances itself',
    path: ['instances'],
  });
export type Scenario = z.input<typeof scenarioSchema>;

/** What was set up for one instance (printed at start, kept in the report). */
export interface InstanceInfo {
  instanceId: number;
  model: string; // as written in the CSV's model column
  hardware: string;
  tp: number;
  weightDtype: string;
  kvDtype: string;
  memSizeGiB: number;
  memUtil: number;
  weightBytesPerRank: number;
  kvBytesPerToken: number;
  numKvBlocks: number;
  kvTokens: number;
  knobs: ServingKnobs;
  costSource: string; // 'profile' | 'roofline' | 'v0.2.1-csv' | ...
  perfBundle?: string;
}

/** A run whose instances, cost models and request source are built. */
export interface PreparedRun {
  instances: InstanceSetup[];
  instanceInfo: InstanceInfo[];
  source: RequestSource;
  compat: CompatMode;
  logIntervalNs: number;
  router: RouterPolicy;
  counterIndex?: CounterIndex;
  /** Seed of the router's random stream. */
  seed?: number;
  /** P/D: the link prefill instances send KV over. */
  kvTransferLink?: KvLink;
  warnings: string[];
}

export interface RunStart {
  compat: CompatMode;
  instances: readonly InstanceInfo[];
  /** How many requests will come, if the source knows. */
  totalRequests: number | undefined;
  warnings: readonly string[];
}

export interface SimulateHooks {
  /** Per-request CSV in LLMServingSim's format; written atomically (nothing at the path unless the run completes). */
  requestsCsvPath?: string;
  /** Summary JSON, written atomically after the run. */
  summaryJsonPath?: string;
  /** Before the first event: what was built. */
  onStart?(start: RunStart): void;
  /**
   * Each finished request, in completion order. The record (and its itlNs) is only valid during the call. Its itlNs
   * is empty unless requestItl is set (or a requests CSV is written).
   */
  onRequest?(r: RequestRecord): void;
  /**
   * Give each record its inter-token gaps (itlNs). Off by default: ITL statistics are the same either way, and a big
   * run spends much of its time writing every token's gap into its request.
   */
  requestItl?: boolean;
  /** Each scheduled batch. The object is reused between calls: copy what you keep. */
  onIteration?(it: IterationRecord): void;
  /** Every log interval of simulated time. */
  onHeartbeat?(hb: Heartbeat): void;
}

export interface SimulationReport {
  compat: CompatMode;
  summary: RunSummary;
  totals: RunTotals;
  instances: InstanceInfo[];
  /** Throughput per log interval, as LLMServingSim's "Throughput per 1 sec" list. */
  heartbeats: Heartbeat[];
  warnings: string[];
}

/** Run a prepared scenario to completion, streaming records to the hooks and the CSV. */
export function runPrepared(p: PreparedRun, hooks: SimulateHooks = {}): SimulationReport {
  hooks.onStart?.({ compat: p.compat, instances: p.instanceInfo, totalRequests: p.source.totalRequests, warnings: p.warnings });
  const metrics = new MetricsAccumulator();
  // With several instances, LLMServingSim also reports each one's statistics; split the exact-ITL budget between them.
  const perInstance = p.instances.length > 1 ? new Map(p.instances.map((i) => [i.instanceId, new MetricsAccumulator(Math.floor(8_000_000 / p.instances.length))])) : undefined;
  const beats = new HeartbeatSeries();
  const csv = hooks.requestsCsvPath ? new RequestsCsvWriter(hooks.requestsCsvPath) : undefined;
  let totals: RunTotals;
  const t0 = performance.now();
  try {
    totals = runServing({
      instances: p.instances,
      source: p.source,
      compat: p.compat,
      logIntervalNs: p.logIntervalNs,
      router: p.router,
      counterIndex: p.counterIndex,
      seed: p.seed,
      kvTransferLink: p.kvTransferLink,
      // Without a consumer of per-request gaps, the engine reports them in aggregate (same statistics).
      itlSink: csv || hooks.requestItl ? undefined : (instanceId, gapNs, count) => metrics.addGaps(gapNs, count, perInstance?.get(instanceId)),
      observer: {
        onRequest(r) {
          // The instance's accumulator is a part of the run's: past the exact cap each gap is binned once, there.
          metrics.add(r, perInstance?.get(r.instanceId));
          csv?.write(r);
          hooks.onRequest?.(r);
        },
        onIteration: hooks.onIteration,
        onTick(nowNs, status) {
          const hb = beats.tick(nowNs, status);
          hooks.onHeartbeat?.(hb);
        },
      },
    });
    if (totals.finishedRequests !== metrics.requests) {
      throw new Error(`internal: the engine reports ${totals.finishedRequests} finished requests but emitted ${metrics.requests}`);
    }
    csv?.commit();
  } catch (err) {
    csv?.abort();
    throw err;
  }
  const wallTimeS = (performance.now() - t0) / 1e3;
  const summary = buildSummary(metrics.result(totals.makespanNs), totals, wallTimeS);
  if (perInstance) {
    summary.perInstance = [...perInstance].map(([instanceId, m]) => {
      const r = m.result(totals.makespanNs);
      return { instanceId, requests: r.requests, ttftMs: r.ttftMs, tpotMs: r.tpotMs, itlMs: r.itlMs, e2eMs: r.e2eMs };
    });
  }
  if (hooks.summaryJsonPath) writeSummaryJson(hooks.summaryJsonPath, summary);
  return { compat: p.compat, summary, totals, instances: p.instanceInfo, heartbeats: beats.series, warnings: p.warnings };
}

// ---- Setup: scenario → instances (model, hardware, cost model, KV blocks) and a request source ----

/** One instance to build, from a cluster config entry or from model + hardware. */
interface InstancePlan {
  modelName: string; // as the cluster config names it (or the --model argument)
  model?: ModelArch; // already resolved (cluster configs)
  /** Name the model by its HF id in records (when it was given by short name or path rather than by a cluster config). */
  recordHfId?: boolean;
  hardwareLabel: string;
  tp: number;
  /** Expert-parallel degree inside the instance (MoE; default tp for MoE models, 1 for dense). */
  ep?: number;
  /** Pipeline stages (default 1). */
  pp?: number;
  memSizeGiB?: number;
  memBwGBps?: number;
  memUtil?: number;
  dtype?: Dtype | 'auto';
  kvCacheDtype?: 'auto' | 'fp8';
  knobs: KnobsInput;
  link?: { bandwidthGBps: number; latencyNs: number };
  hostMem?: { bandwidthGBps: number; latencyNs: number };
  pdRole?: 'prefill' | 'decode';
  /** LLMServingSim dp_group: members step together (src/serving/dpGroup.ts). */
  dpGroup?: string;
  /** Host memory of the instance's node (GiB) and the cluster's CXL pool, for KV tiers. */
  hostMemGiB?: number;
  cxl?: { memSizeGB: number; memBandwidthGBps: number; memLatencyNs: number; numDevices: number };
  /** LLMServingSim `placement`, resolved (scenario/placement.ts): weights on cpu/cxl are loaded every iteration. */
  placement?: ResolvedPlacement;
}

/** LLMServingSim 2.0's profile variant folder name (README §1.1): bf16, fp16, ..., plus '-kvfp8' with an fp8 KV cache. */
function variantName(weight: Dtype, kv: KvDtype): string {
  return weight + (kv === 'fp8' && weight !== 'fp8' ? '-kvfp8' : '');
}

interface CostSourceChoice {
  perfBundle?: string;
  perfCsv?: string;
}

/** Where the kernel's numbers come from: a profile bundle, a v0.2.1 CSV, or (nothing found) the roofline. Bundles are
 *  looked up under the label as written (LLMServingSim's free `hardware` label) and then the catalog's canonical name
 *  (H100 → H100-SXM), so the shipped perf_models/<canonical>/ bundles serve every alias. */
export function findPerfSource(perfModels: string | undefined, hardwareNames: string[], modelNames: string[], variant: string, tp: number, warnings: string[]): CostSourceChoice {
  const root = perfModels ?? join(PACKAGE_ROOT, 'perf_models');
  const labels = [...new Set(hardwareNames)];
  const hardwareLabel = labels[0];
  const tried: string[] = [];
  if (root.endsWith('.csv') && existsSync(root)) return { perfCsv: root };
  for (const label of labels) {
    for (const name of modelNames) {
      const dir = join(root, label, name, variant);
      tried.push(dir);
      if (existsSync(join(dir, `tp${tp}`))) return { perfBundle: dir };
      // A user's bundle without this TP is LLMServingSim's hard error (README §1.1, raised by the loader); a shipped
      // one only covers some TP degrees, so the others fall back to the roofline below.
      if (perfModels && existsSync(join(dir, 'meta.yaml'))) return { perfBundle: dir };
    }
  }
  for (const label of labels) {
    const csv = join(root, `${label}.csv`);
    tried.push(csv);
    if (existsSync(csv)) return { perfCsv: csv };
  }
  if (perfModels) {
    throw new InputError(`no profile for ${modelNames[0]} on ${hardwareLabel} (${variant}, tp${tp}) under ${perfModels}; looked for ${tried.join(', ')}`, {
      field: 'perf-models',
    });
  }
  warnings.push(`no profile bundle for ${modelNames[0]} on ${hardwareLabel} (${variant}, tp${tp}): using the roofline model`);
  return {};
}

function defaultKnobs(compat: CompatMode): ServingKnobs {
  // vLLM's default running-set cap is 256; LLMServingSim 2.0's CLI default is 128 (README §6).
  return { ...DEFAULT_KNOBS, maxNumSeqs: compat === 'vllm' ? 256 : 128 };
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function buildInstance(
  id: number,
  plan: InstancePlan,
  s: z.output<typeof scenarioSchema>,
  compat: CompatMode,
  warnings: string[],
  multiInstance = false,
): Promise<{ setup: InstanceSetup; info: InstanceInfo }> {
  const model = plan.model ?? (await resolveModel(plan.modelName));
  const hardware = resolveHardware(plan.hardwareLabel);
  const dtypes = { dtype: plan.dtype ?? s.dtype ?? 'auto', kvCacheDtype: plan.kvCacheDtype ?? s.kvCacheDtype ?? 'auto' } as const;
  const weightDtype = weightDtypeOf(dtypes, model);
  const kvDtype = kvDtypeOf(dtypes, model);
  const knobs: ServingKnobs = { ...defaultKnobs(compat), ...definedOnly(s.knobs), ...definedOnly(plan.knobs) };
  const tp = plan.tp;
  const memSizeGiB = plan.memSizeGiB ?? s.memSizeGiB ?? hardware.memCapacityGiB;
  const memUtil = plan.memUtil ?? s.npuMemoryUtilization ?? 0.9;
  const where = `instance ${id} (${plan.modelName} on ${plan.hardwareLabel}, tp${tp})`;
  const ep = plan.ep ?? (model.moe ? tp : 1);
  const pp = plan.pp ?? 1;
  const weightBytes = weightBytesPerRank(model, weightDtype, { tp, pp, ep });
  const kvBytes = kvBytesPerToken(model, kvDtype, { tp, pp });
  // A draft model's weights share the GPU (its own small KV cache is not counted).
  const draftModel = s.speculative?.draftModel ? await resolveModel(s.speculative.draftModel) : undefined;
  const draftWeightDtype = draftModel ? weightDtypeOf(dtypes, draftModel) : undefined;
  const draftWeightBytes = draftModel ? weightBytesPerRank(draftModel, draftWeightDtype!, { tp, pp: 1, ep: 1 }) : 0;
  const numKvBlocks = planKvBlocks({ memSizeGiB, memUtil, weightBytes: weightBytes + draftWeightBytes, kvBytesPerToken: kvBytes, blockSize: knobs.blockSize, where });

  const modelNames = [...new Set([plan.modelName, model.hfId, model.hfId.replace(/-Instruct$/i, '')])];
  const variant = variantName(weightDtype, kvDtype);
  const perf = findPerfSource(s.perfModels, [plan.hardwareLabel, hardware.name], modelNames, variant, tp, warnings);
  // A batch holds at most max_num_seqs requests, and at most one request per token of the step's budget. With
  // speculative decoding each verified position is its own row (src/serving/instance.ts), so up to one row per token.
  const tokenBudget = Math.min(knobs.maxNumBatchedTokens > 0 ? knobs.maxNumBatchedTokens : model.maxPositionEmbeddings, model.maxPositionEmbeddings);
  const maxBatch = knobs.maxNumSeqs > 0 && !s.speculative ? Math.min(knobs.maxNumSeqs, tokenBudget) : tokenBudget;
  const cost = await CostModel.load({
    model,
    hardware,
    weightDtype,
    kvDtype,
    tp,
    ep,
    ...(pp > 1 ? { pp } : {}),
    ...perf,
    link: s.link ?? plan.link,
    npuMemBwGBps: plan.memBwGBps,
    hostMem: s.hostMem ?? plan.hostMem,
    maxBatch,
    ...(plan.placement?.offloadsWeights
      ? {
          weightPlacement: {
            locations: plan.placement.weights,
            numBlocks: plan.placement.numBlocks,
            ...(plan.cxl ? { cxl: { bandwidthGBps: plan.cxl.memBandwidthGBps, latencyNs: plan.cxl.memLatencyNs, numDevices: plan.cxl.numDevices } } : {}),
          },
        }
      : {}),
  });
  const recordName = plan.recordHfId ? model.hfId : plan.modelName;
  const info: InstanceInfo = {
    instanceId: id,
    model: recordName,
    hardware: hardware.name,
    tp,
    weightDtype,
    kvDtype,
    memSizeGiB,
    memUtil,
    weightBytesPerRank: weightBytes,
    kvBytesPerToken: kvBytes,
    numKvBlocks,
    kvTokens: numKvBlocks * knobs.blockSize,
    knobs,
    costSource: cost.source,
    perfBundle: perf.perfBundle ?? perf.perfCsv,
  };
  for (const w of cost.warnings) warnings.push(`instance ${id}: ${w}`);
  let speculative: SpeculativeOptions | undefined;
  if (s.speculative) {
    const { method, numSpeculativeTokens, acceptanceRate, acceptedDistribution } = s.speculative;
    speculative = { method, numSpeculativeTokens, acceptanceRate, acceptedDistribution, seed: (s.seed ?? 0) + id };
    if (draftModel) {
      const draftKv = kvDtypeOf(dtypes, draftModel);
      const draftNames = [...new Set([s.speculative.draftModel!, draftModel.hfId])];
      const draftPerf = findPerfSource(s.perfModels, [plan.hardwareLabel, hardware.name], draftNames, variantName(draftWeightDtype!, draftKv), tp, warnings);
      speculative.draftCost = await CostModel.load({ model: draftModel, hardware, weightDtype: draftWeightDtype!, kvDtype: draftKv, tp, ...draftPerf, link: s.link ?? plan.link, maxBatch });
    }
  }
  // compat 'llmservingsim2' with several instances or pipeline stages: idle NPUs are polled at the layer ends of busy
  // ones (layerEvents.ts).
  const polled =
    compat === 'llmservingsim2' && (multiInstance || pp > 1)
      ? costWithLayerEvents(cost, { numLayers: model.numLayers, tp, moe: model.moe !== undefined, pp, weightsOffloaded: plan.placement?.offloadsWeights === true })
      : { cost, limit: undefined };
  if (polled.limit) warnings.push(`instance ${id}: ${polled.limit}`);
  const setup: InstanceSetup = {
    instanceId: id,
    modelName: recordName,
    // compat 'vllm': the step time calibrated against real vLLM on this GPU, where a measured run exists (vllmMode.ts).
    cost: compat === 'vllm' ? withVllmStepTime(cost, vllmStepCalibrationFor(hardware.name, cost.source, tp)) : polled.cost,
    knobs,
    numKvBlocks,
    maxPositionEmbeddings: model.maxPositionEmbeddings,
    kvBytesPerToken: kvBytes,
    numLayers: model.numLayers,
    ...(pp > 1 ? { pipeline: { stages: pp, stageNsIndex: COUNTER.stageNs, sendNsIndex: COUNTER.ppSendNs } } : {}),
    ...(speculative ? { speculative } : {}),
    ...(s.kvOffload && (s.kvOffload.swap || s.kvOffload.prefixTier) ? { kvTiers: kvTiersFor(s.kvOffload, plan, hardware.interconnect.pcieGBps, kvBytes, knobs.blockSize, where) } : {}),
    ...(plan.pdRole ? { pdRole: plan.pdRole } : {}),
  };
  if (plan.dpGroup !== undefined) {
    // Wave-synchronised DP groups (dpGroup.ts) do not combine with PP, P/D or speculative decoding yet.
    if (pp === 1 && !plan.pdRole && !speculative) Object.assign(setup, { dpGroup: plan.dpGroup, dpPad: cost.dpPad });
    else warnings.push(`instance ${id}: dp_group '${plan.dpGroup}' with pp, pd_type or speculative decoding is simulated as an independent replica`);
  }
  return { setup, info };
}

/** The KV tiers of one instance from the scenario's kvOffload block and its plan (node host memory, CXL pool). */
function kvTiersFor(
  o: NonNullable<z.output<typeof scenarioSchema>['kvOffload']>,
  plan: InstancePlan,
  pcieGBps: number,
  kvBytesPerToken: number,
  blockSize: number,
  where: string,
): KvTiersOptions {
  const cpu: KvTierSpec = {
    name: 'cpu',
    capacityBytes: Math.floor((o.cpuGiB ?? plan.hostMemGiB ?? 4) * 2 ** 30),
    bandwidthGBps: plan.hostMem?.bandwidthGBps ?? pcieGBps,
    latencyNs: plan.hostMem?.latencyNs ?? 0,
  };
  const cxl: KvTierSpec | undefined = plan.cxl && {
    name: 'cxl',
    capacityBytes: plan.cxl.memSizeGB * 1e9 * plan.cxl.numDevices,
    bandwidthGBps: plan.cxl.memBandwidthGBps,
    latencyNs: plan.cxl.memLatencyNs,
  };
  if (o.prefixTier === 'cxl' && !cxl) throw new InputError(`prefix storage CXL on ${where} needs a cluster config with cxl_mem`, { field: 'prefix-storage' });
  const tiers = o.prefixTier === 'cxl' ? [cxl!, cpu] : cxl ? [cpu, cxl] : [cpu];
  return { tiers, kvBytesPerToken, blockSize, swap: o.swap ?? false, prefix: o.prefixTier !== undefined };
}

async function buildSource(w: WorkloadSpec, seed: number): Promise<RequestSource> {
  if (w.kind === 'file') return loadWorkload(w.path, { numReqs: w.numReqs ? w.numReqs : undefined });
  // Synthetic load: lengths resampled with replacement from a dataset, on the seed's 'lengths' stream.
  const dataset = await readWorkloadFile(w.lengthsFrom);
  const lengths = datasetLengthSampler(dataset, new RngStreams(seed).get('lengths'));
  if (w.kind === 'open-loop') {
    const arrival: ArrivalSpec = w.arrival === 'gamma' ? { kind: 'gamma', rateRps: w.rateQps, cv: w.cv ?? 1 } : { kind: w.arrival, rateRps: w.rateQps };
    return createOpenLoopSource({ numRequests: w.numReqs, seed, arrival, lengths });
  }
  return createClosedLoopSource({ users: w.users, numRequests: w.numReqs, seed, thinkTime: { kind: 'fixed', ns: Math.round(w.thinkTimeS * 1e9) }, lengths });
}

/** Validate a scenario and build everything a run needs (errors are InputErrors naming the bad field). */
export async function prepareScenario(scenario: Scenario): Promise<PreparedRun> {
  const s = parseOrThrow(scenarioSchema, scenario, 'scenario');
  const compat: CompatMode = s.compat ?? 'vllm';
  const warnings: string[] = [];
  const plans = s.clusterConfig ? await plansFromCluster(s.clusterConfig, warnings) : Array.from({ length: s.instances ?? 1 }, () => planFromModel(s));
  const built = [];
  for (let i = 0; i < plans.length; i++) built.push(await buildInstance(i, plans[i], s, compat, warnings, plans.length > 1));
  const source = await buildSource(s.workload, s.seed ?? 0);
  return {
    instances: built.map((b) => b.setup),
    instanceInfo: built.map((b) => b.info),
    source,
    compat,
    logIntervalNs: Math.round((s.logIntervalS ?? 1) * 1e9),
    router: s.router ?? 'load',
    seed: s.seed ?? 0,
    kvTransferLink: s.link ?? plans.find((p) => p.pdRole)?.link,
    counterIndex: { flops: COUNTER.flops, hbmBytes: COUNTER.hbmBytes, commBytes: COUNTER.commBytes, commNs: COUNTER.commNs },
    warnings,
  };
}

function planFromModel(s: z.output<typeof scenarioSchema>): InstancePlan {
  const tp = s.tp ?? 1;
  const pp = s.pp ?? 1;
  const plan: InstancePlan = { modelName: s.model!, recordHfId: true, hardwareLabel: s.hardware!, tp, pp, knobs: {} };
  if (tp > 1 || pp > 1) {
    // No cluster config: the GPUs talk over the card's NVLink (else PCIe); 1 µs per hop as LLMServingSim's rtx4090 configs.
    const hw = resolveHardware(s.hardware!);
    plan.link = { bandwidthGBps: hw.interconnect.nvlinkGBps ?? hw.interconnect.pcieGBps, latencyNs: 1000 };
  }
  return plan;
}

/** Instances of an LLMServingSim 2.0 cluster config (instance values win over the scenario's, README §4.1). */
async function plansFromCluster(file: string, warnings: string[]): Promise<InstancePlan[]> {
  const cfg = await loadClusterConfig(file);
  const first = (x: number | number[]) => (Array.isArray(x) ? x[0] : x);
  const link = { bandwidthGBps: first(cfg.linkBandwidthGBps), latencyNs: first(cfg.linkLatencyNs) };
  const plans: InstancePlan[] = [];
  for (const node of cfg.nodes) {
    for (const inst of node.instances) {
      const at = { file, field: inst.path };
      const o = inst.overrides;
      try {
        resolveHardware(inst.hardware);
      } catch (e) {
        // Name the file and the instance: the catalog's message alone does not say which entry is wrong.
        if (e instanceof InputError) throw new InputError(e.message.replace(/^field 'hardware': /, ''), { file, field: `${inst.path}.hardware` });
        throw e;
      }
      for (const k of ['enableLocalOffloading', 'enableAttnOffloading', 'enableSubBatchInterleaving'] as const) {
        if (o[k]) throw new InputError(`${k} is not supported yet`, at);
      }
      // Weights on cpu/cxl are costed by the kernel (src/cost/weightPlacement.ts). kv_loc is not: LLMServingSim's trace
      // reads only the `weights` placement, so KV stays on the GPU there too.
      if (inst.resolvedPlacement?.offloadsWeights && inst.pp > 1) {
        throw new InputError(`weights placed on cpu/cxl memory need pp_size 1 (this instance has pp_size ${inst.pp})`, { file, field: `${inst.path}.placement` });
      }
      if (inst.resolvedPlacement?.offloadsKv) warnings.push(`instance ${inst.instanceId}: placement kv_loc on cpu/cxl has no effect (the KV cache stays on the GPU; LLMServingSim 2.0 costs only weight placement)`);
      plans.push({
        modelName: inst.modelName,
        model: inst.model,
        hardwareLabel: inst.hardware,
        tp: inst.tp,
        // EP spanning a DP group (ep > tp, allowed by the loader only inside a group): each member holds E / ep experts
        // and its MoE collectives span ep ranks; the members step together (README §2.7, src/serving/dpGroup.ts).
        ep: inst.ep,
        pp: inst.pp,
        memSizeGiB: inst.npuMem.memSizeGiB,
        memBwGBps: inst.npuMem.memBandwidthGBps,
        memUtil: inst.npuMem.memUtil ?? o.npuMemoryUtilization,
        dtype: o.dtype,
        kvCacheDtype: o.kvCacheDtype,
        knobs: {
          maxNumSeqs: o.maxNumSeqs,
          maxNumBatchedTokens: o.maxNumBatchedTokens,
          longPrefillTokenThreshold: o.longPrefillTokenThreshold,
          enableChunkedPrefill: o.enableChunkedPrefill,
          enablePrefixCaching: o.enablePrefixCaching,
          reserveFullIsl: o.reserveFullIsl,
          blockSize: o.blockSize,
        },
        link,
        hostMem: { bandwidthGBps: node.cpuMem.memBandwidthGBps, latencyNs: node.cpuMem.memLatencyNs },
        hostMemGiB: node.cpuMem.memSizeGiB,
        ...(cfg.cxlMem ? { cxl: cfg.cxlMem } : {}),
        ...(inst.pdType ? { pdRole: inst.pdType } : {}),
        ...(inst.dpGroup !== null ? { dpGroup: inst.dpGroup } : {}),
        ...(inst.resolvedPlacement ? { placement: inst.resolvedPlacement } : {}),
      });
    }
  }
  return plans;
}

/** Simulate a scenario end to end. */
export async function simulate(scenario: Scenario, hooks: SimulateHooks = {}): Promise<SimulationReport> {
  return runPrepared(await prepareScenario(scenario), hooks);
}
