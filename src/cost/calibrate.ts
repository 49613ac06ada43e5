// Fits the roofline's three constants (compute efficiency, memory efficiency, per-op launch overhead) to a
// measured profile, so a roofline bundle for the same GPU (or a sibling without measurements) starts from measured
// behaviour. Objective: root-mean-square log ratio of roofline to profile time over batch shapes; grid search
// (deterministic). What is compared depends on the profile:
//   * an LLMServingSim 2.0 bundle: the whole iteration's compute, over decode-heavy (memory-bound), prefill
//     (compute-bound) and mixed steps;
//   * a v0.2.1 / llm-profile CSV: only the per-token layers (embedding, norms, projections, MLP, lm_head) at
//     1..2048 tokens. Its rope/attn rows are per-request HuggingFace eager kernels (one call per request, quadratic
//     in the context), a different algorithm from the batched FlashAttention the roofline and the 2.0 bundles
//     model, so they are left out of the fit (src/cost/v021Csv.ts describes the format).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Dtype, HardwareSpec, ModelArch } from '../scenario/types.js';
import { CostModel, COUNTER, type RooflineTuning } from './costModel.js';
import { PACKAGE_ROOT } from '../packageRoot.js';
import type { CalibrationProvenance } from './perfModelBuild.js';

export interface CalibrationResult {
  tuning: Required<RooflineTuning>;
  /** root-mean-square of ln(roofline / profile) over the shapes, before (defaults) and after the fit */
  rmsLogErrorDefault: number;
  rmsLogError: number;
  shapes: number;
  /** what was compared: whole iterations (2.0 bundle) or the per-token layers (v0.2.1 CSV) */
  objective: 'iteration-compute' | 'per-token-layers';
}

type Batch = [number, number][];

/** (new tokens, computed before) per request: decodes of several batch sizes and contexts, prefills, mixes. */
function iterationShapes(): Batch[] {
  const shapes: Batch[] = [];
  for (const n of [1, 8, 32, 128, 256]) for (const kv of [128, 1024, 4096]) shapes.push(Array.from({ length: n }, () => [1, kv]));
  for (const chunk of [16, 64, 256, 512, 1024, 2048]) shapes.push([[chunk, 0]]);
  for (const [chunk, n] of [[512, 32], [1024, 64], [256, 128]]) shapes.push([[chunk, 512], ...Array.from({ length: n }, () => [1, 2048] as [number, number])]);
  return shapes;
}

/** T one-token requests with no history: every per-token layer and lm_head see T rows (v0.2.1's `input` = T). */
function perTokenShapes(): Batch[] {
  return [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048].map((t) => Array.from({ length: t }, () => [1, 0] as [number, number]));
}

const COMPUTE_EFFICIENCIES = range(0.3, 1.0, 0.05);
const MEMORY_EFFICIENCIES = range(0.5, 1.0, 0.05);
// Up to 40 µs: the v0.2.1 profiles time each op through the PyTorch profiler, ~10-17 µs even for a 1-token RMSNorm,
// and split what the roofline counts as one op (q/k/v, gate/up) into several.
const LAUNCH_OVERHEADS_NS = [0, 500, 1000, 2000, 3000, 5000, 8000, 12000, 16000, 20000, 25000, 30000, 40000];

