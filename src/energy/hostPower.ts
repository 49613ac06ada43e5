// Host power (CPU, RAM, base board, NIC, storage, idle links) for the share of a node one instance uses
// (energy-model.md §4.5), as two levels: while the instance's GPUs compute, and while they wait.
import { InputError } from '../errors.js';
import type { Factor, HostPowerLevels } from './types.js';

/** CPU power as a fraction of TDP at utilisation u: Teads/Boavizta curve (0,0.12) (0.10,0.32) (0.50,0.75) (1.00,1.02) [energy-model.md §4.5]. */
export function cpuPowerFraction(u: number): number {
  const xs = [0, 0.1, 0.5, 1];
  const ys = [0.12, 0.32, 0.75, 1.02];
  const x = Math.min(1, Math.max(0, u));
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) return ys[i - 1] + ((ys[i] - ys[i - 1]) * (x - xs[i - 1])) / (xs[i] - xs[i - 1]);
  }
  return ys[ys.length - 1];
}

/** Boavizta RAM power per GB [energy-model.md §4.5]. */
export const RAM_W_PER_GB = 0.284;

export interface NodeSpec {
  gpusInstalled: number;
  cpu?: { tdpW: number; count: number; idleUtil?: number; busyUtil?: number };
  ramGB?: number;
  baseNodePowerW?: number;
  nic?: { count: number; idleW: number };
  storage?: { count: number; idleW: number };
  link?: { count: number; idleW: number };
}

export interface ResolvedHost {
  levels: HostPowerLevels;
  /** False when the host is one lumped number (cpu and ram then unknown: reported as null). */
  split: boolean;
  factors: Factor[];
}

/** Host levels from a node description, allocated by `gpusUsed / gpusInstalled`. CPU utilisation 0.15 idle / 0.70 busy (LLMServingSim defaults). */
export function hostFromNodeSpec(node: NodeSpec, gpusUsed: number): ResolvedHost {
  if (!(node.gpusInstalled >= gpusUsed && gpusUsed > 0)) {
    throw new InputError(`node has ${node.gpusInstalled} GPUs installed but the instance uses ${gpusUsed}`, { field: 'node.gpusInstalled' });
  }
  const share = gpusUsed / node.gpusInstalled;
  const idleUtil = node.cpu?.idleUtil ?? 0.15;
  const busyUtil = node.cpu?.busyUtil ?? 0.7;
  const cpuW = (u: number) => (node.cpu ? node.cpu.count * node.cpu.tdpW * cpuPowerFraction(u) : 0);
  const ramW = (node.ramGB ?? 0) * RAM_W_PER_GB;
  const otherW =
    (node.baseNodePowerW ?? 0) +
    (node.nic ? node.nic.count * node.nic.idleW : 0) +
    (node.storage ? node.storage.count * node.storage.idleW : 0) +
    (node.link ? node.link.count * node.link.idleW : 0);
  const factors: Factor[] = [
    { name: 'host_share', value: share, unit: '1', source: `${gpusUsed} of ${node.gpusInstalled} GPUs of the node`, kind: 'derived' },
    { name: 'ram_power_per_gb', value: RAM_W_PER_GB, unit: 'W/GB', source: 'Boavizta RAM model', kind: 'model' },
  ];
  if (node.cpu) {
    factors.push(
      { name: 'cpu_util_idle', value: idleUtil, unit: '1', source: node.cpu.idleUtil !== undefined ? 'node spec' : 'LLMServingSim 2.0 default cpu util 0.15', kind: 'example' },
      { name: 'cpu_util_busy', value: busyUtil, unit: '1', source: node.cpu.busyUtil !== undefined ? 'node spec' : 'LLMServingSim 2.0 busy cpu util 0.7', kind: 'example' },
    );
  }
  return {
    levels: { cpuIdleW: share * cpuW(idleUtil), cpuBusyW: share * cpuW(busyUtil), ramW: share * ramW, otherW: share * otherW },
    split: true,
    factors,
  };
}

/** EcoLogits shortcut when no node is described: a whole 8×H100 server excluding GPUs draws 1.2 kW → 150 W per GPU slot. */
export const SERVER_W_PER_GPU_SLOT = 150;

export function hostPerGpuSlot(gpusUsed: number, wattsPerGpu = SERVER_W_PER_GPU_SLOT): ResolvedHost {
  return {
    levels: { cpuIdleW: 0, cpuBusyW: 0, ramW: 0, otherW: wattsPerGpu * gpusUsed },
    split: false,
    factors: [
      {
        name: 'server_power_excl_gpu_per_slot',
        value: wattsPerGpu,
        unit: 'W',
        source: wattsPerGpu === SERVER_W_PER_GPU_SLOT ? 'EcoLogits: p5.48xlarge excl. GPUs 1.2 kW / 8 GPU slots' : 'user',
        kind: wattsPerGpu === SERVER_W_PER_GPU_SLOT ? 'derived' : 'user',
      },
    ],
  };
}

/** No host energy (GPU-only accounting, e.g. to compare with a GPU-only measurement). */
export function noHost(): ResolvedHost {
  return { levels: { cpuIdleW: 0, cpuBusyW: 0, ramW: 0, otherW: 0 }, split: false, factors: [] };
}
