// Embodied carbon per GPU (energy-model.md §6.1–6.2) and its amortisation over a run (§6.4).
import { InputError } from '../errors.js';
import { embodiedTable, findByGpuName } from './factorTables.js';
import type { AmortisationSpec, Factor } from './types.js';

export interface EmbodiedGpuInput {
  name: string;
  dieAreaMm2?: number;
  processNodeNm?: number;
  memCapacityGB?: number;
  memType?: string;
  tdpW?: number;
  transistorDensityPerMm2?: number;
}

export interface EmbodiedEstimate {
  method: 'fixed' | 'seed-legacy' | 'seed-mtc' | 'act';
  kgCO2e: number;
  source: string;
  notes: string[];
}

/** Fixed published value (vendor PCF or LCA) from the bundled table, or undefined. */
export function fixedEmbodied(gpuName: string): EmbodiedEstimate | undefined {
  const hit = findByGpuName(embodiedTable().fixedPerGpu, gpuName);
  return hit && { method: 'fixed', kgCO2e: hit.kgCO2e, source: `${hit.source} [${hit.kind}]`, notes: [] };
}

/**
 * Sim LLM Benchmark legacy (bar_impact.py): mean over candidate per-cm² GWP values v_i of
 * v_i·die_area_cm² + memGB·memFactor[memType]/1000. Candidates come from the user (the xlsx is not bundled).
 * Unlike upstream, no candidates is an error rather than a division by zero.
 */
export function seedLegacyEmbodied(gpu: EmbodiedGpuInput, gwpKgPerCm2Candidates: readonly number[]): EmbodiedEstimate {
  if (gwpKgPerCm2Candidates.length === 0) throw new InputError('seed-legacy embodied needs at least one per-cm² GWP candidate', { field: 'embodied.gwpPerCm2Candidates' });
  const area = need(gpu.dieAreaMm2, gpu.name, 'dieAreaMm2') * 0.01;
  const memGB = need(gpu.memCapacityGB, gpu.name, 'memCapacityGB');
  const table = embodiedTable().seedMemoryGPerGB;
  const memFactor = gpu.memType ? table.values[gpu.memType] : undefined;
  if (memFactor === undefined) {
    throw new InputError(`seed-legacy embodied: no memory factor for type '${gpu.memType}' (have ${Object.keys(table.values).join(', ')})`, { field: 'memType' });
  }
  let sum = 0;
  for (const v of gwpKgPerCm2Candidates) sum += v * area + (memGB * memFactor) / 1000;
  return { method: 'seed-legacy', kgCO2e: sum / gwpKgPerCm2Candidates.length, source: `Sim_LLM_benchmark bar_impact.py; memory ${memFactor} gCO2/GB from ${table.source}`, notes: [] };
}

/** Sim LLM Benchmark "more-than-carbon": 105.0·F_chip + 4.80·F_heatsink, scaled from the A100 SXM4 40GB LCA. */
export function seedMtcEmbodied(gpu: EmbodiedGpuInput): EmbodiedEstimate {
  const t = embodiedTable().seedMtc;
  const die = need(gpu.dieAreaMm2, gpu.name, 'dieAreaMm2');
  const density = need(gpu.transistorDensityPerMm2, gpu.name, 'transistorDensityPerMm2');
  const mem = need(gpu.memCapacityGB, gpu.name, 'memCapacityGB');
  const tdp = need(gpu.tdpW, gpu.name, 'tdpW');
  const fChip = (0.7 * (die * density)) / (t.refDieAreaMm2 * t.refDensityPerMm2) + (0.3 * mem) / t.refMemGB;
  const fHeatsink = tdp / t.refTdpW;
  return {
    method: 'seed-mtc',
    kgCO2e: t.mainDiesKg * fChip + t.heatsinkKg * fHeatsink,
    source: t.source,
    notes: ['seed-mtc scales only main dies and heatsink (drops casing, PCB and transport of the reference LCA)'],
  };
}

/**
 * ACT (Gupta et al., ISCA 2022): CPA = (CI_fab·EPA + GPA + MPA)/yield per cm², GPA at 97 % abatement = mean of the
 * 95 % and 99 % tables; die = area·CPA, + one IC package; + memory per GB (DDR4 10 nm: HBM not covered, low confidence).
 * A node not in the table uses the nearest smaller-or-equal entry (noted).
 */
