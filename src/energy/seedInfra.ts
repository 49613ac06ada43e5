// The Sim LLM Benchmark infra JSON (energy-model.md §1.1, §3.1), site side: PUE, user sweep, embodied method, models.
// GPU entries are read by the scenario room's seed parser (seedGpusFromJson), so there is one GPU reading of the file;
// here they become embodied-carbon inputs. MANUFACTURE_DATA "more-than-carbon" → seed-mtc, else seed-legacy.
import { z } from 'zod';
import { seedGpusFromJson } from '../scenario/hardware.js';
import type { HardwareSpec } from '../scenario/types.js';
import { readJsonFile } from '../measured/common.js';
import type { EmbodiedGpuInput } from './embodied.js';

const infraSchema = z.looseObject({
  infra_name: z.string(),
  description: z.string().optional(),
  PUE: z.number().min(1),
  Nb_users: z.array(z.number().int().positive()).min(1),
  MANUFACTURE_DATA: z.string().optional(),
  Models: z.array(z.string()).optional(),
  gpus: z.record(z.string(), z.unknown()).refine((g) => Object.keys(g).length > 0, 'expected at least one GPU'),
});

export interface SeedInfra {
  infraName: string;
  pue: number;
  concurrencySweep: number[];
  embodiedMethod: 'seed-mtc' | 'seed-legacy';
  models: string[];
  gpus: (EmbodiedGpuInput & { id: string; spec: Partial<HardwareSpec> })[];
}

export function loadSeedInfra(file: string): SeedInfra {
  const j = readJsonFile(file, infraSchema, 'a Sim LLM Benchmark infra JSON');
  return {
    infraName: j.infra_name,
    pue: j.PUE,
    concurrencySweep: j.Nb_users,
    embodiedMethod: j.MANUFACTURE_DATA === 'more-than-carbon' ? 'seed-mtc' : 'seed-legacy',
    models: j.Models ?? [],
    gpus: seedGpusFromJson(j, file).map(({ id, spec }) => ({
      id,
      spec,
      name: spec.name,
      dieAreaMm2: spec.dieAreaMm2,
      tdpW: spec.tdpW,
      processNodeNm: spec.processNodeNm,
      memType: spec.memType,
      // the seed formulas use taille_memoire as written (A100 "40 GB" is the reference), which the parser keeps as is
      memCapacityGB: spec.memCapacityGiB,
      transistorDensityPerMm2: spec.transistorsBillion !== undefined && spec.dieAreaMm2 ? (spec.transistorsBillion * 1e9) / spec.dieAreaMm2 : undefined,
    })),
  };
}
