// LLMServingSim 2.0's `power` block of a cluster-config node (reference README §10, energy-model.md §4.2), read into
// the three-state GPU parameters and host levels used here.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { Factor, GpuPowerParams, HostPowerLevels } from './types.js';

const nonNeg = z.number().nonnegative();
export const llmServingSimPowerSchema = z.object({
  base_node_power: nonNeg,
  npu: z.record(z.string(), z.object({ idle_power: nonNeg, standby_power: nonNeg, active_power: nonNeg, standby_duration: nonNeg })),
  cpu: z.object({ idle_power: nonNeg, active_power: nonNeg, util: z.number().min(0).max(1) }),
  dram: z.object({ dimm_size: z.number().positive(), idle_power: nonNeg, energy_per_bit: nonNeg }),
  link: z.object({ num_links: z.number().int().nonnegative(), idle_power: nonNeg, energy_per_bit: nonNeg }),
  nic: z.object({ num_nics: z.number().int().nonnegative(), idle_power: nonNeg }),
  storage: z.object({ num_devices: z.number().int().nonnegative(), idle_power: nonNeg }),
});
export type LlmServingSimPower = z.infer<typeof llmServingSimPowerSchema>;

/** Validates a `power` block; `where` names the file and JSON path for errors. */
export function parseLlmServingSimPower(raw: unknown, where: { file?: string; field?: string } = {}): LlmServingSimPower {
  const parsed = llmServingSimPowerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [where.field ?? 'power', ...issue.path.map(String)].join('.');
    throw new InputError(`${issue.message}`, { file: where.file, field: path });
  }
  return parsed.data;
}

/** Three-state GPU parameters. `standby_duration` is read as seconds, as LLMServingSim's code does (its docs say ns). */
export function threeStateGpuPower(power: LlmServingSimPower, hardware: string, file?: string): { params: GpuPowerParams; factors: Factor[] } {
  const npu = power.npu[hardware];
  if (!npu) {
    throw new InputError(`no power entry for hardware '${hardware}' (have ${Object.keys(power.npu).join(', ') || 'none'})`, { file, field: 'power.npu' });
  }
  const src = 'LLMServingSim 2.0 cluster config power.npu';
  return {
    params: {
      activity: 'constant-active',
      idleW: npu.idle_power,
      staticW: npu.standby_power,
      maxW: npu.active_power,
      powerLimitW: Infinity,
      computeWeight: 0,
      memoryWeight: 0,
      gamma: 1,
      standbyS: npu.standby_duration,
    },
    factors: [
      { name: `gpu_idle_power:${hardware}`, value: npu.idle_power, unit: 'W', source: src, kind: 'config' },
      { name: `gpu_standby_power:${hardware}`, value: npu.standby_power, unit: 'W', source: src, kind: 'config' },
      { name: `gpu_active_power:${hardware}`, value: npu.active_power, unit: 'W', source: src, kind: 'config' },
      { name: `gpu_standby_duration:${hardware}`, value: npu.standby_duration, unit: 's', source: `${src} (read as seconds like upstream code; docs say ns)`, kind: 'config' },
    ],
  };
}

/**
 * Host levels for one instance on a node with `cpuMemGiB` of host memory, holding `share` of the node.
 * LLMServingSim: base = base_node_power + cpu idle + (active − idle)·util + dram idle × ⌊mem/dimm⌋ + link/nic/storage idle;
 * each busy layer adds CPU (active − idle)·max(0.7 − util, 0). So busy CPU = idle + (active − idle)·max(util, 0.7).
 * The busy increment is per instance there (not shared), and is kept so here for parity.
 */
export function llmServingSimHost(power: LlmServingSimPower, cpuMemGiB: number, share: number): { levels: HostPowerLevels; factors: Factor[] } {
  const cpuBaseW = power.cpu.idle_power + (power.cpu.active_power - power.cpu.idle_power) * power.cpu.util;
  const cpuBusyExtraW = (power.cpu.active_power - power.cpu.idle_power) * Math.max(0.7 - power.cpu.util, 0);
  const dimms = Math.floor(cpuMemGiB / power.dram.dimm_size);
  const otherW =
    power.base_node_power + power.link.idle_power * power.link.num_links + power.nic.idle_power * power.nic.num_nics + power.storage.idle_power * power.storage.num_devices;
  const src = 'LLMServingSim 2.0 cluster config power';
  return {
    levels: { cpuIdleW: share * cpuBaseW, cpuBusyW: share * cpuBaseW + cpuBusyExtraW, ramW: share * power.dram.idle_power * dimms, otherW: share * otherW },
    factors: [
      { name: 'host_base_node_power', value: power.base_node_power, unit: 'W', source: src, kind: 'config' },
      { name: 'cpu_power_idle_level', value: cpuBaseW, unit: 'W', source: `${src}: cpu idle + (active − idle)·util`, kind: 'derived' },
      { name: 'dram_idle_power_total', value: power.dram.idle_power * dimms, unit: 'W', source: `${src}: ${dimms} DIMMs × ${power.dram.idle_power} W`, kind: 'derived' },
      { name: 'link_energy_per_bit', value: power.link.energy_per_bit, unit: 'pJ/bit', source: src, kind: 'config' },
    ],
  };
}

/**
 * The `power` block of an LLMServingSim cluster config, if every node has one (as LLMServingSim requires to enable
 * it). Nodes must share one block here (the energy setup applies one to all instances).
 */
export function powerFromClusterConfig(
  raw: unknown,
  file: string,
): { power: LlmServingSimPower; hardwareLabel: string; cpuMemGiB: number; instancesPerNode: number[] } | null {
  const nodes = (raw as { nodes?: unknown })?.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return null;
  if (!nodes.every((n) => n && typeof n === 'object' && n.power !== undefined && n.power !== null)) return null;
  const first = nodes[0] as { power: unknown; cpu_mem?: { mem_size?: number }; instances?: { hardware?: string }[] };
  const power = parseLlmServingSimPower(first.power, { file, field: 'nodes.0.power' });
  for (let i = 1; i < nodes.length; i++) {
    if (JSON.stringify(nodes[i].power) !== JSON.stringify(first.power)) {
      throw new InputError('nodes with different power blocks are not supported yet: give every node the same power block', { file, field: `nodes.${i}.power` });
    }
  }
  const hardwareLabel = first.instances?.[0]?.hardware;
  if (!hardwareLabel) throw new InputError('expected an instance with a hardware name', { file, field: 'nodes.0.instances.0.hardware' });
  const cpuMemGiB = first.cpu_mem?.mem_size;
  if (typeof cpuMemGiB !== 'number') throw new InputError('expected cpu_mem.mem_size (GiB) for DRAM idle power', { file, field: 'nodes.0.cpu_mem.mem_size' });
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i]?.cpu_mem?.mem_size !== cpuMemGiB) throw new InputError('nodes with different cpu_mem sizes are not supported with a power block yet', { file, field: `nodes.${i}.cpu_mem.mem_size` });
  }
  const instancesPerNode = nodes.map((n) => (Array.isArray(n.instances) ? n.instances.length : 0));
  return { power, hardwareLabel, cpuMemGiB, instancesPerNode };
}

/** The `power` block of a cluster config file (three-state power model), if its nodes have one; undefined if not. */
export function clusterPowerBlock(file: string): NonNullable<ReturnType<typeof powerFromClusterConfig>> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read cluster config: ${(err as Error).message}`, { file });
  }
  return powerFromClusterConfig(raw, file) ?? undefined;
}
