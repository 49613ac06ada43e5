// Hardware catalog: perf_models/hardware/<NAME>.json → HardwareSpec, looked up by name or alias, plus the loader for the
// GPU entries of the Sim LLM Benchmark's infra JSON (seed 1, /work/shared/energy-model.md §1.1, §3.1).
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError, closestNames } from '../errors.js';
import { HARDWARE_DIR } from './paths.js';
import type { HardwareSpec } from './types.js';
import { parseJsonText, parseOrThrow } from './zodInput.js';

const positive = z.number().positive();
const tflops = z.number().nonnegative(); // 0 = the dtype is not supported (V100 has no BF16)

const hardwareFileSchema = z.strictObject({
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  vendor: z.string().min(1),
  class: z.enum(['datacenter', 'edge', 'consumer', 'workstation']),
  peakTflops: z.strictObject({
    fp32: tflops,
    tf32: tflops.optional(),
    fp16: tflops,
    bf16: tflops,
    fp8: tflops.optional(),
    int8: tflops.optional(),
    int4: tflops.optional(),
  }),
  memBandwidthGBps: positive,
  memCapacityGiB: positive,
  memType: z.string().min(1),
  tdpW: positive,
  idlePowerW: positive.optional(),
  loadedPowerW: positive.optional(),
  dieAreaMm2: positive.optional(),
  processNodeNm: positive.optional(),
  foundry: z.string().min(1).optional(),
  releaseYear: z.number().int().min(1990).max(2100).optional(),
  transistorsBillion: positive.optional(),
  interconnect: z.strictObject({ nvlinkGBps: positive.optional(), pcieGBps: positive }),
  sources: z.record(z.string(), z.string().min(1)),
});

/** Case-, space- and punctuation-blind key; drops the vendor words nvidia-smi and spec sheets prepend. */
export function hardwareKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/\b(nvidia|geforce|tesla)\b/g, '')
    .replace(/[^a-z0-9]/g, '');
}

/** Parse one hardware JSON text. Every figure given must cite a source. */
export function parseHardwareSpec(text: string, file: string): { spec: HardwareSpec; aliases: string[] } {
  const { aliases, ...spec } = parseOrThrow(hardwareFileSchema, parseJsonText(text, file), file);
  for (const field of Object.keys(spec) as (keyof typeof spec)[]) {
    if (field === 'name' || field === 'vendor' || field === 'class' || field === 'sources') continue;
    if (spec[field] !== undefined && !spec.sources[field]) throw new InputError(`'${field}' has no entry in sources`, { file, field: `sources.${field}` });
  }
  return { spec, aliases };
}

interface CatalogEntry {
  spec: HardwareSpec;
  keys: string[];
}

let catalog: CatalogEntry[] | undefined;

function loadCatalog(): CatalogEntry[] {
  if (catalog) return catalog;
  const entries: CatalogEntry[] = [];
  const owner = new Map<string, string>();
  for (const f of readdirSync(HARDWARE_DIR).filter((n) => n.endsWith('.json')).sort()) {
    const file = join(HARDWARE_DIR, f);
    const { spec, aliases } = parseHardwareSpec(readFileSync(file, 'utf8'), file);
    if (`${spec.name}.json` !== f) throw new InputError(`name '${spec.name}' must match the file name`, { file, field: 'name' });
    const keys = [...new Set([spec.name, ...aliases].map(hardwareKey))];
    for (const k of keys) {
      const prev = owner.get(k);
      if (prev) throw new InputError(`'${k}' already names ${prev}`, { file, field: 'aliases' });
      owner.set(k, spec.name);
    }
    entries.push({ spec, keys });
  }
  catalog = entries;
  return entries;
}

function copy(spec: HardwareSpec): HardwareSpec {
  return structuredClone(spec);
}

/** The bundled hardware, sorted by name. */
export function listHardware(): HardwareSpec[] {
  return loadCatalog().map((e) => copy(e.spec));
}

/** The catalog entry for a name or alias ('H100' → H100-SXM, 'NVIDIA GeForce RTX 4090' → RTX4090), or undefined. */
export function findHardware(name: string): HardwareSpec | undefined {
  const key = hardwareKey(name);
  const entry = loadCatalog().find((e) => e.keys.includes(key));
  return entry ? copy(entry.spec) : undefined;
}

/** Like findHardware, but an unknown name is an InputError with the closest catalog names. */
export function resolveHardware(name: string): HardwareSpec {
  const spec = findHardware(name);
  if (spec) return spec;
  const names = loadCatalog().map((e) => e.spec.name);
  throw new InputError(`unknown hardware '${name}'; did you mean ${closestNames(name, names).map((n) => `'${n}'`).join(', ')}?`, { field: 'hardware' });
}

