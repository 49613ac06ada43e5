// Sim LLM Benchmark (DjoserKhemSimeu/Sim_LLM_benchmark) outputs (energy-model.md §1.1, §9.5):
//  * power logs `consommation_energie_*.csv` (`timestamp` s from start, `gpu_power` W; mW from tegrastats),
//    integrated by the trapezoid rule as the seed's perf_show.py does (one file per GPU);
//  * `global_impacts.csv` (`gpu,model,nb_user,scope,total,usage,manufacturing`, gCO2e) and `global_impacts_mtc.csv`
//    (adds `factor`; GWP in kgCO2e) for the seed's own carbon figures.
// The seed measures GPU power only: IT energy here is GPU energy, and the report says so.
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { finalizeRunReport, summarize, type RunReport } from '../report/runReport.js';
import { measuredPue } from './common.js';
import { CsvColumns, readCsvFile } from './csvTable.js';

export interface PowerTrace {
  file: string;
  energyJ: number;
  durationS: number;
  samples: [number, number][]; // (t s, P W)
}

/** ∫ P dt by the trapezoid rule over the samples (times must not decrease). */
export function trapezoidEnergyJ(timesS: ArrayLike<number>, powerW: ArrayLike<number>): number {
  let e = 0;
  for (let i = 1; i < timesS.length; i++) e += ((timesS[i] - timesS[i - 1]) * (powerW[i] + powerW[i - 1])) / 2;
  return e;
}

export function readPowerTrace(file: string, unit: 'W' | 'mW' = 'W'): PowerTrace {
  const table = readCsvFile(file);
  const c = new CsvColumns(table);
  c.require('timestamp', 'gpu_power');
  if (table.rows.length < 2) throw new InputError(`expected at least 2 power samples, found ${table.rows.length}`, { file });
  const scale = unit === 'mW' ? 1e-3 : 1;
  const t: number[] = [];
  const p: number[] = [];
  for (const row of table.rows) {
    const ts = c.requiredNumber(row, 'timestamp');
    const w = c.requiredNumber(row, 'gpu_power') * scale;
    if (t.length > 0 && ts < t[t.length - 1]) throw new InputError(`timestamps must not decrease (${ts} after ${t[t.length - 1]})`, { file, line: row.line, field: 'timestamp' });
    if (w < 0) throw new InputError(`expected power >= 0, found ${w}`, { file, line: row.line, field: 'gpu_power' });
    t.push(ts);
    p.push(w);
  }
  return { file, energyJ: trapezoidEnergyJ(t, p), durationS: t[t.length - 1] - t[0], samples: t.map((ts, i) => [ts, p[i]]) };
}

export interface SeedImpacts {
  totalG: number;
  usageG: number;
  manufacturingG: number;
  method: 'seed-legacy' | 'seed-mtc';
}

/** The `global` row for one model and user count (GWP rows only in the MTC file, converted kg → g). */
export function readGlobalImpacts(file: string, model: string, nbUsers: number): SeedImpacts {
  const table = readCsvFile(file);
  const c = new CsvColumns(table);
  c.require('gpu', 'model', 'nb_user', 'scope', 'total', 'usage', 'manufacturing');
  const mtc = c.has('factor');
  const rows = table.rows.filter(
    (r) => c.text(r, 'model') === model && c.requiredNumber(r, 'nb_user') === nbUsers && c.text(r, 'scope') === 'global' && (!mtc || c.text(r, 'factor') === 'GWP'),
  );
  if (rows.length === 0) {
    const models = [...new Set(table.rows.map((r) => c.text(r, 'model')))];
    throw new InputError(`no global row for model '${model}' with nb_user ${nbUsers} (models: ${models.join(', ')})`, { file });
  }
  const row = rows[rows.length - 1];
  const k = mtc ? 1000 : 1;
  return {
    totalG: c.requiredNumber(row, 'total') * k,
    usageG: c.requiredNumber(row, 'usage') * k,
    manufacturingG: c.requiredNumber(row, 'manufacturing') * k,
    method: mtc ? 'seed-mtc' : 'seed-legacy',
  };
}

export interface SimLlmBenchmarkOptions {
  unit?: 'W' | 'mW'; // mW for tegrastats logs
  method?: 'nvidia-smi' | 'tegrastats';
  pue?: number; // the infra JSON's PUE
  modelId?: string;
  nbUsers?: number;
  gpuName?: string;
  /** global_impacts[_mtc].csv for the seed's carbon; needs modelId and nbUsers. */
  globalImpacts?: string;
  ciGPerKWh?: number; // to compute operational carbon when no impacts file is given
  /** raw_latencies_<model>.csv (`nb_users, latency` in s) for E2E statistics; needs nbUsers. */
  rawLatencies?: string;
}

/** E2E latencies (ms) of one user count from `raw_latencies_<model>.csv`. */
export function readRawLatenciesMs(file: string, nbUsers: number): number[] {
  const table = readCsvFile(file);
  const c = new CsvColumns(table);
  c.require('nb_users', 'latency');
  const out = table.rows.filter((r) => c.requiredNumber(r, 'nb_users') === nbUsers).map((r) => c.requiredNumber(r, 'latency') * 1000);
  if (out.length === 0) throw new InputError(`no latencies for nb_users ${nbUsers}`, { file, field: 'nb_users' });
  return out;
}

