// Writes an LLMServingSim-2.0-layout profile bundle (reference README §1) whose times come from ServeSim's
// roofline, on the same grids as the shipped bundles, so hardware without measurements gets a bundle that the
// same lookup code reads; and lists the bundles found under a directory.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from '../atomicFile.js';
import { InputError } from '../errors.js';
import type { Dtype, HardwareSpec, ModelArch } from '../scenario/types.js';
import { CostModel, type RooflineTuning } from './costModel.js';
import { isDir } from './perfBundle.js';
import { DENSE_LAYERS, PER_SEQUENCE_LAYERS } from './slots.js';

/** dense.csv token grid: 1–16 step 1, 20–64 step 4, 80–2048 step 16 (README §1.3). */
export const DENSE_TOKEN_GRID = [...range(1, 16, 1), ...range(20, 64, 4), ...range(80, 2048, 16)];
/** per_sequence.csv grid: 1–16 step 1, 20–64 step 4, 80–256 step 16 (README §1.4). */
export const SEQUENCE_GRID = [...range(1, 16, 1), ...range(20, 64, 4), ...range(80, 256, 16)];
/** attention.csv axes (README §1.5, RTX4090 bundle): doubling grids. */
export const PREFILL_CHUNK_GRID = [0, ...doubling(16, 2048)];
export const KV_GRID = [0, ...doubling(16, 16384)];
export const N_DECODE_GRID = [0, 1, ...doubling(2, 256)];
const MAX_MIXED_DECODES = 128; // the mixed slices with n_decode = 256 are absent (README §1.5)

export interface BuildOptions {
  model: ModelArch;
  hardware: HardwareSpec;
  tp: number;
  weightDtype: Dtype;
  kvDtype: Dtype;
  outRoot: string; // bundles go to <outRoot>/<hardware>/<hf org>/<model>/<variant>
  roofline?: RooflineTuning;
  /** provenance of `roofline` when it was fitted to a measured profile (recorded in meta.yaml) */
  calibration?: CalibrationProvenance;
}

/** Where a bundle's roofline constants come from; only these numbers and names enter meta.yaml, never profile rows. */
export interface CalibrationProvenance {
  from: string; // the measured profile, as a path relative to the package root (the same wherever the repo sits)
  sourceSha256?: string; // of the CSV, or of a 2.0 bundle's meta.yaml
  measuredHardware: string; // the GPU the measurements are of (may differ from the bundle's)
  objective: string; // what was compared (calibrate.ts)
  rmsLogError: number;
  rmsLogErrorDefault: number;
}

export interface BuildResult {
  variantDir: string;
  rows: { dense: number; perSequence: number; attention: number };
}

/** Variant folder name of README §1.1: the weight dtype, plus -kvfp8 for an fp8 KV cache. */
export function variantName(weightDtype: Dtype, kvDtype: Dtype): string {
  return weightDtype + (kvDtype === 'fp8' ? '-kvfp8' : '');
}

