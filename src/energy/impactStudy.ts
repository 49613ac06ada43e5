// The Sim LLM Benchmark study, simulated: for each concurrency level of an infra JSON (`Nb_users`), closed-loop users
// are served by the file's GPUs and each GPU's manufacturing (embodied) and usage (operational) impact is accounted
// as the seed's perf_show scripts do (energy-model.md §1.1): usage = E·PUE·CI, manufacturing = duration/lifetime × the
// GPU's embodied kg, total = usage + manufacturing, global = Σ over GPUs.
//
// Each GPU serves as its own replica (TP 1) of the model, and user u of a level talks to GPU u mod n, as a sticky
// load balancer would; every GPU is reserved (model loaded, parked between batches) for the whole level, whose
// duration is the longest GPU's. The seed counts GPU power and GPU manufacturing only: that is scope 'gpu' (default);
// scope 'server' adds the host power and the server's embodied share per GPU slot (EcoLogits defaults).
import { renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atomicTempPath } from '../atomicFile.js';
import { PACKAGE_ROOT } from '../packageRoot.js';
import { InputError, closestNames } from '../errors.js';
import { isCompleteHardwareSpec, listHardware, type SeedHardwareSpec } from '../scenario/hardware.js';
import type { Dtype, HardwareSpec } from '../scenario/types.js';
import { lineChartSpec, vegaLiteToPng } from '../report/plots.js';
import { prepareScenario, runPrepared } from '../simulate.js';
import type { EnergyResult } from './accumulator.js';
import { resolveEmbodied, seedLegacyEmbodied, seedMtcEmbodied, type EmbodiedEstimate } from './embodied.js';
import { embodiedTable } from './factorTables.js';
import { regionGrid, type GridIntensity } from './gridIntensity.js';
import { loadSeedInfra, type SeedInfra } from './seedInfra.js';
import { buildEnergyModel } from './setup.js';
import { energyDtypeOf, SimulationEnergyRecorder } from './simulatedRunReport.js';

export interface ImpactStudyOptions {
  model?: string; // default llama-3.1-8b
  /** Workload whose (input, output) lengths users resample; default the bundled datasets/sharegpt.tsv. */
  lengthsFrom?: string;
  /** Requests each user sends (seed: at most 16 per user). */
  requestsPerUser?: number;
  /** Seconds a user waits after an answer (seed: 0.025 req/s per user → 40 s). */
  thinkTimeS?: number;
  seed?: number;
  perfModels?: string;
  scope?: 'gpu' | 'server';
  /** Default: the seed's constant for its method (seed-fr 79.1 legacy, seed-fr-mtc 80.1 MTC gCO2e/kWh). */
  grid?: GridIntensity;
  /** Default: the seed's lifetime for its method (7 years legacy, 3 years MTC). */
  lifetimeYears?: number;
  /** seed-legacy: per-cm² GWP values (kgCO2e/cm²) from the IC-footprint table the seed reads (not bundled). */
  gwpPerCm2Candidates?: number[];
}

export interface GpuImpact {
  users: number; // the level
  gpuId: string;
  gpuName: string;
  usersOnGpu: number;
  requests: number;
  outputTokens: number;
  durationS: number;
  meanGpuPowerW: number;
  gpuEnergyJ: number;
  itEnergyJ: number;
  facilityEnergyJ: number;
  usageG: number;
  manufacturingG: number;
  totalG: number;
  embodiedKgPerGpu: number;
  /** The energy ledger of this GPU over the level (what the row is read from). */
  energy: EnergyResult;
}

export interface LevelImpact {
  users: number;
  durationS: number;
  perGpu: GpuImpact[];
}

export interface ImpactStudy {
  infraName: string;
  infraFile: string;
  model: string;
  pue: number;
  ciGPerKWh: number;
  gridRegion: string;
  embodiedMethod: string;
  lifetimeYears: number;
  scope: 'gpu' | 'server';
  requestsPerUser: number;
  thinkTimeS: number;
  levels: LevelImpact[];
  warnings: string[];
}

