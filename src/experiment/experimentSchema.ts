// The experiment file: a base scenario, optional named scenarios, a sweep (grid and/or seeded random search), a
// capacity search and the prices used to rank configurations. Every file of an `_extends` chain is checked on its own
// with this schema (strict: unknown fields rejected with the file and path), then the merged result is checked again.
import { z } from 'zod';

/** A partial scenario: its keys are checked against the scenario schema's field tree, its values per run. */
const partialScenario = z.record(z.string(), z.unknown());

const distributionSchema = z.union([
  z.strictObject({ uniform: z.tuple([z.number(), z.number()]) }),
  z.strictObject({ logUniform: z.tuple([z.number().positive(), z.number().positive()]) }),
  z.strictObject({ intUniform: z.tuple([z.number().int(), z.number().int()]) }),
  z.strictObject({ choice: z.array(z.unknown()).min(1) }),
]);
export type Distribution = z.infer<typeof distributionSchema>;

const percentileKey = z.enum(['mean', 'median', 'p90', 'p95', 'p99']);
export type PercentileKey = z.infer<typeof percentileKey>;
/** e.g. ttftMs: { p99: 500 } — every listed percentile must be at or under its limit (ms). */
const sloSchema = z.strictObject({
  ttftMs: z.partialRecord(percentileKey, z.number().positive()).optional(),
  tpotMs: z.partialRecord(percentileKey, z.number().positive()).optional(),
  itlMs: z.partialRecord(percentileKey, z.number().positive()).optional(),
  e2eMs: z.partialRecord(percentileKey, z.number().positive()).optional(),
});
export type Slo = z.infer<typeof sloSchema>;

export const rankKeys = ['capacity', 'throughputPerGpu', 'costPerMTokens', 'energyPerOutputToken'] as const;
export type RankKey = (typeof rankKeys)[number];

const capacitySchema = z.strictObject({
  /** The load field searched: workload.rateQps (open loop) or workload.users (closed loop). */
  over: z.string().min(1),
  low: z.number().positive(),
  high: z.number().positive(),
  /** The answer is low + k·step; it meets the SLO and low + (k+1)·step does not. */
  step: z.number().positive(),
  slo: sloSchema,
  rankBy: z.enum(rankKeys).optional(),
});
export type CapacitySpec = z.infer<typeof capacitySchema>;

const fileShape = {
  _extends: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** Results folder, relative to the file that sets it (default: results/<name> beside the top file). */
  output: z.string().min(1).optional(),
  /** Seed of runs whose scenario sets none (default 0). */
  seed: z.number().int().nonnegative().optional(),
  base: partialScenario.optional(),
  /** Named scenarios, each overlaid on base; the sweep crosses them with its points. */
  scenarios: z.record(z.string().regex(/^[\w.-]+$/, 'scenario names use letters, digits, _ . -'), partialScenario).optional(),
  sweep: z
    .strictObject({
      /** Dotted scenario field → values; the runs are the cartesian product. */
      grid: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
      /** Seeded random search: `samples` points drawn from `space`, added after the grid points. */
      random: z
        .strictObject({ samples: z.number().int().positive(), seed: z.number().int().nonnegative(), space: z.record(z.string(), distributionSchema) })
        .optional(),
    })
    .optional(),
  capacity: capacitySchema.optional(),
  /** Prices for ranking: USD per GPU-hour, one figure or per hardware name. */
  costs: z.strictObject({ gpuHourUsd: z.union([z.number().positive(), z.record(z.string(), z.number().positive())]) }).optional(),
};

/** One file of an `_extends` chain: everything optional. */
export const experimentFileSchema = z.strictObject(fileShape);
export type ExperimentFileContent = z.infer<typeof experimentFileSchema>;

/** The merged experiment: a base scenario is required. */
export const experimentSchema = z.strictObject({ ...fileShape, base: partialScenario });
export type Experiment = Omit<z.infer<typeof experimentSchema>, '_extends'>;
