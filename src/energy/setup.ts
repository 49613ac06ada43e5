// Builds an EnergyModelConfig from hardware specs and a few user choices, filling every unstated factor with a
// documented default and recording it in provenance.
import type { Dtype, HardwareSpec } from '../scenario/types.js';
import { InputError, closestNames } from '../errors.js';
import type { AttributionPolicy, EnergyModelConfig } from './accumulator.js';
import { defaultAmortisation, resolveEmbodied, type EmbodiedEstimate } from './embodied.js';
import { pueTable } from './factorTables.js';
import { gpuRates, resolveGpuPower, type GpuPowerOverrides } from './gpuPower.js';
import { regionGrid, staticGrid, type GridIntensity } from './gridIntensity.js';
import { hostFromNodeSpec, hostPerGpuSlot, noHost, type NodeSpec, type ResolvedHost } from './hostPower.js';
import { llmServingSimHost, threeStateGpuPower, type LlmServingSimPower } from './llmServingSimPower.js';
import type { AmortisationSpec, Factor, InstanceEnergySpec } from './types.js';

export interface EnergyInstanceInput {
  instanceId: number;
  hardware: HardwareSpec;
  gpuCount: number;
  dtype: Dtype;
}

export type HostChoice =
  | { kind: 'per-gpu-slot'; wattsPerGpu?: number }
  | { kind: 'node'; node: NodeSpec }
  | { kind: 'none' };

export interface EnergySetup {
  instances: EnergyInstanceInput[];
  /** LLMServingSim three-state parity: the node's `power` block, its cpu_mem size (GiB) and the instance count sharing it. */
  llmServingSim?: {
    power: LlmServingSimPower;
    hardwareLabel: string;
    cpuMemGiB: number;
    /** Instances per node in config order (instance ids are assigned in that order); default all on one node. */
    instancesPerNode?: number[];
  };
  gpuPower?: GpuPowerOverrides;
  host?: HostChoice; // default per-gpu-slot (150 W, EcoLogits)
  pue?: number | string; // number, or a profile in perf_models/energy/pue.json (default industry-2024 = 1.56)
  grid?: GridIntensity; // default world 475 gCO2e/kWh (CodeCarbon)
  wueOnsiteLPerKWh?: number;
  waterOffsiteLPerKWh?: number;
  linkEnergyPerBitPJ?: number; // default 0: networking excluded like EcoLogits/CodeCarbon
  embodied?: { override?: EmbodiedEstimate; hostShareKg?: number };
  amortisation?: Partial<AmortisationSpec>;
  attribution?: AttributionPolicy;
}

export function resolvePue(pue: number | string | undefined): Factor {
  const table = pueTable();
  if (typeof pue === 'number') {
    if (!(pue >= 1)) throw new InputError(`PUE must be >= 1, got ${pue}`, { field: 'pue' });
    return { name: 'pue', value: pue, unit: '1', source: 'user', kind: 'user' };
  }
  const profile = pue ?? table.default;
  const hit = table.entries.find((e) => e.profile === profile);
  if (!hit) {
    const near = closestNames(profile, table.entries.map((e) => e.profile));
    throw new InputError(`unknown PUE profile '${profile}' (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)`, { field: 'pue' });
  }
  return { name: 'pue', value: hit.value, unit: '1', source: `${hit.source} (${hit.year}; profile '${hit.profile}')`, kind: hit.kind };
}

