// `sim impact`: simulate a scenario and account its energy and carbon (operational and embodied), writing a RunReport;
// with --infra, run the Sim LLM Benchmark study of an infra JSON (CSV and PNG charts per users level and GPU).
// Parses flags, calls simulateImpact() or runImpactStudy(), prints. No logic here.
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../errors.js';
import { loadGridSeriesCsv, regionGrid, staticGrid } from '../energy/gridIntensity.js';
import { clusterPowerBlock } from '../energy/llmServingSimPower.js';
import type { HostChoice } from '../energy/setup.js';
import { runImpactStudy, writeImpactStudy, levelTotal, type ImpactStudy } from '../energy/impactStudy.js';
import { simulateImpact } from '../energy/simulatedRunReport.js';
import { formatRunReportText, writeRunReport } from '../report/runReportWriters.js';
import type { Scenario } from '../simulate.js';

interface ImpactArgs {
  model?: string;
  hardware?: string;
  tp?: number;
  'cluster-config'?: string;
  'perf-models'?: string;
  dataset?: string;
  infra?: string;
  'requests-per-user': number;
  'think-time': number;
  scope: 'gpu' | 'server';
  'gwp-per-cm2'?: string;
  'num-reqs': number;
  compat: 'vllm' | 'llmservingsim2';
  seed: number;
  region?: string;
  ci?: number;
  'ci-series'?: string;
  'run-start'?: string;
  pue?: string;
  host: 'per-gpu-slot' | 'none';
  'host-w-per-gpu'?: number;
  'lifetime-years'?: number;
  amortisation: 'reservation' | 'busy';
  'lifetime-util'?: number;
  'link-pj-per-bit'?: number;
  'power-model': 'auto' | 'utilization' | 'three-state';
  'per-request': boolean;
  attribution: 'tokens' | 'equal';
  'idle-energy': 'proRata' | 'unattributed';
  out?: string;
  'run-id': string;
}

export const impactCommand: CommandModule<object, ImpactArgs> = {
  command: 'impact',
  describe: 'Simulate a workload and report its energy and carbon (GPU, host, PUE, grid intensity, embodied) as a RunReport',
  builder: (y) =>
    (y as Argv<object>)
      .option('model', { type: 'string', describe: 'model (with --hardware; with --infra, default llama-3.1-8b)' })
      .option('hardware', { type: 'string', describe: 'GPU from the catalog' })
      .option('tp', { type: 'number', describe: 'tensor-parallel degree' })
      .option('cluster-config', { type: 'string', describe: 'LLMServingSim 2.0 cluster config (its power block selects the three-state model)' })
      .option('perf-models', { type: 'string', describe: 'folder of profile bundles (as sim run); default bundled, else roofline' })
      .option('infra', { type: 'string', describe: 'Sim LLM Benchmark infra JSON: simulate each Nb_users level on its GPUs; --out is then a folder (CSV + PNG)' })
      .option('dataset', { type: 'string', describe: 'workload file (with --infra: where user request lengths are drawn from; default the bundled sharegpt.tsv)' })
      .option('requests-per-user', { type: 'number', default: 16, describe: 'with --infra: requests each user sends' })
      .option('think-time', { type: 'number', default: 40, describe: 'with --infra: seconds a user waits before sending again (seed: 0.025 req/s per user)' })
      .option('scope', { choices: ['gpu', 'server'] as const, default: 'gpu' as const, describe: "with --infra: 'gpu' = GPU power and manufacturing only (as the seed); 'server' adds host power and the server's embodied share" })
      .option('gwp-per-cm2', { type: 'string', describe: 'with --infra and seed-legacy manufacturing: comma-separated kgCO2e/cm2 values (the seed reads them from its IC-footprint table)' })
      .option('num-reqs', { type: 'number', default: 0, describe: 'requests to load, 0 = all' })
      .option('compat', { choices: ['vllm', 'llmservingsim2'] as const, default: 'vllm' as const })
      .option('seed', { type: 'number', default: 0 })
      .option('region', { type: 'string', describe: 'grid region: ISO3 country (FRA, USA, ...), cloud region (gcp:us-central1) or profile (world, seed-fr)' })
      .option('ci', { type: 'number', describe: 'static grid intensity, gCO2e/kWh' })
      .option('ci-series', { type: 'string', describe: 'CSV time series (timestamp, ci_gco2e_per_kwh) at a fixed step' })
      .option('run-start', { type: 'string', describe: 'ISO time of simulated t = 0 within --ci-series (default its first row)' })
      .option('pue', { type: 'string', describe: 'PUE number or profile (industry-2024 = 1.56 default, google, aws, microsoft, seed-1, codecarbon, on-prem-edge)' })
      .option('host', { choices: ['per-gpu-slot', 'none'] as const, default: 'per-gpu-slot' as const, describe: 'host power: 150 W per GPU slot (EcoLogits) or none (GPU only)' })
      .option('host-w-per-gpu', { type: 'number', describe: 'host power per GPU slot, W' })
      .option('lifetime-years', { type: 'number', describe: 'embodied amortisation lifetime (3)' })
      .option('amortisation', { choices: ['reservation', 'busy'] as const, default: 'reservation' as const })
      .option('lifetime-util', { type: 'number', describe: "lifetime utilisation for --amortisation busy" })
      .option('link-pj-per-bit', { type: 'number', describe: 'link energy per bit (pJ); default off' })
      .option('power-model', { choices: ['auto', 'utilization', 'three-state'] as const, default: 'auto' as const, describe: "auto: three-state when the cluster config has a power block" })
      .option('attribution', { choices: ['tokens', 'equal'] as const, default: 'tokens' as const, describe: 'split per request by tokens processed, or equally' })
      .option('idle-energy', { choices: ['proRata', 'unattributed'] as const, default: 'proRata' as const, describe: 'spread idle energy over requests, or keep it as a separate line' })
      .option('per-request', { type: 'boolean', default: true, describe: 'keep per-request rows in the report' })
      .option('out', { type: 'string', describe: 'RunReport: .json, .msgpack or .csv; with --infra: output folder (default impact-<infra_name>)' })
      .option('run-id', { type: 'string', default: 'impact' }) as unknown as Argv<ImpactArgs>,
  handler: async (a) => {
    if (a.infra !== undefined) return runInfraStudy(a);
    if (a.dataset === undefined) throw new InputError('give --dataset (a workload file), or --infra (a Sim LLM Benchmark infra JSON)', { field: 'dataset' });
    const scenario: Scenario = {
      clusterConfig: a['cluster-config'],
      model: a.model,
      hardware: a.hardware,
      tp: a.tp,
      perfModels: a['perf-models'],
      compat: a.compat,
      seed: a.seed,
      workload: { kind: 'file', path: a.dataset, numReqs: a['num-reqs'] },
    };
    const grid = gridFromArgs(a) ?? regionGrid('world');
    const pue = a.pue === undefined ? undefined : /^\d+(\.\d+)?$/.test(a.pue) ? Number(a.pue) : a.pue;
    const llmServingSim = a['cluster-config'] && a['power-model'] !== 'utilization' ? clusterPowerBlock(a['cluster-config']) : undefined;
    if (a['power-model'] === 'three-state' && !llmServingSim) throw new InputError('--power-model three-state needs a --cluster-config with a power block on every node', { field: 'power-model' });
    const host: HostChoice = a.host === 'none' ? { kind: 'none' } : { kind: 'per-gpu-slot', wattsPerGpu: a['host-w-per-gpu'] };
    const { report } = await simulateImpact(scenario, {
      runId: a['run-id'],
      perRequest: a['per-request'],
      energy: {
        grid,
        pue,
        host,
        llmServingSim,
        linkEnergyPerBitPJ: a['link-pj-per-bit'],
        attribution: { weight: a.attribution, idle: a['idle-energy'] },
        amortisation: { basis: a.amortisation, ...(a['lifetime-years'] !== undefined ? { lifetimeYears: a['lifetime-years'] } : {}), lifetimeUtilisation: a['lifetime-util'] },
      },
    });
    process.stdout.write(formatRunReportText(report));
    if (a.out) process.stdout.write(`Saved the run report to ${writeRunReport(a.out, report).join(', ')}\n`);
  },
};

