// The energy model's totals as RunReport blocks (energy, carbon, water, site, provenance).
import type { CarbonBlock, EnergyBlock, RunReport } from '../report/runReport.js';
import type { EnergyResult } from './accumulator.js';

export interface EnergyReportBlocks {
  energy: EnergyBlock;
  carbon: CarbonBlock;
  water: RunReport['water'];
  site: RunReport['scenario']['site'];
  provenance: RunReport['provenance'];
}

export function energyReportBlocks(r: EnergyResult, site: { pue: number; gridRegion: string; ciSource: string }, embodiedMethod?: string): EnergyReportBlocks {
  const e = r.energyJ;
  const perDevice = r.instances.length > 0 && r.instances.every((t) => t.embodiedG !== null);
  return {
    energy: {
      gpu_j: e.gpu,
      gpu_busy_j: e.gpuBusy,
      gpu_idle_j: e.gpuIdle,
      cpu_j: e.cpu,
      ram_j: e.ram,
      link_j: e.link,
      other_it_j: e.otherIt,
      it_total_j: e.itTotal,
      facility_overhead_j: e.facilityOverhead,
      facility_total_j: e.facilityTotal,
      mean_gpu_power_w: r.meanGpuPowerW,
      method: r.method,
      pue_applied_in_source: false,
    },
    carbon: {
      operational_gco2e: r.carbonG.operational,
      embodied_gco2e: r.carbonG.embodied,
      total_gco2e: r.carbonG.total,
      embodied_method: perDevice ? (embodiedMethod ?? null) : null,
      lifetime_years: r.amortisation.lifetimeYears,
      amortisation_basis: r.amortisation.basis,
    },
    water: r.waterL === null ? null : { total_l: r.waterL, method: 'E_IT·(WUE_onsite + PUE·WUE_offsite) (EcoLogits)' },
    site: { pue: site.pue, grid_region: site.gridRegion, ci_gco2e_per_kwh: r.effectiveCiGPerKWh, ci_source: site.ciSource },
    provenance: {
      factors: r.factors.map((f) => ({ ...f })),
      warnings: [
        ...r.warnings,
        ...(e.unattributed > 1e-9 * Math.max(1, e.facilityTotal)
          ? [`${e.unattributed.toFixed(3)} J facility energy, ${r.carbonG.unattributedOperational.toFixed(6)} g operational and ${(r.carbonG.unattributedEmbodied ?? 0).toFixed(6)} g embodied carbon are in the totals but attributed to no request`]
          : []),
      ],
    },
  };
}
