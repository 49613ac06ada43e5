// Shapes the energy model works with. The engine's records are structurally wider; only the fields read here are named,
// so the engine's IterationRecord / RequestRecord can be passed as they are.

/** One scheduled batch of one instance (all its TP/PP ranks). Times are integer ns; flops/bytes are for the whole instance. */
export interface EnergyIterationRecord {
  instanceId: number;
  startNs: number;
  endNs: number;
  prefillTokens: number;
  decodeTokens: number;
  flops: number;
  hbmBytes: number;
  commBytes: number;
}

/** A finished request, for attributing energy and carbon to it. */
export interface EnergyRequestRecord {
  instanceId: number;
  requestId: number | string;
  inputToks: number;
  outputToks: number;
}

/** A factor the model used, echoed in the report's provenance (energy-model.md §2.3). */
export interface Factor {
  name: string;
  value: number;
  unit: string;
  source: string;
  kind: string;
}

/**
 * Per-GPU power levels (W). `activity: 'utilization'` is the roofline-activity model of energy-model.md §4.1;
 * `'constant-active'` is LLMServingSim 2.0's three-state model (§4.2): every busy iteration draws `maxW` (= active_power).
 */
export interface GpuPowerParams {
  activity: 'utilization' | 'constant-active';
  idleW: number; // bare idle, no CUDA context
  staticW: number; // context + weights resident, between kernels (LLMServingSim: standby_power)
  maxW: number; // saturated (LLMServingSim: active_power)
  powerLimitW: number; // cap on per-iteration power (default TDP)
  computeWeight: number; // w_c
  memoryWeight: number; // w_m
  gamma: number; // activity exponent
  standbyS: number; // static level lasts this long into a gap, then idle (Infinity = weights stay resident)
}

/** Peak rates of one GPU at the serving dtype, for utilisation. */
export interface GpuRates {
  peakFlopsPerS: number;
  memBandwidthBytesPerS: number;
}

/** Host power of the share of a node that one instance uses, split by component (W). Busy = the instance's GPUs compute. */
export interface HostPowerLevels {
  cpuIdleW: number;
  cpuBusyW: number;
  ramW: number;
  otherW: number; // base node power, NIC, storage, idle link power
}

/** Everything the accumulator needs about one instance. */
export interface InstanceEnergySpec {
  instanceId: number;
  gpuName: string;
  gpuCount: number; // TP × PP ranks
  rates: GpuRates;
  gpuPower: GpuPowerParams;
  host: HostPowerLevels;
  linkEnergyPerBitPJ: number; // 0 = link energy off (EcoLogits and CodeCarbon exclude networking)
  embodiedKgPerGpu: number | null; // GPU + its share of the server; null = unknown
}

export interface AmortisationSpec {
  lifetimeYears: number;
  basis: 'reservation' | 'busy';
  lifetimeUtilisation?: number; // only for basis 'busy'
}

export interface SiteEnergySpec {
  pue: number;
  wueOnsiteLPerKWh?: number;
  waterOffsiteLPerKWh?: number;
}
