// `sim run`: simulate a serving scenario. Drop-in for LLMServingSim 2.0's `python -m serving` (same flag names and
// meanings, cluster configs and workloads as they are) and accepts LLMServingSim v0.2.1's `main.py` flags too.
// Parses flags into a Scenario, calls simulate(), prints. No simulation logic here.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { closestNames, InputError } from '../errors.js';
import { ROUTER_POLICIES, type RouterPolicy } from '../serving/router.js';
import { formatHeartbeat, formatHeartbeatDetail } from '../report/heartbeat.js';
import { formatRunStart } from '../report/startBanner.js';
import { writeFileAtomic } from '../atomicFile.js';
import type { RunReport } from '../report/runReport.js';
import { formatSummaryText, jsonWithNulls, type RunSummary } from '../report/summary.js';
import { simulateImpact } from '../energy/simulatedRunReport.js';
import { clusterPowerBlock } from '../energy/llmServingSimPower.js';
import type { Scenario, WorkloadSpec } from '../simulate.js';

const G_SIM = 'Scenario:';
const G_SERVE = 'Serving knobs (LLMServingSim 2.0 / vLLM names):';
const G_LOAD = 'Synthetic load (instead of replaying --dataset as is):';
const G_OUT = 'Output:';
const G_V021 = 'LLMServingSim v0.2.1 flags (mapped onto the same scenario):';
const G_COMPAT = 'Accepted for drop-in compatibility (only their default values are supported):';

const DTYPES = ['auto', 'bfloat16', 'float16', 'float32', 'bf16', 'fp16', 'fp32', 'fp8', 'int8', 'int4'] as const;