export function actEmbodied(gpu: EmbodiedGpuInput, opts: { fabCiGPerKWh?: number; yield?: number; memGPerGB?: number } = {}): EmbodiedEstimate {
  const t = embodiedTable().act;
  const nm = need(gpu.processNodeNm, gpu.name, 'processNodeNm');
  const areaCm2 = need(gpu.dieAreaMm2, gpu.name, 'dieAreaMm2') * 0.01;
  const notes: string[] = [];
  const sorted = [...t.nodes].sort((a, b) => b.nm - a.nm);
  const node = sorted.find((n) => n.nm <= nm) ?? sorted[sorted.length - 1];
  if (node.nm !== nm) notes.push(`ACT: process node ${nm} nm not tabulated, used ${node.nm} nm`);
  const ci = opts.fabCiGPerKWh ?? t.fabCiGPerKWh;
  const yld = opts.yield ?? t.yield;
  const gpa = (node.gpa95GPerCm2 + node.gpa99GPerCm2) / 2;
  const cpaGPerCm2 = (ci * node.epaKWhPerCm2 + gpa + t.mpaGPerCm2) / yld;
  const memGB = gpu.memCapacityGB ?? 0;
  const memG = opts.memGPerGB ?? t.memoryGPerGB.value;
  if (memGB > 0) notes.push(`ACT memory factor ${memG} g/GB (${t.memoryGPerGB.source})`);
  return { method: 'act', kgCO2e: (areaCm2 * cpaGPerCm2) / 1000 + t.packageKg + (memGB * memG) / 1000, source: t.source, notes };
}

function need(v: number | undefined, gpu: string, field: string): number {
  if (v === undefined || !(v > 0)) throw new InputError(`GPU '${gpu}' needs ${field} > 0 for this embodied method`, { field });
  return v;
}

export interface ResolvedEmbodied {
  /** GPU plus server share per GPU slot, kg; null when nothing could be estimated. */
  kgPerGpu: number | null;
  gpu: EmbodiedEstimate | null;
  alternatives: EmbodiedEstimate[];
  hostShareKg: number;
  factors: Factor[];
  warnings: string[];
}

/**
 * Default per energy-model.md §6.1: the fixed table when the GPU is in it; else seed-mtc when its inputs are known
 * (whole card, 179.9 kg for H100 vs the 164 kg PCF); else ACT (die + memory only, a lower bound); else unknown. Other computable estimates go to provenance as alternatives.
 */
export function resolveEmbodied(gpu: EmbodiedGpuInput, opts: { hostShareKg?: number; override?: EmbodiedEstimate } = {}): ResolvedEmbodied {
  const t = embodiedTable();
  const candidates: EmbodiedEstimate[] = [];
  const fixed = fixedEmbodied(gpu.name);
  if (fixed) candidates.push(fixed);
  const tryAdd = (f: () => EmbodiedEstimate) => {
    try {
      candidates.push(f());
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
  };
  // Whole-card seed-mtc (scaled from a primary-data A100 LCA) before ACT, which covers die and memory only.
  tryAdd(() => seedMtcEmbodied(gpu));
  tryAdd(() => actEmbodied(gpu));
  const chosen = opts.override ?? candidates[0] ?? null;
  const hostShareKg = opts.hostShareKg ?? t.hostSharePerGpuKg.value;
  const factors: Factor[] = [];
  const warnings: string[] = [];
  if (chosen) {
    factors.push({ name: `embodied_gpu:${gpu.name}`, value: chosen.kgCO2e, unit: 'kgCO2e', source: `${chosen.method}: ${chosen.source}`, kind: chosen.method });
    warnings.push(...chosen.notes);
  } else {
    warnings.push(`no embodied-carbon estimate for GPU '${gpu.name}' (not in the fixed table; die area/process node unknown): embodied carbon reported as null`);
  }
  const alternatives = candidates.filter((c) => c !== chosen);
  for (const alt of alternatives) {
    factors.push({ name: `embodied_gpu_alternative:${alt.method}:${gpu.name}`, value: alt.kgCO2e, unit: 'kgCO2e', source: alt.source, kind: alt.method });
  }
  factors.push({
    name: 'embodied_server_share_per_gpu',
    value: hostShareKg,
    unit: 'kgCO2e',
    source: opts.hostShareKg !== undefined ? 'user' : t.hostSharePerGpuKg.source,
    kind: opts.hostShareKg !== undefined ? 'user' : t.hostSharePerGpuKg.kind,
  });
  return { kgPerGpu: chosen ? chosen.kgCO2e + hostShareKg : null, gpu: chosen, alternatives, hostShareKg, factors, warnings };
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** Amortisation rate in g/s for one device of `kg` over the lifetime; basis 'busy' divides by lifetime utilisation. */
export function embodiedRateGPerS(kg: number, a: AmortisationSpec): number {
  if (!(a.lifetimeYears > 0)) throw new InputError(`lifetimeYears must be > 0, got ${a.lifetimeYears}`, { field: 'amortisation.lifetimeYears' });
  const rate = (1000 * kg) / (a.lifetimeYears * SECONDS_PER_YEAR);
  if (a.basis === 'reservation') return rate;
  const u = a.lifetimeUtilisation;
  if (u === undefined || !(u > 0 && u <= 1)) {
    throw new InputError(`amortisation basis 'busy' needs lifetimeUtilisation in (0, 1], got ${u}`, { field: 'amortisation.lifetimeUtilisation' });
  }
  return rate / u;
}

export function defaultAmortisation(): AmortisationSpec & { source: string } {
  const l = embodiedTable().lifetimeYears;
  return { lifetimeYears: l.value, basis: 'reservation', source: l.source };
}
