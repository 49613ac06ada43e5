// `sim impact`: simulate a scenario and account its energy and carbon (operational and embodied), writing a RunReport.
// Parses flags, calls simulateImpact(), prints. No logic here.
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../errors.js';
import { loadGridSeriesCsv, regionGrid, staticGrid } from '../energy/gridIntensity.js';
import { powerFromClusterConfig } from '../energy/llmServingSimPower.js';
import type { HostChoice } from '../energy/setup.js';
import { simulateImpact } from '../energy/simulatedRunReport.js';
import { formatRunReportText, writeRunReport } from '../report/runReportWriters.js';
import type { Scenario } from '../simulate.js';

interface ImpactArgs {
  model?: string;
  hardware?: string;
  tp?: number;
  'cluster-config'?: string;
  'perf-models'?: string;
  dataset: string;
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
      .option('model', { type: 'string', describe: 'model (with --hardware)' })
      .option('hardware', { type: 'string', describe: 'GPU from the catalog' })
      .option('tp', { type: 'number', describe: 'tensor-parallel degree' })
      .option('cluster-config', { type: 'string', describe: 'LLMServingSim 2.0 cluster config (its power block selects the three-state model)' })
      .option('perf-models', { type: 'string', describe: 'folder of profile bundles (as sim run); default bundled, else roofline' })
      .option('dataset', { type: 'string', demandOption: true, describe: 'workload file' })
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
      .option('out', { type: 'string', describe: 'RunReport: .json, .msgpack or .csv' })
      .option('run-id', { type: 'string', default: 'impact' }) as unknown as Argv<ImpactArgs>,
  handler: async (a) => {
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
    const sources = [a.region, a.ci, a['ci-series']].filter((v) => v !== undefined).length;
    if (sources > 1) throw new InputError('give one of --region, --ci, --ci-series', { field: 'region' });
    const grid =
      a.ci !== undefined
        ? staticGrid(a.ci, 'user', 'user (--ci)')
        : a['ci-series'] !== undefined
          ? loadGridSeriesCsv(a['ci-series'], a.region ?? 'series', a['run-start'])
          : regionGrid(a.region ?? 'world');
    const pue = a.pue === undefined ? undefined : /^\d+(\.\d+)?$/.test(a.pue) ? Number(a.pue) : a.pue;
    let llmServingSim;
    if (a['cluster-config'] && a['power-model'] !== 'utilization') {
      const file = a['cluster-config'];
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new InputError(`cannot read cluster config: ${(err as Error).message}`, { file });
      }
      llmServingSim = powerFromClusterConfig(raw, file) ?? undefined;
    }
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