// ---- Seed 1 infra JSON: gpus: {"0": {nom, die_area, tdp, tech_node, type_memoire, taille_memoire, foundry, date_sortie, fu}} ----

/** Numbers the seed writes either as JSON numbers or as strings ("7", "4N", "2020"). */
const seedNumber = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : parseFloat(v);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative number (or a string starting with one), got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const FU_CLASSES: Record<string, HardwareSpec['class']> = {
  largescale: 'datacenter',
  datacenter: 'datacenter',
  desktop: 'workstation',
  workstation: 'workstation',
  gaming: 'consumer',
  gamming: 'consumer', // the seed's own spelling
  consumer: 'consumer',
  edge: 'edge',
};

const seedGpuSchema = z.looseObject({
  nom: z.string().min(1),
  die_area: seedNumber.optional(), // mm²
  tdp: seedNumber, // W
  tech_node: seedNumber.optional(), // nm
  type_memoire: z.string().min(1).optional(),
  taille_memoire: seedNumber.optional(), // GB as the vendor states memory size (binary: "80 GB" HBM = 80 GiB)
  foundry: z.string().min(1).optional(),
  date_sortie: seedNumber.optional(), // year
  fu: z
    .string()
    .refine((s) => s.toLowerCase().replace(/[^a-z]/g, '') in FU_CLASSES, { message: `expected one of 'Large scale', 'desktop', 'gaming', 'edge'` })
    .optional(),
  density: seedNumber.optional(), // transistors per mm² (newer seed version)
});

const seedInfraSchema = z.looseObject({ gpus: z.record(z.string(), seedGpuSchema) });

/** A GPU from the seed file: what it gives, completed from the catalog entry of the same name when there is one. */
export type SeedHardwareSpec = Pick<HardwareSpec, 'name' | 'tdpW' | 'sources'> & Partial<Omit<HardwareSpec, 'name' | 'tdpW' | 'sources'>>;

export interface SeedGpu {
  id: string; // key under `gpus`
  catalogName?: string; // the catalog entry that filled the missing fields
  spec: SeedHardwareSpec;
}

/** True when every HardwareSpec field is present (a catalog entry filled the performance figures). */
export function isCompleteHardwareSpec(spec: SeedHardwareSpec): spec is HardwareSpec {
  return spec.vendor !== undefined && spec.class !== undefined && spec.peakTflops !== undefined && spec.memBandwidthGBps !== undefined
    && spec.memCapacityGiB !== undefined && spec.memType !== undefined && spec.interconnect !== undefined;
}

/** Map the `gpus` entries of a parsed seed infra JSON. The seed's own values win over the catalog's. */
export function seedGpusFromJson(value: unknown, file: string): SeedGpu[] {
  const infra = parseOrThrow(seedInfraSchema, value, file);
  return Object.entries(infra.gpus).map(([id, g]) => {
    const base = findHardware(g.nom);
    const cite = (seedField: string) => `seed infra JSON ${file} gpus.${id}.${seedField}`;
    const spec: SeedHardwareSpec = base ? { ...base, name: base.name } : { name: g.nom, tdpW: g.tdp, sources: {} };
    const set = <K extends keyof SeedHardwareSpec>(field: K, v: SeedHardwareSpec[K] | undefined, seedField: string) => {
      if (v === undefined) return;
      spec[field] = v;
      spec.sources[field] = cite(seedField);
    };
    set('tdpW', g.tdp, 'tdp');
    set('dieAreaMm2', g.die_area, 'die_area');
    set('processNodeNm', g.tech_node, 'tech_node');
    set('memType', g.type_memoire, 'type_memoire');
    set('memCapacityGiB', g.taille_memoire, 'taille_memoire');
    set('foundry', g.foundry, 'foundry');
    set('releaseYear', g.date_sortie === undefined ? undefined : Math.trunc(g.date_sortie), 'date_sortie');
    set('class', g.fu === undefined ? undefined : FU_CLASSES[g.fu.toLowerCase().replace(/[^a-z]/g, '')], 'fu');
    if (g.density !== undefined) {
      const area = spec.dieAreaMm2;
      if (area !== undefined) set('transistorsBillion', (g.density * area) / 1e9, 'density × die_area');
    }
    return { id, catalogName: base?.name, spec };
  });
}

/** Read a seed infra JSON file and map its GPU entries (see seedGpusFromJson). */
export async function loadSeedInfraGpus(file: string): Promise<SeedGpu[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read seed infra JSON: ${(e as Error).message}`, { file });
  }
  return seedGpusFromJson(parseJsonText(text, file), file);
}
