// GPU power per busy iteration (energy-model.md §4.1) and its default parameters (§4.4).
import type { Dtype, HardwareSpec } from '../scenario/types.js';
import { InputError } from '../errors.js';
import { findByGpuName, gpuPowerTable } from './factorTables.js';
import type { Factor, GpuPowerParams, GpuRates } from './types.js';

/**
 * Per-GPU power (W) of an iteration lasting `durationS` on `gpuCount` GPUs that did `flops` and moved `hbmBytes` in total:
 *   U_c = F / (Δt·N·peakFlops), U_m = B / (Δt·N·memBandwidth), a = clamp(w_c·U_c + w_m·U_m, 0, 1)
 *   P = P_static + (P_max − P_static)·a^γ, capped at the power limit.
 * The three-state model (LLMServingSim) draws active power whatever the activity.
 */
export function iterationPowerW(p: GpuPowerParams, rates: GpuRates, flops: number, hbmBytes: number, durationS: number, gpuCount: number): number {
  if (p.activity === 'constant-active') return Math.min(p.maxW, p.powerLimitW);
  const computeUtil = flops / (durationS * gpuCount * rates.peakFlopsPerS);
  const memoryUtil = hbmBytes / (durationS * gpuCount * rates.memBandwidthBytesPerS);
  const a = Math.min(1, Math.max(0, p.computeWeight * computeUtil + p.memoryWeight * memoryUtil));
  const shaped = p.gamma === 1 ? a : Math.pow(a, p.gamma);
  return Math.min(p.powerLimitW, p.staticW + (p.maxW - p.staticW) * shaped);
}

export interface GpuPowerOverrides {
  idleW?: number;
  staticW?: number;
  maxW?: number;
  powerLimitW?: number;
  computeWeight?: number;
  memoryWeight?: number;
  gamma?: number;
  standbyS?: number;
}

export interface ResolvedGpuPower {
  params: GpuPowerParams;
  factors: Factor[];
}

/**
 * Utilisation-model parameters for a GPU: explicit overrides, else the calibrated table entry, else the hardware
 * spec's measured idle/loaded powers, else fractions of TDP (0.10 / 0.40 / 0.90).
 */
export function resolveGpuPower(gpu: Pick<HardwareSpec, 'name' | 'tdpW' | 'idlePowerW' | 'loadedPowerW' | 'sources'>, o: GpuPowerOverrides = {}): ResolvedGpuPower {
  if (!(gpu.tdpW > 0)) throw new InputError(`GPU '${gpu.name}' needs tdpW > 0 for the power model, got ${gpu.tdpW}`, { field: 'tdpW' });
  const table = gpuPowerTable();
  const cal = findByGpuName(table.calibrated, gpu.name);
  const fr = table.defaultFractionsOfTdp;
  const factors: Factor[] = [];
  const pick = (level: 'idle' | 'static' | 'max', override: number | undefined, calibrated: number | undefined, spec: number | undefined, specField: string): number => {
    const name = `gpu_${level}_power:${gpu.name}`;
    if (override !== undefined) {
      factors.push({ name, value: override, unit: 'W', source: 'user override', kind: 'user' });
      return override;
    }
    if (cal && calibrated !== undefined) {
      factors.push({ name, value: calibrated, unit: 'W', source: cal.source, kind: cal.kind });
      return calibrated;
    }
    if (spec !== undefined) {
      factors.push({ name, value: spec, unit: 'W', source: gpu.sources?.[specField] ?? `hardware spec ${specField}`, kind: 'datasheet' });
      return spec;
    }
    const value = fr[level].value * gpu.tdpW;
    factors.push({ name, value, unit: 'W', source: `${fr[level].value} × TDP ${gpu.tdpW} W: ${fr[level].source}`, kind: 'derived' });
    return value;
  };
  const idleW = pick('idle', o.idleW, cal?.idleW, gpu.idlePowerW, 'idlePowerW');
  const staticW = pick('static', o.staticW, cal?.staticW, undefined, 'staticPowerW');
  const maxW = pick('max', o.maxW, cal?.maxW, gpu.loadedPowerW, 'loadedPowerW');
  if (!(idleW <= staticW && staticW <= maxW)) {
    throw new InputError(`GPU '${gpu.name}' power levels must satisfy idle <= static <= max, got ${idleW} / ${staticW} / ${maxW} W`, { field: 'power' });
  }
  const params: GpuPowerParams = {
    activity: 'utilization',
    idleW,
    staticW,
    maxW,
    powerLimitW: o.powerLimitW ?? gpu.tdpW,
    computeWeight: o.computeWeight ?? 1,
    memoryWeight: o.memoryWeight ?? 1,
    gamma: o.gamma ?? 1,
    standbyS: o.standbyS ?? Infinity,
  };
  factors.push(
    { name: `gpu_power_limit:${gpu.name}`, value: params.powerLimitW, unit: 'W', source: o.powerLimitW !== undefined ? 'user override' : 'TDP', kind: 'datasheet' },
    { name: 'gpu_activity_weights_wc_wm_gamma', value: params.computeWeight, unit: '1', source: `w_c=${params.computeWeight}, w_m=${params.memoryWeight}, γ=${params.gamma} (vLLM fleet-sim activity = compute_frac + kv_frac)`, kind: 'model' },
  );
  return { params, factors };
}

/** Peak rates of one GPU at a dtype, from the hardware catalog's units (TFLOPS, decimal GB/s). */
export function gpuRates(gpu: Pick<HardwareSpec, 'name' | 'peakTflops' | 'memBandwidthGBps'>, dtype: Dtype): GpuRates {
  // The dtype's own peak; int4 weights compute in int8; a dtype the GPU lacks (0 or absent) falls back to bf16, then fp16.
  const tflops = [gpu.peakTflops[dtype], dtype === 'int4' ? gpu.peakTflops.int8 : undefined, gpu.peakTflops.bf16, gpu.peakTflops.fp16].find((v) => v !== undefined && v > 0);
  if (tflops === undefined || !(gpu.memBandwidthGBps > 0)) {
    throw new InputError(`GPU '${gpu.name}' needs peakTflops.${dtype} and memBandwidthGBps > 0 for the utilisation power model`, { field: 'peakTflops' });
  }
  return { peakFlopsPerS: tflops * 1e12, memBandwidthBytesPerS: gpu.memBandwidthGBps * 1e9 };
}
