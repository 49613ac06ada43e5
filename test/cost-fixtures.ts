// Shared fixtures of the cost-model tests: Llama-3.1-8B, two GPUs, and where the reference data lives.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import type { HardwareSpec, ModelArch } from '../src/scenario/types.js';

export const REFERENCE = join(PACKAGE_ROOT, '..', 'shared', 'reference');
export const HAS_REFERENCE = existsSync(REFERENCE);
export const NO_REFERENCE_REASON = `reference data not found at ${REFERENCE}`;
export const PERF_ROOT = join(REFERENCE, 'llmservingsim2', 'profiler', 'perf');
export const bundleDir = (hw: string) => join(PERF_ROOT, hw, 'meta-llama', 'Llama-3.1-8B', 'bf16');

export const LLAMA_8B: ModelArch = {
  name: 'llama-3.1-8b',
  hfId: 'meta-llama/Llama-3.1-8B',
  modelType: 'llama',
  hiddenSize: 4096,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 8,
  headDim: 128,
  intermediateSize: 14336,
  vocabSize: 128256,
  maxPositionEmbeddings: 131072,
  tieWordEmbeddings: false,
  torchDtype: 'bf16',
};

function gpu(name: string, bf16Tflops: number, memBandwidthGBps: number, memCapacityGiB: number): HardwareSpec {
  return {
    name,
    vendor: 'NVIDIA',
    class: 'consumer',
    peakTflops: { fp32: bf16Tflops / 2, fp16: bf16Tflops, bf16: bf16Tflops, fp8: bf16Tflops * 2 },
    memBandwidthGBps,
    memCapacityGiB,
    memType: 'GDDR',
    tdpW: 450,
    interconnect: { pcieGBps: 32 },
    sources: { all: 'test fixture' },
  };
}
// Dense tensor-core peaks with fp32 accumulation are not needed to the digit here: only the roofline uses them.
export const RTX4090 = gpu('RTX4090', 165.2, 1008, 24);
export const RTXPRO6000 = gpu('RTXPRO6000', 503.8, 1597, 96);

/** The validation configs' cluster numbers (bench/examples/<hw>/Llama-3.1-8B/config.json). */
export const VALIDATION = {
  RTX4090: { link: { bandwidthGBps: 16, latencyNs: 1000 }, npuMemBwGBps: 1008, hostMem: { bandwidthGBps: 50, latencyNs: 0 } },
  RTXPRO6000: { link: { bandwidthGBps: 16, latencyNs: 20000 }, npuMemBwGBps: 1597, hostMem: { bandwidthGBps: 256, latencyNs: 0 } },
} as const;