export function buildEnergyModel(setup: EnergySetup): EnergyModelConfig {
  if (setup.instances.length === 0) throw new InputError('energy model needs at least one instance', { field: 'instances' });
  const factors: Factor[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const addFactors = (fs: Factor[]) => {
    for (const f of fs) {
      const key = `${f.name}|${f.value}`;
      if (!seen.has(key)) {
        seen.add(key);
        factors.push(f);
      }
    }
  };
  const pue = resolvePue(setup.pue);
  addFactors([pue]);
  const grid = setup.grid ?? regionGrid('world');
  addFactors(grid.factors());
  const amort: AmortisationSpec = { ...defaultAmortisation(), ...setup.amortisation };
  addFactors([{ name: 'embodied_lifetime', value: amort.lifetimeYears, unit: 'years', source: setup.amortisation?.lifetimeYears !== undefined ? 'user' : defaultAmortisation().source, kind: 'assumption' }]);
  const linkPJ = setup.linkEnergyPerBitPJ ?? (setup.llmServingSim ? setup.llmServingSim.power.link.energy_per_bit : 0);
  if (linkPJ === 0) warnings.push('link (network) energy is off, as in EcoLogits and CodeCarbon');
  const hostChoice = setup.host ?? { kind: 'per-gpu-slot' };
  // Host power is per node: each instance carries its GPU share of its own node.
  const nodeOf = new Map<number, number>();
  const perNode = setup.llmServingSim?.instancesPerNode;
  if (perNode) {
    const ids = setup.instances.map((i) => i.instanceId).sort((a, b) => a - b);
    let k = 0;
    perNode.forEach((count, node) => {
      for (let j = 0; j < count && k < ids.length; j++) nodeOf.set(ids[k++], node);
    });
  }
  const nodeGpus = new Map<number, number>();
  for (const i of setup.instances) nodeGpus.set(nodeOf.get(i.instanceId) ?? 0, (nodeGpus.get(nodeOf.get(i.instanceId) ?? 0) ?? 0) + i.gpuCount);
  let hostSplit = true;
  const instances: InstanceEnergySpec[] = setup.instances.map((inst) => {
    const hw = inst.hardware;
    let gpu;
    let host: ResolvedHost;
    if (setup.llmServingSim) {
      gpu = threeStateGpuPower(setup.llmServingSim.power, setup.llmServingSim.hardwareLabel);
      const h = llmServingSimHost(setup.llmServingSim.power, setup.llmServingSim.cpuMemGiB, inst.gpuCount / (nodeGpus.get(nodeOf.get(inst.instanceId) ?? 0) as number));
      host = { levels: h.levels, split: true, factors: h.factors };
    } else {
      gpu = resolveGpuPower(hw, setup.gpuPower);
      host = hostChoice.kind === 'node' ? hostFromNodeSpec(hostChoice.node, inst.gpuCount) : hostChoice.kind === 'none' ? noHost() : hostPerGpuSlot(inst.gpuCount, hostChoice.wattsPerGpu);
    }
    if (!host.split) hostSplit = false;
    addFactors(gpu.factors);
    addFactors(host.factors);
    const emb = resolveEmbodied(
      {
        name: hw.name,
        dieAreaMm2: hw.dieAreaMm2,
        processNodeNm: hw.processNodeNm,
        memCapacityGB: hw.memCapacityGiB * 1.073741824,
        memType: hw.memType,
        tdpW: hw.tdpW,
        transistorDensityPerMm2: hw.transistorsBillion && hw.dieAreaMm2 ? (hw.transistorsBillion * 1e9) / hw.dieAreaMm2 : undefined,
      },
      setup.embodied ?? {},
    );
    addFactors(emb.factors);
    for (const w of emb.warnings) if (!warnings.includes(w)) warnings.push(w);
    return {
      instanceId: inst.instanceId,
      gpuName: hw.name,
      gpuCount: inst.gpuCount,
      rates: gpuRates(hw, inst.dtype),
      gpuPower: gpu.params,
      host: host.levels,
      linkEnergyPerBitPJ: linkPJ,
      embodiedKgPerGpu: emb.kgPerGpu,
    };
  });
  if (hostChoice.kind === 'none' && !setup.llmServingSim) warnings.push('host (CPU, RAM, board) energy is not counted: GPU-only accounting');
  return {
    instances,
    site: { pue: pue.value, wueOnsiteLPerKWh: setup.wueOnsiteLPerKWh, waterOffsiteLPerKWh: setup.waterOffsiteLPerKWh },
    grid,
    amortisation: amort,
    hostSplit,
    factors,
    warnings,
    attribution: setup.attribution,
  };
}

export { staticGrid, regionGrid };