function builder(y: Argv) {
  return y
    .usage(
      '$0 run --model <name> --hardware <gpu> --dataset <file>\n$0 run --cluster-config <config.json> --dataset <file.jsonl> [LLMServingSim 2.0 flags]\n\n' +
        'Simulates an LLM serving system and prints throughput and latency (TTFT, TPOT, ITL, E2E). Defaults follow vLLM ' +
        '(max_num_seqs 256, max_num_batched_tokens 2048, block 16, prefix caching and chunked prefill on, ' +
        'reserve_full_isl on, gpu memory utilization 0.9); with --compat llmservingsim2, max_num_seqs defaults to 128 as in LLMServingSim 2.0.',
    )
    .option('cluster-config', { type: 'string', group: G_SIM, describe: 'LLMServingSim 2.0 cluster config JSON (instead of --model/--hardware)' })
    .option('model', { type: 'string', alias: 'model-name', group: G_SIM, describe: 'model: short name (llama-3.1-8b), HF id, or a config.json path' })
    .option('hardware', { type: 'string', group: G_SIM, describe: 'GPU from the catalog (RTX3090, RTX4090, H100, ...)' })
    .option('tp', { type: 'number', group: G_SIM, describe: 'tensor-parallel degree (with --model/--hardware)', default: undefined })
    .option('pp', { type: 'number', group: G_SIM, describe: 'pipeline stages per instance (with --model/--hardware)' })
    .option('instances', { type: 'number', group: G_SIM, describe: 'replicas of --model/--hardware behind the router (1)' })
    .option('router', { type: 'string', group: G_SIM, describe: `how requests pick an instance: ${ROUTER_POLICIES.join(', ')} (load = LLMServingSim LOAD)` })
    .option('dataset', { type: 'string', group: G_SIM, describe: 'workload: LLMServingSim JSONL, v0.2.1 TSV or Vidur CSV' })
    .option('num-reqs', { type: 'number', alias: 'req-num', group: G_SIM, describe: 'requests (lines) to load, 0 = all; with --arrival/--users: requests to generate' })
    .option('perf-models', { type: 'string', group: G_SIM, describe: 'folder of profile bundles <hardware>/<org>/<model>/<dtype>/tp<N>/ (or v0.2.1 <hardware>.csv); default: bundled, else roofline' })
    .option('seed', { type: 'number', group: G_SIM, default: 0, describe: 'seed of every random stream (arrivals, lengths)' })
    .option('compat', { choices: ['vllm', 'llmservingsim2'] as const, group: G_SIM, default: 'vllm' as const, describe: "semantics: 'llmservingsim2' reproduces LLMServingSim 2.0 exactly" })
    .option('dtype', { choices: DTYPES, group: G_SERVE, describe: "weight dtype (default the model's torch_dtype)" })
    .option('kv-cache-dtype', { choices: ['auto', 'fp8'] as const, group: G_SERVE, default: 'auto' as const })
    .option('block-size', { type: 'number', group: G_SERVE, describe: 'tokens per KV block (16)' })
    .option('max-num-seqs', { type: 'number', group: G_SERVE, describe: 'running-set cap, 0 = unlimited (256; 128 with --compat llmservingsim2)' })
    .option('max-num-batched-tokens', { type: 'number', group: G_SERVE, describe: 'token budget per step, 0 = model max (2048)' })
    .option('long-prefill-token-threshold', { type: 'number', group: G_SERVE, describe: 'per-request chunk cap per step, 0 = off (0)' })
    .option('npu-memory-utilization', { type: 'number', alias: 'gpu-memory-utilization', group: G_SERVE, describe: 'default mem_util (0.9)' })
    .option('enable-prefix-caching', { type: 'boolean', group: G_SERVE, describe: 'prefix caching (on; --no-enable-prefix-caching)' })
    .option('enable-chunked-prefill', { type: 'boolean', group: G_SERVE, describe: 'chunked prefill (on)' })
    .option('reserve-full-isl', { type: 'boolean', group: G_SERVE, describe: 'admit only if the whole sequence fits (on)' })
    .option('request-routing-policy', { choices: ['LOAD', 'RR', 'RAND', 'CUSTOM'] as const, group: G_SERVE, default: 'LOAD' as const })
    .option('log-interval', { type: 'number', group: G_OUT, default: 1.0, describe: 'heartbeat interval in simulated seconds' })
    .option('log-level', { choices: ['WARNING', 'INFO', 'DEBUG'] as const, group: G_OUT, default: 'WARNING' as const, describe: 'INFO/DEBUG add a state line (running, waiting, KV use, prefix hits) under each heartbeat' })
    .option('output', { type: 'string', group: G_OUT, describe: "per-request CSV (LLMServingSim format); '{run_id}' is replaced" })
    .option('summary', { type: 'string', group: G_OUT, describe: 'summary JSON' })
    .option('quiet', { type: 'boolean', group: G_OUT, default: false, describe: 'no heartbeat lines or progress bar' })
    .option('arrival', { choices: ['poisson', 'gamma', 'constant'] as const, group: G_LOAD, describe: 'arrival process; lengths resampled from --dataset' })
    .option('rate', { type: 'number', group: G_LOAD, describe: 'arrival rate (requests/s)' })
    .option('cv', { type: 'number', group: G_LOAD, describe: 'coefficient of variation of gaps (gamma)' })
    .option('users', { type: 'number', group: G_LOAD, describe: 'closed loop: concurrent users; lengths resampled from --dataset' })
    .option('think-time', { type: 'number', group: G_LOAD, default: 0, describe: 'closed loop: seconds a user waits before sending again' })
    .option('npu-num', { type: 'number', alias: 'npu_num', group: G_V021, describe: 'NPUs of the instance (tp = npu-num / npu-group)' })
    .option('npu-group', { type: 'number', alias: 'npu_group', group: G_V021, describe: 'NPU groups (pipeline stages); only 1 is supported' })
    .option('npu-mem', { type: 'number', alias: 'npu_mem', group: G_V021, describe: 'memory per NPU (GB)' })
    .option('remote-bw', { type: 'number', alias: 'remote_bw', group: G_V021, describe: 'host memory bandwidth (GB/s)' })
    .option('link-bw', { type: 'number', alias: 'link_bw', group: G_V021, describe: 'NPU-NPU link bandwidth (GB/s)' })
    .option('fp', { type: 'number', group: G_V021, describe: 'weight precision in bits (16 → fp16, 32, 8)' })
    .option('model_name', { type: 'string', hidden: true })
    .option('req_num', { type: 'number', hidden: true })
    .option('block_size', { type: 'number', hidden: true })
    .option('log_interval', { type: 'number', hidden: true })
    .option('network-backend', { choices: ['analytical', 'ns3'] as const, group: G_COMPAT, default: 'analytical' as const })
    .option('expert-routing-policy', { choices: ['BALANCED', 'RR', 'RAND', 'CUSTOM'] as const, group: G_COMPAT, default: 'BALANCED' as const })
    .option('enable-block-copy', { type: 'boolean', group: G_COMPAT, default: true })
    .option('enable-prefix-sharing', { type: 'boolean', group: G_COMPAT, default: false })
    .option('prefix-storage', { choices: ['None', 'CPU', 'CXL'] as const, group: G_SERVE, default: 'None' as const, describe: 'keep prefix blocks the GPU evicts in host (CPU) or CXL memory and load them from there' })
    .option('preemption-mode', { choices: ['recompute', 'swap'] as const, group: G_SERVE, default: 'recompute' as const, describe: 'swap: a preempted request’s KV goes to host memory and comes back (no recompute)' })
    .option('speculative-method', { choices: ['ngram', 'draft'] as const, group: G_SERVE, describe: 'speculative decoding: n-gram proposer, or a draft model (--draft-model)' })
    .option('num-speculative-tokens', { type: 'number', group: G_SERVE, describe: 'draft tokens per decode step (k)' })
    .option('spec-acceptance-rate', { type: 'number', group: G_SERVE, describe: 'probability each draft token is accepted (1.0)' })
    .option('draft-model', { type: 'string', group: G_SERVE, describe: 'draft model for --speculative-method draft' })
    .option('swap-space', { type: 'number', group: G_SERVE, describe: "host KV tier per instance (GiB; default the node's cpu_mem, else 4)" })
    .option('enable-local-offloading', { type: 'boolean', group: G_COMPAT, default: false })
    .option('enable-attn-offloading', { type: 'boolean', group: G_COMPAT, default: false })
    .option('enable-sub-batch-interleaving', { type: 'boolean', group: G_COMPAT, default: false })
    .option('skip-prefill', { type: 'boolean', group: G_COMPAT, default: false })
    .option('run-id', { type: 'string', group: G_COMPAT })
    .option('inputs-root', { type: 'string', group: G_COMPAT })
    .option('cleanup-inputs', { type: 'boolean', group: G_COMPAT, default: true });
}

type RunArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

const UNSUPPORTED: [keyof RunArgs, unknown, string][] = [
  ['networkBackend', 'analytical', '--network-backend ns3'],
  ['expertRoutingPolicy', 'BALANCED', '--expert-routing-policy'],
  ['enableBlockCopy', true, '--no-enable-block-copy'],
  ['enablePrefixSharing', false, '--enable-prefix-sharing'],
  ['enableLocalOffloading', false, '--enable-local-offloading'],
  ['enableAttnOffloading', false, '--enable-attn-offloading'],
  ['enableSubBatchInterleaving', false, '--enable-sub-batch-interleaving'],
  ['skipPrefill', false, '--skip-prefill'],
];

const FP_BITS: Record<number, string> = { 32: 'fp32', 16: 'fp16', 8: 'fp8' };

const ROUTING_POLICY_NAMES: Record<string, RouterPolicy> = { LOAD: 'load', RR: 'round-robin', RAND: 'random' };

/** --router (ServeSim names) or LLMServingSim's --request-routing-policy (LOAD, RR, RAND) → a router policy. */
function routerFromArgs(router: string | undefined, routingPolicy: string): RouterPolicy {
  const fromPolicy = ROUTING_POLICY_NAMES[routingPolicy];
  if (!fromPolicy) throw new InputError(`--request-routing-policy ${routingPolicy} is not supported; use LOAD, RR or RAND`, { field: 'request-routing-policy' });
  if (router === undefined) return fromPolicy;
  if (!(ROUTER_POLICIES as readonly string[]).includes(router)) {
    throw new InputError(`unknown router '${router}' (did you mean ${closestNames(router, ROUTER_POLICIES).join(', ')}?); valid: ${ROUTER_POLICIES.join(', ')}`, {
      field: 'router',
    });
  }
  if (routingPolicy !== 'LOAD' && fromPolicy !== router) {
    throw new InputError(`--router ${router} contradicts --request-routing-policy ${routingPolicy}`, { field: 'router' });
  }
  return router as RouterPolicy;
}