export async function buildRooflineBundle(opts: BuildOptions): Promise<BuildResult> {
  const { model, hardware, tp } = opts;
  const cm = await CostModel.load({
    model, hardware, weightDtype: opts.weightDtype, kvDtype: opts.kvDtype, tp, maxBatch: 512, roofline: opts.roofline,
    // compute only, like the profiler's shots (README §1.1): the link is needed by tp > 1 but not used here
    link: tp > 1 ? { bandwidthGBps: 1, latencyNs: 0 } : undefined,
  });
  const sources = cm.layerSources();
  const timeUs = (ns: number) => (ns / 1000).toFixed(3); // integer ns survive the loader's round(us * 1000)

  const denseLayers = DENSE_LAYERS.filter((l) => sources[l] !== 'absent');
  const dense: string[] = ['layer,tokens,time_us'];
  for (const tokens of DENSE_TOKEN_GRID) {
    const b = run(cm, [[tokens, 0]]); // dense layers depend on the token count only
    for (const layer of denseLayers) dense.push(`${layer},${tokens},${timeUs(b[`${layer}_ns`])}`);
  }
  dense.splice(1, dense.length - 1, ...sortByLayer(dense.slice(1)));

  const perSeq: string[] = ['layer,sequences,time_us'];
  for (const layer of PER_SEQUENCE_LAYERS) {
    for (const seqs of SEQUENCE_GRID) {
      const b = run(cm, Array.from({ length: seqs }, () => [1, 0] as [number, number]));
      perSeq.push(`${layer},${seqs},${timeUs(b[`${layer}_ns`])}`);
    }
  }

  const attention: string[] = ['prefill_chunk,kv_prefill,n_decode,kv_decode,time_us'];
  for (const pc of PREFILL_CHUNK_GRID) {
    for (const nd of N_DECODE_GRID) {
      if (pc === 0 && nd === 0) continue;
      if (pc > 0 && nd > MAX_MIXED_DECODES) continue;
      for (const kp of pc === 0 ? [0] : KV_GRID) {
        for (const kv of nd === 0 ? [0] : KV_GRID.slice(1)) {
          const batch: [number, number][] = Array.from({ length: nd }, () => [1, kv] as [number, number]);
          if (pc > 0) batch.push([pc, kp]);
          attention.push(`${pc},${kp},${nd},${kv},${timeUs(run(cm, batch).attention_ns)}`);
        }
      }
    }
  }

  const variant = variantName(opts.weightDtype, opts.kvDtype);
  const variantDir = join(opts.outRoot, hardware.name, model.hfId, variant);
  const tpDir = join(variantDir, `tp${tp}`);
  mkdirSync(tpDir, { recursive: true });
  writeFileAtomic(join(tpDir, 'dense.csv'), dense.join('\n') + '\n');
  writeFileAtomic(join(tpDir, 'per_sequence.csv'), perSeq.join('\n') + '\n');
  writeFileAtomic(join(tpDir, 'attention.csv'), attention.join('\n') + '\n');
  writeFileAtomic(join(variantDir, 'meta.yaml'), metaYaml(opts, variant, join(variantDir, 'meta.yaml')));
  return { variantDir, rows: { dense: dense.length - 1, perSequence: perSeq.length - 1, attention: attention.length - 1 } };
}

const tuningSchema = z.object({
  roofline: z.object({ compute_efficiency: z.number(), memory_efficiency: z.number(), launch_overhead_ns: z.number() }),
  calibration: z
    .object({
      from: z.string(),
      source_sha256: z.string().optional(),
      measured_hardware: z.string(),
      objective: z.string(),
      rms_log_error: z.number(),
      rms_log_error_uncalibrated: z.number(),
    })
    .optional(),
});

/** The roofline constants and their calibration provenance from a ServeSim-built bundle's meta.yaml, so a bundle can
 *  be rebuilt exactly without the measurements it was fitted to (`sim perf-model build --roofline-from`). */
export function readRooflineTuning(metaFile: string): { roofline: Required<RooflineTuning>; calibration?: CalibrationProvenance } {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(metaFile, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read a ServeSim bundle meta.yaml: ${(err as Error).message.split('\n')[0]}`, { file: metaFile });
  }
  const parsed = tuningSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`not a ServeSim roofline bundle's meta.yaml: ${issue.message}`, { file: metaFile, field: issue.path.join('.') });
  }
  const { roofline: r, calibration: c } = parsed.data;
  return {
    roofline: { computeEfficiency: r.compute_efficiency, memoryEfficiency: r.memory_efficiency, launchOverheadNs: r.launch_overhead_ns },
    calibration: c && {
      from: c.from,
      sourceSha256: c.source_sha256,
      measuredHardware: c.measured_hardware,
      objective: c.objective,
      rmsLogError: c.rms_log_error,
      rmsLogErrorDefault: c.rms_log_error_uncalibrated,
    },
  };
}

export interface BundleListing {
  variantDir: string;
  hardware: string;
  model: string;
  variant: string;
  tpDegrees: number[];
  generator: string;
}