interface StudyGpu {
  id: string;
  hardware: HardwareSpec;
  embodied: EmbodiedEstimate | undefined; // undefined: nothing could be estimated (the run then stops with an error)
}

const DEFAULTS = { model: 'llama-3.1-8b', requestsPerUser: 16, thinkTimeS: 40, seed: 0, scope: 'gpu' as const };

/** Memory types the embodied tables and the catalog know, by lower-case name. */
function knownMemoryTypes(): Map<string, string> {
  const names = [...Object.keys(embodiedTable().seedMemoryGPerGB.values), ...listHardware().map((h) => h.memType)];
  return new Map(names.map((n) => [n.toLowerCase(), n]));
}

/** Checks each GPU of the file can be simulated and accounted (catalog entry, memory type, embodied inputs). */
function studyGpus(infra: SeedInfra, file: string, opts: ImpactStudyOptions, warnings: string[]): StudyGpu[] {
  const memTypes = knownMemoryTypes();
  const catalog = listHardware().map((h) => h.name);
  return infra.gpus.map((g) => {
    const at = (field: string) => ({ file, field: `gpus.${g.id}.${field}` });
    if (g.memType !== undefined) {
      const canonical = memTypes.get(g.memType.toLowerCase());
      if (!canonical) {
        const near = closestNames(g.memType, [...new Set(memTypes.values())]);
        throw new InputError(`unknown memory type '${g.memType}'; expected one of ${[...new Set(memTypes.values())].join(', ')} (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)`, at('type_memoire'));
      }
      g.memType = canonical;
      g.spec.memType = canonical;
    }
    const spec = g.spec as SeedHardwareSpec;
    if (!isCompleteHardwareSpec(spec)) {
      const near = closestNames(g.name, catalog);
      throw new InputError(
        `GPU '${g.name}' is not in the hardware catalog, so its speed is unknown (did you mean ${near.map((n) => `'${n}'`).join(', ')}? 'sim catalog hardware' lists them)`,
        at('nom'),
      );
    }
    let embodied: EmbodiedEstimate | undefined;
    try {
      if (infra.embodiedMethod === 'seed-mtc') embodied = seedMtcEmbodied(g);
      else if (opts.gwpPerCm2Candidates) embodied = seedLegacyEmbodied(g, opts.gwpPerCm2Candidates);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const seedField: Record<string, string> = { dieAreaMm2: 'die_area', transistorDensityPerMm2: 'density', memCapacityGB: 'taille_memoire', tdpW: 'tdp', memType: 'type_memoire' };
      throw new InputError(`${infra.embodiedMethod} manufacturing impact: ${err.message.replace(/^field '[^']*': /, '')}`, at(seedField[err.field ?? ''] ?? err.field ?? 'nom'));
    }
    if (!embodied) {
      // The energy model's default for this GPU (fixed vendor/LCA value, else seed-mtc, else ACT).
      embodied = resolveEmbodied(g).gpu ?? undefined;
      const note = 'seed-legacy manufacturing needs per-cm² GWP values from the IC-footprint table the seed reads (not bundled; give them with --gwp-per-cm2): used the default embodied estimate instead';
      if (!warnings.includes(note)) warnings.push(note);
    }
    return { id: g.id, hardware: spec, embodied };
  });
}

/** Users of a level that talk to GPU `index` of `n` (user u → GPU u mod n). */
export function usersOnGpu(users: number, index: number, n: number): number {
  return Math.floor(users / n) + (index < users % n ? 1 : 0);
}