function gridFromArgs(a: ImpactArgs) {
  const sources = [a.region, a.ci, a['ci-series']].filter((v) => v !== undefined).length;
  if (sources > 1) throw new InputError('give one of --region, --ci, --ci-series', { field: 'region' });
  if (a.ci !== undefined) return staticGrid(a.ci, 'user', 'user (--ci)');
  if (a['ci-series'] !== undefined) return loadGridSeriesCsv(a['ci-series'], a.region ?? 'series', a['run-start']);
  return a.region !== undefined ? regionGrid(a.region) : undefined;
}

function parseNumberList(text: string, field: string): number[] {
  const values = text.split(',').map((t) => Number(t.trim()));
  if (values.some((v) => !(v > 0))) throw new InputError(`expected comma-separated positive numbers, got '${text}'`, { field });
  return values;
}

async function runInfraStudy(a: ImpactArgs): Promise<void> {
  if (a.hardware !== undefined || a['cluster-config'] !== undefined) throw new InputError('--infra takes its GPUs from the infra file: drop --hardware/--cluster-config', { field: 'infra' });
  const study = await runImpactStudy(a.infra as string, {
    model: a.model,
    lengthsFrom: a.dataset,
    requestsPerUser: a['requests-per-user'],
    thinkTimeS: a['think-time'],
    seed: a.seed,
    perfModels: a['perf-models'],
    scope: a.scope,
    grid: gridFromArgs(a),
    lifetimeYears: a['lifetime-years'],
    gwpPerCm2Candidates: a['gwp-per-cm2'] === undefined ? undefined : parseNumberList(a['gwp-per-cm2'], 'gwp-per-cm2'),
  });
  for (const w of study.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(formatStudy(study));
  const dir = a.out ?? `impact-${study.infraName.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  const files = await writeImpactStudy(study, dir);
  process.stdout.write(`Saved ${files.join(', ')}\n`);
}

function formatStudy(s: ImpactStudy): string {
  const lines = [`${s.infraName}: ${s.model}, PUE ${s.pue}, grid ${s.gridRegion} (${s.ciGPerKWh} gCO2e/kWh), manufacturing ${s.embodiedMethod} over ${s.lifetimeYears} y, scope ${s.scope}`];
  lines.push(['users', 'gpu', 'requests', 'duration_s', 'gpu_W', 'usage_g', 'manuf_g', 'total_g'].map((h) => h.padStart(12)).join(''));
  for (const level of s.levels) {
    const rows = [...level.perGpu.map((g) => [g.users, `${g.gpuId}:${g.gpuName}`, g.requests, g.durationS, g.meanGpuPowerW, g.usageG, g.manufacturingG, g.totalG]), (() => {
      const t = levelTotal(level);
      return [t.users, 'all', t.requests, t.duration_s, t.mean_gpu_power_w, t.usage_gco2e, t.manufacturing_gco2e, t.total_gco2e];
    })()];
    for (const r of rows) lines.push(r.map((v, i) => (typeof v === 'number' && i >= 3 ? v.toFixed(i === 3 || i === 4 ? 1 : 3) : String(v)).padStart(12)).join(''));
  }
  return lines.join('\n') + '\n';
}
