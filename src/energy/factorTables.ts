// Loads the bundled factor tables under perf_models/energy/ once, validated with zod.
// Every value there carries its source, so the report can echo it (energy-model.md §2.3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../packageRoot.js';
import { InputError } from '../errors.js';

export const ENERGY_TABLES_DIR = join(PACKAGE_ROOT, 'perf_models', 'energy');

const gridSchema = z.object({
  unit: z.literal('gCO2e/kWh'),
  entries: z.array(
    z.object({ region: z.string(), name: z.string(), value: z.number().positive(), source: z.string(), year: z.number().int(), scope: z.string(), kind: z.string() }),
  ),
});

const pueSchema = z.object({
  default: z.string(),
  entries: z.array(z.object({ profile: z.string(), value: z.number().min(1), source: z.string(), year: z.number().int(), kind: z.string() })),
});

const fraction = z.object({ value: z.number().positive(), source: z.string() });
const gpuPowerSchema = z.object({
  defaultFractionsOfTdp: z.object({ idle: fraction, static: fraction, max: fraction }),
  calibrated: z.array(
    z.object({
      names: z.array(z.string()).min(1),
      tdpW: z.number().positive(),
      idleW: z.number().positive().optional(),
      staticW: z.number().positive().optional(),
      maxW: z.number().positive(),
      source: z.string(),
      kind: z.string(),
    }),
  ),
});

const embodiedSchema = z.object({
  fixedPerGpu: z.array(z.object({ names: z.array(z.string()).min(1), kgCO2e: z.number().positive(), source: z.string(), kind: z.string() })),
  seedMemoryGPerGB: z.object({ source: z.string(), values: z.record(z.string(), z.number().positive()) }),
  seedMtc: z.object({
    source: z.string(),
    mainDiesKg: z.number(),
    heatsinkKg: z.number(),
    refDieAreaMm2: z.number(),
    refDensityPerMm2: z.number(),
    refMemGB: z.number(),
    refTdpW: z.number(),
  }),
  act: z.object({
    source: z.string(),
    fabCiGPerKWh: z.number(),
    mpaGPerCm2: z.number(),
    yield: z.number(),
    packageKg: z.number(),
    nodes: z.array(z.object({ nm: z.number(), epaKWhPerCm2: z.number(), gpa95GPerCm2: z.number(), gpa99GPerCm2: z.number() })),
    memoryGPerGB: z.object({ value: z.number(), source: z.string() }),
  }),
  hostSharePerGpuKg: z.object({ value: z.number(), source: z.string(), kind: z.string() }),
  lifetimeYears: z.object({ value: z.number(), source: z.string(), kind: z.string() }),
});

export type GridTable = z.infer<typeof gridSchema>;
export type PueTable = z.infer<typeof pueSchema>;
export type GpuPowerTable = z.infer<typeof gpuPowerSchema>;
export type EmbodiedTable = z.infer<typeof embodiedSchema>;

const cache = new Map<string, unknown>();

function load<T>(name: string, schema: z.ZodType<T>): T {
  const hit = cache.get(name);
  if (hit) return hit as T;
  const file = join(ENERGY_TABLES_DIR, name);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read factor table: ${(err as Error).message}`, { file });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(issue.message, { file, field: issue.path.join('.') });
  }
  cache.set(name, parsed.data);
  return parsed.data;
}

export const gridTable = (): GridTable => load('grid-intensity.json', gridSchema);
export const pueTable = (): PueTable => load('pue.json', pueSchema);
export const gpuPowerTable = (): GpuPowerTable => load('gpu-power.json', gpuPowerSchema);
export const embodiedTable = (): EmbodiedTable => load('embodied.json', embodiedSchema);

/** Name matching for GPU tables: case, spaces, dashes and underscores do not matter. */
export function normalizeGpuName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function findByGpuName<T extends { names: string[] }>(entries: readonly T[], gpuName: string): T | undefined {
  const key = normalizeGpuName(gpuName);
  return entries.find((e) => e.names.some((n) => normalizeGpuName(n) === key));
}