/** Runs the study of an infra JSON: every level of Nb_users, every GPU. Bad input throws before anything runs. */
export async function runImpactStudy(infraFile: string, opts: ImpactStudyOptions = {}): Promise<ImpactStudy> {
  const infra = loadSeedInfra(infraFile);
  const warnings: string[] = [];
  const gpus = studyGpus(infra, infraFile, opts, warnings);
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as ImpactStudyOptions & typeof DEFAULTS;
  if (!(Number.isInteger(o.requestsPerUser) && o.requestsPerUser > 0)) throw new InputError(`requests per user must be a positive integer, got ${o.requestsPerUser}`, { field: 'requests-per-user' });
  if (!(o.thinkTimeS >= 0)) throw new InputError(`think time must be >= 0 s, got ${o.thinkTimeS}`, { field: 'think-time' });
  const mtc = infra.embodiedMethod === 'seed-mtc';
  const grid = o.grid ?? regionGrid(mtc ? 'seed-fr-mtc' : 'seed-fr');
  const lifetimeYears = o.lifetimeYears ?? (mtc ? 3 : 7);
  const lengthsFrom = o.lengthsFrom ?? join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv');

  const energyConfig = (gpu: StudyGpu, dtype: Dtype) =>
    buildEnergyModel({
      instances: [{ instanceId: 0, hardware: gpu.hardware, gpuCount: 1, dtype }],
      pue: infra.pue,
      grid,
      host: o.scope === 'gpu' ? { kind: 'none' } : { kind: 'per-gpu-slot' },
      embodied: { override: gpu.embodied, ...(o.scope === 'gpu' ? { hostShareKg: 0 } : {}) },
      amortisation: { lifetimeYears, basis: 'reservation' },
    });

  const levels: LevelImpact[] = [];
  for (const users of infra.concurrencySweep) {
    const runs = [];
    for (let k = 0; k < gpus.length; k++) {
      const gpu = gpus[k];
      const n = usersOnGpu(users, k, gpus.length);
      if (n === 0) {
        // No user on this GPU at this level: it holds the model and stays parked for the level (no batch ever runs).
        const recorder = new SimulationEnergyRecorder(energyConfig(gpu, 'bf16'), false);
        runs.push({ gpu, n, recorder, finish: (ns: number) => recorder.accumulator.finish(ns), makespanNs: 0, requests: 0, outputTokens: 0 });
        const note = `level ${users}: GPU ${gpu.id} has no user (users are spread u mod ${gpus.length}); it is charged parked power and manufacturing for the level`;
        warnings.push(note);
        continue;
      }
      const prepared = await prepareScenario({
        model: o.model,
        hardware: gpu.hardware.name,
        memSizeGiB: gpu.hardware.memCapacityGiB,
        perfModels: o.perfModels,
        // Distinct, reproducible length streams per GPU (GPU 0 uses the seed itself).
        seed: o.seed * 1009 + k,
        workload: { kind: 'closed-loop', users: n, thinkTimeS: o.thinkTimeS, numReqs: n * o.requestsPerUser, lengthsFrom },
      });
      for (const w of prepared.warnings) if (!warnings.includes(w)) warnings.push(w);
      const recorder = new SimulationEnergyRecorder(energyConfig(gpu, energyDtypeOf(prepared.instanceInfo[0].weightDtype)), false);
      const sim = runPrepared(prepared, recorder.hooks());
      runs.push({ gpu, n, recorder, finish: (ns: number) => recorder.finish(ns).result, makespanNs: sim.totals.makespanNs, requests: sim.summary.requests, outputTokens: sim.summary.outputTokens });
    }
    const windowNs = Math.max(...runs.map((r) => r.makespanNs));
    const perGpu = runs.map((r): GpuImpact => {
      const result = r.finish(windowNs);
      for (const w of result.warnings) if (!warnings.includes(w) && !/reported no requests/.test(w)) warnings.push(w);
      const emb = result.carbonG.embodied;
      if (emb === null) throw new InputError(`no manufacturing estimate for GPU '${r.gpu.hardware.name}'`, { file: infraFile, field: `gpus.${r.gpu.id}` });
      return {
        users,
        gpuId: r.gpu.id,
        gpuName: r.gpu.hardware.name,
        usersOnGpu: r.n,
        requests: r.requests,
        outputTokens: r.outputTokens,
        durationS: windowNs / 1e9,
        meanGpuPowerW: result.meanGpuPowerW,
        gpuEnergyJ: result.energyJ.gpu,
        itEnergyJ: result.energyJ.itTotal,
        facilityEnergyJ: result.energyJ.facilityTotal,
        usageG: result.carbonG.operational,
        manufacturingG: emb,
        totalG: result.carbonG.operational + emb,
        embodiedKgPerGpu: r.recorder.config.instances[0].embodiedKgPerGpu ?? 0,
        energy: result,
      };
    });
    levels.push({ users, durationS: windowNs / 1e9, perGpu });
  }
  const embodiedMethods = [...new Set(gpus.map((g) => g.embodied?.method ?? 'default'))];
  return {
    infraName: infra.infraName,
    infraFile,
    model: o.model,
    pue: infra.pue,
    ciGPerKWh: grid.staticGPerKWh ?? NaN,
    gridRegion: grid.region,
    embodiedMethod: embodiedMethods.join('+'),
    lifetimeYears,
    scope: o.scope,
    requestsPerUser: o.requestsPerUser,
    thinkTimeS: o.thinkTimeS,
    levels,
    warnings,
  };
}