export async function calibrateRoofline(opts: {
  /** the measured profile: an LLMServingSim 2.0 variant folder, or a v0.2.1 / llm-profile CSV (exactly one) */
  perfBundle?: string;
  perfCsv?: string;
  model: ModelArch;
  hardware: HardwareSpec;
  tp: number;
  weightDtype: Dtype;
  kvDtype: Dtype;
}): Promise<CalibrationResult> {
  const objective = opts.perfCsv ? 'per-token-layers' : 'iteration-compute';
  const base = {
    model: opts.model, hardware: opts.hardware, tp: opts.tp, weightDtype: opts.weightDtype, kvDtype: opts.kvDtype,
    maxBatch: 2048, link: opts.tp > 1 ? { bandwidthGBps: 1, latencyNs: 0 } : undefined,
  };
  const shapes = objective === 'per-token-layers' ? perTokenShapes() : iterationShapes();
  const layers = opts.model.numLayers;
  const measure = objective === 'per-token-layers' ? (cm: CostModel, b: Batch) => perTokenLayersNs(cm, b, layers) : computeNs;
  const profile = await CostModel.load({ ...base, perfBundle: opts.perfBundle, perfCsv: opts.perfCsv });
  const measured = shapes.map((s) => measure(profile, s));
  const rmsFor = async (roofline: RooflineTuning) => {
    const cm = await CostModel.load({ ...base, roofline });
    let sum = 0;
    shapes.forEach((s, i) => (sum += Math.log(measure(cm, s) / measured[i]) ** 2));
    return Math.sqrt(sum / shapes.length);
  };
  let best = { tuning: { computeEfficiency: 0.7, memoryEfficiency: 0.85, launchOverheadNs: 2000 }, rms: Infinity };
  for (const computeEfficiency of COMPUTE_EFFICIENCIES) {
    for (const memoryEfficiency of MEMORY_EFFICIENCIES) {
      for (const launchOverheadNs of LAUNCH_OVERHEADS_NS) {
        const tuning = { computeEfficiency, memoryEfficiency, launchOverheadNs };
        const rms = await rmsFor(tuning);
        if (rms < best.rms) best = { tuning, rms };
      }
    }
  }
  return { tuning: best.tuning, rmsLogErrorDefault: await rmsFor({}), rmsLogError: best.rms, shapes: shapes.length, objective };
}

function load(cm: CostModel, batch: Batch): void {
  batch.forEach(([add, before], i) => {
    cm.newTokens[i] = add;
    cm.computedBefore[i] = before;
  });
  cm.iterate(batch.length);
}

function computeNs(cm: CostModel, batch: Batch): number {
  load(cm, batch);
  return cm.counters[COUNTER.computeNs];
}

// Iteration compute without rope, attention and the sampler. For a v0.2.1 CSV the kernel's breakdown holds the
// per-request rope / attn sums in rotary_emb / attention and final_layernorm + lm_head in lm_head (kernel.cc).
function perTokenLayersNs(cm: CostModel, batch: Batch, numLayers: number): number {
  load(cm, batch);
  const b = cm.breakdown();
  return cm.counters[COUNTER.computeNs] - b.sampler_ns - numLayers * (b.rotary_emb_ns + b.attention_ns);
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i++) out.push(Number((from + i * step).toFixed(4)));
  return out;
}

/** Calibrate on a measured profile (a 2.0 variant folder or a v0.2.1 CSV, told apart by the path) and describe where
 *  the constants come from: the profile's path relative to the package root (the same on every machine with the
 *  repository's layout), a sha256 of the CSV (or of the bundle's meta.yaml), the measured GPU and the fit error. */
export async function calibrateWithProvenance(opts: {
  profile: string;
  model: ModelArch;
  measuredHardware: HardwareSpec;
  tp: number;
  weightDtype: Dtype;
  kvDtype: Dtype;
}): Promise<{ fit: CalibrationResult; provenance: CalibrationProvenance }> {
  const isCsv = !statSync(opts.profile, { throwIfNoEntry: false })?.isDirectory();
  const fit = await calibrateRoofline({
    ...(isCsv ? { perfCsv: opts.profile } : { perfBundle: opts.profile }),
    model: opts.model, hardware: opts.measuredHardware, tp: opts.tp, weightDtype: opts.weightDtype, kvDtype: opts.kvDtype,
  });
  const hashed = isCsv ? opts.profile : join(opts.profile, 'meta.yaml');
  return {
    fit,
    provenance: {
      from: relative(PACKAGE_ROOT, resolve(opts.profile)).split(sep).join('/'),
      sourceSha256: createHash('sha256').update(readFileSync(hashed)).digest('hex'),
      measuredHardware: opts.measuredHardware.name,
      objective: fit.objective,
      rmsLogError: fit.rmsLogError,
      rmsLogErrorDefault: fit.rmsLogErrorDefault,
    },
  };
}