export function importSimLlmBenchmark(powerLogs: string[], opts: SimLlmBenchmarkOptions = {}): RunReport {
  if (powerLogs.length === 0) throw new InputError('give at least one power log (one per GPU)');
  const method = opts.method ?? (opts.unit === 'mW' ? 'tegrastats' : 'nvidia-smi');
  const traces = powerLogs.map((f) => readPowerTrace(f, opts.unit ?? (method === 'tegrastats' ? 'mW' : 'W')));
  const warnings = ['Sim LLM Benchmark measures GPU power only: CPU, RAM and the rest of the host are not included (IT energy = GPU energy)'];
  const factors: RunReport['provenance']['factors'] = [];
  const pue = measuredPue(opts.pue, warnings, factors, 'a Sim LLM Benchmark power log');
  const gpuJ = traces.reduce((a, t) => a + t.energyJ, 0);
  const durationS = Math.max(...traces.map((t) => t.durationS));
  let carbon: RunReport['carbon'] = { operational_gco2e: null, embodied_gco2e: null, total_gco2e: null };
  let ci: number | null = opts.ciGPerKWh ?? null;
  if (opts.globalImpacts) {
    if (opts.modelId === undefined || opts.nbUsers === undefined) throw new InputError('reading global impacts needs the model and the user count', { file: opts.globalImpacts });
    const imp = readGlobalImpacts(opts.globalImpacts, opts.modelId, opts.nbUsers);
    const lifetime = imp.method === 'seed-mtc' ? 3 : 7;
    ci = imp.method === 'seed-mtc' ? 80.1 : 79.1;
    carbon = {
      operational_gco2e: imp.usageG,
      embodied_gco2e: imp.manufacturingG,
      total_gco2e: imp.totalG,
      embodied_method: imp.method,
      lifetime_years: lifetime,
      amortisation_basis: 'reservation',
    };
    factors.push(
      { name: 'grid_intensity', value: ci, unit: 'gCO2e/kWh', source: imp.method === 'seed-mtc' ? 'Sim_LLM_benchmark Electricity_impacts.csv GWP' : 'Sim_LLM_benchmark perf_show.py EGM constant', kind: 'example' },
      { name: 'embodied_lifetime', value: lifetime, unit: 'years', source: imp.method === 'seed-mtc' ? 'Sim_LLM_benchmark MTC 26298 h' : 'Sim_LLM_benchmark legacy 61320 h', kind: 'example' },
    );
    warnings.push(`carbon taken from ${basename(opts.globalImpacts)} as the seed computed it (${imp.method}); intensities are recomputed from those totals`);
  } else if (ci !== null) {
    carbon = { operational_gco2e: ((gpuJ * pue) / 3.6e6) * ci, embodied_gco2e: null, total_gco2e: null };
    factors.push({ name: 'grid_intensity', value: ci, unit: 'gCO2e/kWh', source: 'user', kind: 'user' });
  }
  let requests = 0;
  const performance: RunReport['performance'] = {};
  if (opts.rawLatencies) {
    if (opts.nbUsers === undefined) throw new InputError('reading raw latencies needs the user count', { file: opts.rawLatencies });
    const lat = readRawLatenciesMs(opts.rawLatencies, opts.nbUsers);
    performance.e2e_latency_ms = summarize(lat);
    requests = lat.length;
    warnings.push('Sim LLM Benchmark records no token counts: per-token intensities are unknown');
  }
  const series: [number, number][] = traces.length === 1 ? traces[0].samples : [];
  if (traces.length > 1) warnings.push('several power logs: timeseries omitted (one per GPU would be needed)');
  return finalizeRunReport({
    source: { kind: 'measured', tool: 'Sim_LLM_benchmark', run_id: basename(powerLogs[0]), raw_files: [...powerLogs, ...(opts.globalImpacts ? [opts.globalImpacts] : []), ...(opts.rawLatencies ? [opts.rawLatencies] : [])] },
    scenario: {
      model_id: opts.modelId ?? 'unknown',
      accelerators: [{ name: opts.gpuName ?? 'unknown', count: traces.length }],
      concurrency: opts.nbUsers ?? null,
      site: { pue, ci_gco2e_per_kwh: ci },
    },
    workload: { duration_s: durationS, requests_completed: requests, input_tokens: null, output_tokens: null },
    performance,
    energy: {
      gpu_j: gpuJ,
      cpu_j: null,
      ram_j: null,
      it_total_j: gpuJ,
      facility_overhead_j: gpuJ * (pue - 1),
      facility_total_j: gpuJ * pue,
      mean_gpu_power_w: durationS > 0 ? gpuJ / durationS / traces.length : null,
      method,
      pue_applied_in_source: false,
    },
    carbon,
    timeseries: series.length > 0 ? { power_w: series, component: 'gpu' } : null,
    provenance: { factors, warnings },
  });
}