/** Flags → Scenario (flag translation only; validation happens in simulate's schema). */
export function scenarioFromArgs(a: RunArgs): { scenario: Scenario; runId: string } {
  for (const [key, dflt, flag] of UNSUPPORTED) {
    if (a[key] !== dflt) throw new InputError(`${flag} is not supported by ServeSim yet`, { field: String(key) });
  }
  const router = routerFromArgs(a.router, a.requestRoutingPolicy);
  const model = a.model ?? a.model_name;
  const numReqs = a.numReqs ?? a.req_num;
  const blockSize = a.blockSize ?? a.block_size;
  const logInterval = a.log_interval ?? a.logInterval;

  let tp = a.tp;
  if (a.npuNum !== undefined) {
    const groups = a.npuGroup ?? 1;
    if (groups !== 1) throw new InputError('--npu-group > 1 (pipeline stages) is not supported yet', { field: 'npu-group' });
    if (tp !== undefined && tp !== a.npuNum) throw new InputError(`--tp ${tp} contradicts --npu-num ${a.npuNum}`, { field: 'tp' });
    tp = a.npuNum;
  }
  let dtype: string | undefined = a.dtype;
  if (a.fp !== undefined) {
    const fromFp = FP_BITS[a.fp];
    if (!fromFp) throw new InputError(`--fp ${a.fp}: expected 8, 16 or 32 (bits)`, { field: 'fp' });
    if (dtype !== undefined && dtype !== fromFp) throw new InputError(`--fp ${a.fp} contradicts --dtype ${dtype}`, { field: 'fp' });
    dtype = fromFp;
  }

  if (!a.dataset) throw new InputError('give --dataset (a workload file; with --arrival/--users it supplies the lengths)', { field: 'dataset' });
  let workload: WorkloadSpec;
  if (a.arrival !== undefined && a.users !== undefined) throw new InputError('give --arrival or --users, not both', { field: 'arrival' });
  if (a.arrival !== undefined) {
    if (a.rate === undefined) throw new InputError('--arrival needs --rate (requests/s)', { field: 'rate' });
    if (!numReqs) throw new InputError('--arrival needs --num-reqs N (how many requests to generate)', { field: 'num-reqs' });
    workload = { kind: 'open-loop', arrival: a.arrival, rateQps: a.rate, cv: a.cv, numReqs, lengthsFrom: a.dataset };
  } else if (a.users !== undefined) {
    if (!numReqs) throw new InputError('--users needs --num-reqs N (how many requests in all)', { field: 'num-reqs' });
    workload = { kind: 'closed-loop', users: a.users, thinkTimeS: a.thinkTime, numReqs, lengthsFrom: a.dataset };
  } else {
    workload = { kind: 'file', path: a.dataset, numReqs: numReqs ?? 0 };
  }

  const knobs = {
    maxNumSeqs: a.maxNumSeqs,
    maxNumBatchedTokens: a.maxNumBatchedTokens,
    longPrefillTokenThreshold: a.longPrefillTokenThreshold,
    enableChunkedPrefill: a.enableChunkedPrefill,
    enablePrefixCaching: a.enablePrefixCaching,
    reserveFullIsl: a.reserveFullIsl,
    blockSize,
  };
  const runId = a.runId ?? `run_${process.pid}`;
  const scenario: Scenario = {
    clusterConfig: a.clusterConfig,
    model,
    hardware: a.hardware,
    tp,
    memSizeGiB: a.npuMem,
    npuMemoryUtilization: a.npuMemoryUtilization,
    dtype,
    kvCacheDtype: a.kvCacheDtype,
    knobs: Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined)),
    workload,
    seed: a.seed,
    perfModels: a.perfModels,
    compat: a.compat,
    logIntervalS: logInterval,
    instances: a.instances,
    pp: a.pp,
    router,
    speculative:
      a.speculativeMethod !== undefined
        ? {
            method: a.speculativeMethod,
            numSpeculativeTokens: a.numSpeculativeTokens ?? 0,
            ...(a.specAcceptanceRate !== undefined ? { acceptanceRate: a.specAcceptanceRate } : {}),
            ...(a.draftModel !== undefined ? { draftModel: a.draftModel } : {}),
          }
        : undefined,
    kvOffload:
      a.preemptionMode === 'swap' || a.prefixStorage !== 'None'
        ? {
            swap: a.preemptionMode === 'swap',
            ...(a.prefixStorage !== 'None' ? { prefixTier: a.prefixStorage === 'CPU' ? ('cpu' as const) : ('cxl' as const) } : {}),
            ...(a.swapSpace !== undefined ? { cpuGiB: a.swapSpace } : {}),
          }
        : undefined,
    link: a.linkBw !== undefined ? { bandwidthGBps: a.linkBw, latencyNs: 0 } : undefined,
    hostMem: a.remoteBw !== undefined ? { bandwidthGBps: a.remoteBw, latencyNs: 0 } : undefined,
  };
  return { scenario, runId };
}