// ---- Outputs: CSV (one row per level × GPU, plus a global row per level) and PNG charts of impact against users ----

export const IMPACT_CSV_COLUMNS = [
  'users', 'gpu_id', 'gpu_name', 'scope', 'users_on_gpu', 'requests', 'output_tokens', 'duration_s', 'mean_gpu_power_w',
  'gpu_energy_j', 'it_energy_j', 'facility_energy_j', 'usage_gco2e', 'manufacturing_gco2e', 'total_gco2e', 'embodied_kgco2e_per_gpu',
  'total_gco2e_per_1k_output_tokens',
] as const;

/** Empty string: not defined (a GPU that produced no token). */
type CsvRow = Record<(typeof IMPACT_CSV_COLUMNS)[number], string | number>;

const per1k = (g: number, tokens: number): number | string => (tokens > 0 ? (g / tokens) * 1000 : '');

/** Σ over a level's GPUs (the seed's 'global' scope); mean GPU power is the mean over GPUs. */
export function levelTotal(level: LevelImpact): CsvRow {
  const sum = (f: (g: GpuImpact) => number) => level.perGpu.reduce((a, g) => a + f(g), 0);
  return {
    users: level.users,
    gpu_id: 'all',
    gpu_name: [...new Set(level.perGpu.map((g) => g.gpuName))].join('+'),
    scope: 'global',
    users_on_gpu: sum((g) => g.usersOnGpu),
    requests: sum((g) => g.requests),
    output_tokens: sum((g) => g.outputTokens),
    duration_s: level.durationS,
    mean_gpu_power_w: sum((g) => g.meanGpuPowerW) / level.perGpu.length,
    gpu_energy_j: sum((g) => g.gpuEnergyJ),
    it_energy_j: sum((g) => g.itEnergyJ),
    facility_energy_j: sum((g) => g.facilityEnergyJ),
    usage_gco2e: sum((g) => g.usageG),
    manufacturing_gco2e: sum((g) => g.manufacturingG),
    total_gco2e: sum((g) => g.totalG),
    embodied_kgco2e_per_gpu: sum((g) => g.embodiedKgPerGpu),
    total_gco2e_per_1k_output_tokens: per1k(sum((g) => g.totalG), sum((g) => g.outputTokens)),
  };
}

function gpuRow(g: GpuImpact): CsvRow {
  return {
    users: g.users,
    gpu_id: g.gpuId,
    gpu_name: g.gpuName,
    scope: 'per_gpu',
    users_on_gpu: g.usersOnGpu,
    requests: g.requests,
    output_tokens: g.outputTokens,
    duration_s: g.durationS,
    mean_gpu_power_w: g.meanGpuPowerW,
    gpu_energy_j: g.gpuEnergyJ,
    it_energy_j: g.itEnergyJ,
    facility_energy_j: g.facilityEnergyJ,
    usage_gco2e: g.usageG,
    manufacturing_gco2e: g.manufacturingG,
    total_gco2e: g.totalG,
    embodied_kgco2e_per_gpu: g.embodiedKgPerGpu,
    total_gco2e_per_1k_output_tokens: per1k(g.totalG, g.outputTokens),
  };
}

