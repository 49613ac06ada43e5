// The Sim LLM Benchmark infra JSON (energy-model.md §1.1, §3.1): PUE, user sweep, and per-GPU embodied inputs.
// Mapping: PUE → site PUE; Nb_users → concurrency sweep; MANUFACTURE_DATA "more-than-carbon" → seed-mtc, else seed-legacy;
// tech_node and date_sortie are strings upstream (parsed here); fu spellings are normalised.
import { z } from 'zod';
import { readJsonFile } from '../measured/common.js';
import type { EmbodiedGpuInput } from './embodied.js';

const numeric = z.union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'expected a number or numeric string')]).transform((v) => Number(v));

const gpuSchema = z.looseObject({
  nom: z.string().min(1),
  die_area: z.number().positive(),
  tdp: z.number().positive(),
  tech_node: numeric,
  type_memoire: z.string(),
  taille_memoire: z.number().positive(),
  foundry: z.string().optional(),
  date_sortie: numeric.optional(),
  fu: z.string().optional(),
  density: z.number().positive().optional(),
});

const infraSchema = z.looseObject({
  infra_name: z.string(),
  description: z.string().optional(),
  PUE: z.number().min(1),
  Nb_users: z.array(z.number().int().positive()).min(1),
  MANUFACTURE_DATA: z.string().optional(),
  Models: z.array(z.string()).optional(),
  gpus: z.record(z.string(), gpuSchema).refine((g) => Object.keys(g).length > 0, 'expected at least one GPU'),
});

export type FormFactorClass = 'large-scale' | 'desktop' | 'gaming' | 'edge';

export interface SeedInfra {
  infraName: string;
  pue: number;
  concurrencySweep: number[];
  embodiedMethod: 'seed-mtc' | 'seed-legacy';
  models: string[];
  gpus: (EmbodiedGpuInput & { id: string; foundry?: string; releaseYear?: number; formFactorClass?: FormFactorClass })[];
}

/** "Large scale"/"Large-scale" → large-scale, "Gamming" (sic, upstream) → gaming. */
export function normalizeFormFactor(fu: string | undefined): FormFactorClass | undefined {
  if (fu === undefined) return undefined;
  const k = fu.toLowerCase().replace(/[\s_-]+/g, '');
  if (k === 'largescale') return 'large-scale';
  if (k === 'gaming' || k === 'gamming') return 'gaming';
  if (k === 'desktop') return 'desktop';
  if (k === 'edge') return 'edge';
  return undefined;
}

export function loadSeedInfra(file: string): SeedInfra {
  const j = readJsonFile(file, infraSchema, 'a Sim LLM Benchmark infra JSON');
  return {
    infraName: j.infra_name,
    pue: j.PUE,
    concurrencySweep: j.Nb_users,
    embodiedMethod: j.MANUFACTURE_DATA === 'more-than-carbon' ? 'seed-mtc' : 'seed-legacy',
    models: j.Models ?? [],
    gpus: Object.entries(j.gpus).map(([id, g]) => ({
      id,
      name: g.nom,
      dieAreaMm2: g.die_area,
      tdpW: g.tdp,
      processNodeNm: g.tech_node,
      memType: g.type_memoire,
      memCapacityGB: g.taille_memoire,
      transistorDensityPerMm2: g.density,
      foundry: g.foundry,
      releaseYear: g.date_sortie,
      formFactorClass: normalizeFormFactor(g.fu),
    })),
  };
}