/** A one-line progress bar on a TTY stderr, redrawn at most every 100 ms. */
function progressBar(total: number | undefined) {
  let done = 0;
  let last = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    if (total) {
      const width = 30;
      const filled = Math.round((width * done) / total);
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} requests`);
    } else {
      process.stderr.write(`\r${done} requests finished`);
    }
  };
  return {
    tick() {
      done++;
      draw(false);
    },
    clear() {
      process.stderr.write('\r\x1b[K');
    },
  };
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Simulate serving a workload (drop-in for LLMServingSim `python -m serving`)',
  builder: builder as unknown as CommandModule<object, RunArgs>['builder'],
  handler: async (argv) => {
    guardStdoutPipe();
    await runAndPrint(argv);
  },
};

let pipeGuarded = false;
/** `sim run ... | head`: a closed pipe ends the output quietly, not with an EPIPE stack trace (installed once). */
function guardStdoutPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

async function runAndPrint(argv: RunArgs): Promise<void> {
  const { scenario, runId } = scenarioFromArgs(argv);
  const live = !argv.quiet;
  let bar: ReturnType<typeof progressBar> | undefined;
  let kvBlocksTotal = 0;
  // The energy ledger listens to the run's records (default factors: world grid, PUE 1.56, 150 W host per GPU slot;
  // a cluster config's LLMServingSim `power` block selects its three-state model, as `sim impact` does).
  const llmServingSim = scenario.clusterConfig ? clusterPowerBlock(scenario.clusterConfig) : undefined;
  const requestsCsvPath = argv.output?.replace('{run_id}', runId);
  const { simulation: report, report: energy } = await simulateImpact(scenario, {
    runId,
    perRequest: false,
    energy: llmServingSim ? { llmServingSim } : undefined,
    hooks: {
      requestsCsvPath,
      onStart: (start) => {
        process.stdout.write(formatRunStart(start.instances, start.compat));
        kvBlocksTotal = start.instances.reduce((n, i) => n + i.numKvBlocks, 0);
        for (const w of start.warnings) process.stderr.write(`warning: ${w}\n`);
        if (live && process.stderr.isTTY) bar = progressBar(start.totalRequests);
      },
      onRequest: () => bar?.tick(),
      onHeartbeat: live
        ? (hb) => {
            bar?.clear();
            process.stderr.write(formatHeartbeat(hb) + '\n');
            if (argv.logLevel !== 'WARNING') process.stderr.write(formatHeartbeatDetail(hb, kvBlocksTotal) + '\n');
          }
        : undefined,
    },
  });
  bar?.clear();
  if (argv.summary) writeFileAtomic(argv.summary, summaryWithEnergyJson(report.summary, energy));
  process.stdout.write(formatSummaryText(report.summary));
  process.stdout.write(formatEnergyText(energy));
  if (argv.output) process.stdout.write(`Saved each request's record to ${requestsCsvPath}\n`);
  if (argv.summary) process.stdout.write(`Saved the summary to ${argv.summary}\n`);
}

/** The summary JSON plus the energy report's blocks under energy-model.md §8 names (energy.*, carbon.*, intensity.*, site). */
export function summaryWithEnergyJson(summary: RunSummary, r: RunReport): string {
  return jsonWithNulls({ ...summary, site: r.scenario.site, energy: r.energy, carbon: r.carbon, intensity: r.intensity });
}

/** Energy and carbon lines under the summary, in its layout (label left, value right). */
export function formatEnergyText(r: RunReport): string {
  const f = (x: number | null | undefined, digits: number) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
  const e = r.energy;
  const hostJ = e.it_total_j === null || e.gpu_j === null ? null : e.it_total_j - e.gpu_j - (e.link_j ?? 0);
  const site = r.scenario.site;
  const per1k = r.intensity.gco2e_per_1k_output_tokens;
  const rows: [string, string][] = [
    ['Energy model', `${e.method}, PUE ${f(site.pue, 2)}, grid ${site.grid_region ?? '?'} ${f(site.ci_gco2e_per_kwh, 1)} gCO2e/kWh`],
    ['GPU / host / facility energy (J)', `${f(e.gpu_j, 1)} / ${f(hostJ, 1)} / ${f(e.facility_total_j, 1)}`],
    ['Mean GPU power (W)', f(e.mean_gpu_power_w, 1)],
    ['Energy per output token (J)', f(r.intensity.j_per_output_token, 4)],
    ['Energy per request (Wh)', f(r.intensity.wh_per_request, 4)],
    ['gCO2e per 1k output tokens (operational / embodied)', `${f(per1k.operational, 4)} / ${f(per1k.embodied, 4)}`],
  ];
  const width = 72;
  return rows.map(([k, v]) => `${k}:${' '.repeat(Math.max(1, width - k.length - 1 - v.length))}${v}`).join('\n') + '\n';
}
