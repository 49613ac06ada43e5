// Fits the roofline's three constants (compute efficiency, memory efficiency, per-op launch overhead) to a
// measured profile bundle, so a roofline bundle for the same GPU (or a sibling without measurements) starts from
// measured behaviour. Objective: mean squared log ratio of roofline to profile compute time over batch shapes
// that span decode-heavy (memory-bound) and prefill (compute-bound) steps; grid search (deterministic).
import type { Dtype, HardwareSpec, ModelArch } from '../scenario/types.js';
import { CostModel, COUNTER, type RooflineTuning } from './costModel.js';

export interface CalibrationResult {
  tuning: Required<RooflineTuning>;
  /** root-mean-square of ln(roofline / profile) over the shapes, before (defaults) and after the fit */
  rmsLogErrorDefault: number;
  rmsLogError: number;
  shapes: number;
}

/** (new tokens, computed before) per request: decodes of several batch sizes and contexts, prefills, mixes. */
function calibrationShapes(): [number, number][][] {
  const shapes: [number, number][][] = [];
  for (const n of [1, 8, 32, 128, 256]) for (const kv of [128, 1024, 4096]) shapes.push(Array.from({ length: n }, () => [1, kv]));
  for (const chunk of [16, 64, 256, 512, 1024, 2048]) shapes.push([[chunk, 0]]);
  for (const [chunk, n] of [[512, 32], [1024, 64], [256, 128]]) shapes.push([[chunk, 512], ...Array.from({ length: n }, () => [1, 2048] as [number, number])]);
  return shapes;
}

const COMPUTE_EFFICIENCIES = range(0.3, 1.0, 0.05);
const MEMORY_EFFICIENCIES = range(0.5, 1.0, 0.05);
const LAUNCH_OVERHEADS_NS = [0, 500, 1000, 2000, 3000, 5000, 8000];

export async function calibrateRoofline(opts: {
  perfBundle: string;
  model: ModelArch;
  hardware: HardwareSpec;
  tp: number;
  weightDtype: Dtype;
  kvDtype: Dtype;
}): Promise<CalibrationResult> {
  const base = {
    model: opts.model, hardware: opts.hardware, tp: opts.tp, weightDtype: opts.weightDtype, kvDtype: opts.kvDtype,
    maxBatch: 512, link: opts.tp > 1 ? { bandwidthGBps: 1, latencyNs: 0 } : undefined,
  };
  const shapes = calibrationShapes();
  const profile = await CostModel.load({ ...base, perfBundle: opts.perfBundle });
  const measured = shapes.map((s) => computeNs(profile, s));
  const rmsFor = async (roofline: RooflineTuning) => {
    const cm = await CostModel.load({ ...base, roofline });
    let sum = 0;
    shapes.forEach((s, i) => (sum += Math.log(computeNs(cm, s) / measured[i]) ** 2));
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
  return { tuning: best.tuning, rmsLogErrorDefault: await rmsFor({}), rmsLogError: best.rms, shapes: shapes.length };
}

function computeNs(cm: CostModel, batch: [number, number][]): number {
  batch.forEach(([add, before], i) => {
    cm.newTokens[i] = add;
    cm.computedBefore[i] = before;
  });
  cm.iterate(batch.length);
  return cm.counters[COUNTER.computeNs];
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i++) out.push(Number((from + i * step).toFixed(4)));
  return out;
}