/** Every <root>/<hw>/<org>/<model>/<variant>/meta.yaml under root (four levels down). */
export function listPerfBundles(root: string): BundleListing[] {
  const out: BundleListing[] = [];
  const subdirs = (dir: string) => (isDir(dir) ? readdirSync(dir).filter((f) => isDir(join(dir, f))).sort() : []);
  for (const hw of subdirs(root)) {
    for (const org of subdirs(join(root, hw))) {
      for (const model of subdirs(join(root, hw, org))) {
        for (const variant of subdirs(join(root, hw, org, model))) {
          const variantDir = join(root, hw, org, model, variant);
          const metaFile = join(variantDir, 'meta.yaml');
          if (!existsSync(metaFile)) continue;
          let meta: Record<string, unknown> = {};
          try {
            meta = (parseYaml(readFileSync(metaFile, 'utf8')) ?? {}) as Record<string, unknown>;
          } catch {
            // listed with what the folder names say; loading it will report the YAML error
          }
          const tps = subdirs(variantDir).filter((d) => /^tp\d+$/.test(d)).map((d) => Number(d.slice(2))).sort((a, b) => a - b);
          const generator = typeof meta.generator === 'string' ? meta.generator : `LLMServingSim profiler ${meta.profiler_version ?? '?'} (vLLM ${meta.vllm_version ?? '?'})`;
          out.push({ variantDir, hardware: hw, model: `${org}/${model}`, variant, tpDegrees: tps, generator });
        }
      }
    }
  }
  return out;
}

function run(cm: CostModel, batch: [number, number][]): Record<string, number> {
  batch.forEach(([add, before], i) => {
    cm.newTokens[i] = add;
    cm.computedBefore[i] = before;
  });
  cm.iterate(batch.length);
  return cm.breakdown() as Record<string, number>;
}

function sortByLayer(rows: string[]): string[] {
  const layerOf = (r: string) => r.slice(0, r.indexOf(','));
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => layerOf(a.r).localeCompare(layerOf(b.r)) || a.i - b.i)
    .map((x) => x.r);
}

function metaYaml(opts: BuildOptions, variant: string, existingFile: string): string {
  let tps = [opts.tp];
  if (existsSync(existingFile)) {
    try {
      const old = parseYaml(readFileSync(existingFile, 'utf8')) as { tp_degrees?: number[] };
      tps = [...new Set([...(old.tp_degrees ?? []), opts.tp])].sort((a, b) => a - b);
    } catch {
      // an unreadable old meta.yaml is replaced
    }
  }
  const tuning = { computeEfficiency: 0.7, memoryEfficiency: 0.85, launchOverheadNs: 2000, ...opts.roofline };
  const meta = {
    generator: 'servesim roofline (sim perf-model build)',
    hardware: opts.hardware.name,
    model: opts.model.hfId,
    architecture: opts.model.modelType,
    variant,
    tp_degrees: tps,
    engine_effective: { max_num_batched_tokens: 2048, max_num_seqs: 256 },
    attention_grid: { max_kv: 16384, chunks: '0, 16-2048 x2', n_decode: '0, 1-256 x2', kv: '0, 16-16384 x2' },
    roofline: {
      peak_tflops: opts.hardware.peakTflops,
      mem_bandwidth_GBps: opts.hardware.memBandwidthGBps,
      compute_efficiency: tuning.computeEfficiency,
      memory_efficiency: tuning.memoryEfficiency,
      launch_overhead_ns: tuning.launchOverheadNs,
      weight_dtype: opts.weightDtype,
      kv_dtype: opts.kvDtype,
    },
    ...(opts.calibration && {
      calibration: {
        from: opts.calibration.from,
        ...(opts.calibration.sourceSha256 && { source_sha256: opts.calibration.sourceSha256 }),
        measured_hardware: opts.calibration.measuredHardware,
        objective: opts.calibration.objective,
        rms_log_error: Number(opts.calibration.rmsLogError.toFixed(4)),
        rms_log_error_uncalibrated: Number(opts.calibration.rmsLogErrorDefault.toFixed(4)),
      },
    }),
    skew_fit: { enabled: false },
  };
  return stringifyYaml(meta);
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

function doubling(from: number, to: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v *= 2) out.push(v);
  return out;
}