const csvCell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The study as CSV text: per level, one row per GPU then the global row. Numbers at full precision. */
export function impactCsv(study: ImpactStudy): string {
  const lines = [IMPACT_CSV_COLUMNS.join(',')];
  for (const level of study.levels) {
    for (const row of [...level.perGpu.map(gpuRow), levelTotal(level)]) lines.push(IMPACT_CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  }
  return lines.join('\n') + '\n';
}

const PLOTS = [
  { file: 'impact_usage.png', field: 'usage_gco2e', title: 'Usage (operational) impact per run', yTitle: 'gCO2e per run' },
  { file: 'impact_manufacturing.png', field: 'manufacturing_gco2e', title: 'Manufacturing (embodied) impact per run', yTitle: 'gCO2e per run' },
  { file: 'impact_total.png', field: 'total_gco2e', title: 'Total impact (usage + manufacturing) per run', yTitle: 'gCO2e per run' },
  { file: 'impact_per_1k_output_tokens.png', field: 'total_gco2e_per_1k_output_tokens', title: 'Total impact per 1k output tokens', yTitle: 'gCO2e per 1k output tokens' },
] as const;

/** The charts: impact against users, one line per GPU and one for all GPUs (GPUs without tokens drop out of per-token). */
export async function impactPlots(study: ImpactStudy): Promise<{ file: string; png: Buffer }[]> {
  const series = (r: CsvRow) => (r.gpu_id === 'all' ? 'all GPUs' : `GPU ${r.gpu_id} (${r.gpu_name})`);
  const rows = study.levels.flatMap((l) => [...l.perGpu.map(gpuRow), levelTotal(l)]);
  const seriesOrder = [...new Set(rows.map(series))];
  const users = study.levels.map((l) => l.users);
  const log = Math.max(...users) / Math.min(...users) >= 10;
  const ci = Number.isFinite(study.ciGPerKWh) ? `${study.ciGPerKWh} gCO2e/kWh` : study.gridRegion;
  const subtitle = [
    `${study.model}; ${study.requestsPerUser} requests per user, think time ${study.thinkTimeS} s; one run per level`,
    `PUE ${study.pue}, grid ${ci}; manufacturing ${study.embodiedMethod} over ${study.lifetimeYears} years; scope ${study.scope}`,
  ];
  const out = [];
  for (const p of PLOTS) {
    const spec = lineChartSpec({
      title: `${study.infraName}: ${p.title}`,
      subtitle,
      rows: rows.filter((r) => r[p.field] !== '').map((r) => ({ users: r.users, value: r[p.field], series: series(r) })),
      x: { field: 'users', title: `Concurrent users${log ? ' (log scale)' : ''}`, log, ticks: users },
      y: { field: 'value', title: p.yTitle },
      series: { field: 'series', title: 'GPU', order: seriesOrder },
    });
    out.push({ file: p.file, png: await vegaLiteToPng(spec) });
  }
  return out;
}

/** Writes impact.csv and the PNGs into `dir`: everything is rendered first, then each file lands by rename. */
export async function writeImpactStudy(study: ImpactStudy, dir: string): Promise<string[]> {
  const files: { file: string; data: string | Buffer }[] = [{ file: 'impact.csv', data: impactCsv(study) }, ...(await impactPlots(study)).map((p) => ({ file: p.file, data: p.png }))];
  mkdirSync(dir, { recursive: true });
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = atomicTempPath(join(dir, f.file));
      temps.push(tmp);
      writeFileSync(tmp, f.data);
    }
  } catch (err) {
    for (const t of temps) rmSync(t, { force: true });
    throw err;
  }
  return files.map((f, i) => {
    const path = join(dir, f.file);
    renameSync(temps[i], path);
    return path;
  });
}
