// Streaming energy/carbon ledger over the engine's iteration records (energy-model.md §4–§7).
// O(instances) memory whatever the run length: no iteration is stored, no allocation per iteration.
import type { GridIntensity } from './gridIntensity.js';
import { iterationPowerW } from './gpuPower.js';
import { embodiedRateGPerS } from './embodied.js';
import type { AmortisationSpec, EnergyIterationRecord, EnergyRequestRecord, Factor, InstanceEnergySpec, SiteEnergySpec } from './types.js';

const J_PER_KWH = 3.6e6;

export interface EnergyModelConfig {
  instances: InstanceEnergySpec[];
  site: SiteEnergySpec;
  grid: GridIntensity;
  amortisation: AmortisationSpec;
  /** False when host power is one lumped number: cpu/ram energies are then unknown (null). */
  hostSplit: boolean;
  factors: Factor[];
  warnings: string[];
  /** How totals are split over requests (energy-model.md §7); default tokens / proRata. */
  attribution?: AttributionPolicy;
}

/**
 * weight: 'tokens' = tokens processed (prompt + decode steps), 'equal' = 1 per request (EcoLogits' allocation).
 * idle: 'proRata' spreads gap energy, idle host power and idle-time embodied over the instance's requests with the same
 * weights; 'unattributed' keeps them as a separate line (totals always include them).
 */
export interface AttributionPolicy {
  weight: 'tokens' | 'equal';
  idle: 'proRata' | 'unattributed';
}

export interface InstanceEnergyTotals {
  instanceId: number;
  gpuName: string;
  gpuCount: number;
  busyS: number;
  tokensProcessed: number;
  gpuBusyJ: number;
  gpuIdleJ: number;
  cpuJ: number;
  ramJ: number;
  otherItJ: number;
  linkJ: number;
  itTotalJ: number;
  facilityTotalJ: number;
  operationalG: number;
  embodiedG: number | null;
  requestWeight: number; // Σ weights of the requests reported on this instance
  busyFacilityJ: number; // facility energy of busy iterations (GPU busy + host busy + link, × PUE)
  busyOperationalG: number;
  busyEmbodiedG: number | null; // embodied accrued during busy time
}

export interface RequestImpact {
  energyJ: number; // facility energy share
  operationalG: number;
  embodiedG: number | null;
}

export interface EnergyResult {
  method: 'model:utilization' | 'model:three-state';
  makespanS: number;
  energyJ: {
    gpuBusy: number;
    gpuIdle: number;
    gpu: number;
    cpu: number | null;
    ram: number | null;
    link: number;
    otherIt: number;
    itTotal: number;
    facilityOverhead: number;
    facilityTotal: number;
    unattributed: number; // facility energy no request carries (instances without requests; idle energy if 'unattributed')
  };
  meanGpuPowerW: number; // mean per GPU over the makespan
  carbonG: { operational: number; embodied: number | null; total: number | null; unattributedOperational: number; unattributedEmbodied: number | null };
  waterL: number | null;
  effectiveCiGPerKWh: number; // operational carbon / facility energy
  amortisation: AmortisationSpec;
  instances: InstanceEnergyTotals[];
  factors: Factor[];
  warnings: string[];
  /** Share of an instance's totals for one request, by tokens processed (energy-model.md §7). */
  attribute(req: EnergyRequestRecord): RequestImpact;
}

/** Tokens a request made its instance process: its prompt (prefill) plus one per decode step after the first token. */
export function requestTokensProcessed(req: Pick<EnergyRequestRecord, 'inputToks' | 'outputToks'>): number {
  return req.inputToks + Math.max(req.outputToks - 1, 0);
}

export class EnergyAccumulator {
  private readonly slotOf = new Map<number, number>();
  private readonly specs: InstanceEnergySpec[];
  private readonly lastEndNs: Float64Array;
  private readonly hadBatch: Uint8Array;
  private readonly busyNs: Float64Array;
  private readonly tokens: Float64Array;
  private readonly gpuBusyJ: Float64Array;
  private readonly gpuIdleJ: Float64Array;
  private readonly cpuJ: Float64Array;
  private readonly ramJ: Float64Array;
  private readonly otherJ: Float64Array;
  private readonly linkJ: Float64Array;
  private readonly opG: Float64Array;
  private readonly weight: Float64Array;
  private readonly busyItJ: Float64Array;
  private readonly busyOpG: Float64Array;
  private readonly policy: AttributionPolicy;
  private readonly gPerJ: number; // kWh conversion × PUE, so op carbon = IT J × gPerJ × CI
  private readonly staticCi: number | null; // shortcut for a constant grid intensity (the common case)
  private finished = false;

  constructor(private readonly config: EnergyModelConfig) {
    this.specs = config.instances;
    const n = this.specs.length;
    this.specs.forEach((s, i) => {
      if (this.slotOf.has(s.instanceId)) throw new Error(`energy model: instance ${s.instanceId} listed twice`);
      this.slotOf.set(s.instanceId, i);
    });
    this.lastEndNs = new Float64Array(n);
    this.hadBatch = new Uint8Array(n);
    this.busyNs = new Float64Array(n);
    this.tokens = new Float64Array(n);
    this.gpuBusyJ = new Float64Array(n);
    this.gpuIdleJ = new Float64Array(n);
    this.cpuJ = new Float64Array(n);
    this.ramJ = new Float64Array(n);
    this.otherJ = new Float64Array(n);
    this.linkJ = new Float64Array(n);
    this.opG = new Float64Array(n);
    this.weight = new Float64Array(n);
    this.busyItJ = new Float64Array(n);
    this.busyOpG = new Float64Array(n);
    this.policy = config.attribution ?? { weight: 'tokens', idle: 'proRata' };
    this.gPerJ = config.site.pue / J_PER_KWH;
    this.staticCi = config.grid.staticGPerKWh;
  }

  private slot(instanceId: number): number {
    const s = this.slotOf.get(instanceId);
    if (s === undefined) throw new Error(`energy model: iteration/request for unknown instance ${instanceId}`);
    return s;
  }

  onIteration(rec: EnergyIterationRecord): void {
    const s = this.slot(rec.instanceId);
    const spec = this.specs[s];
    if (rec.startNs < this.lastEndNs[s] || rec.endNs < rec.startNs) {
      throw new Error(`energy model: instance ${rec.instanceId} iteration [${rec.startNs}, ${rec.endNs}] ns overlaps the previous one ending at ${this.lastEndNs[s]} ns`);
    }
    if (rec.startNs > this.lastEndNs[s]) this.addGap(s, this.lastEndNs[s], rec.startNs);
    const durS = (rec.endNs - rec.startNs) / 1e9;
    this.lastEndNs[s] = rec.endNs;
    this.hadBatch[s] = 1;
    this.tokens[s] += rec.prefillTokens + rec.decodeTokens;
    if (durS === 0) return;
    this.busyNs[s] += rec.endNs - rec.startNs;
    const n = spec.gpuCount;
    const gpuJ = n * iterationPowerW(spec.gpuPower, spec.rates, rec.flops, rec.hbmBytes, durS, n) * durS;
    const h = spec.host;
    const cpuJ = h.cpuBusyW * durS;
    const ramJ = h.ramW * durS;
    const otherJ = h.otherW * durS;
    const linkJ = rec.commBytes * 8 * spec.linkEnergyPerBitPJ * 1e-12;
    this.gpuBusyJ[s] += gpuJ;
    this.cpuJ[s] += cpuJ;
    this.ramJ[s] += ramJ;
    this.otherJ[s] += otherJ;
    this.linkJ[s] += linkJ;
    const ci = this.staticCi ?? this.config.grid.meanGPerKWh(rec.startNs / 1e9, rec.endNs / 1e9);
    const itJ = gpuJ + cpuJ + ramJ + otherJ + linkJ;
    const opG = itJ * this.gPerJ * ci;
    this.opG[s] += opG;
    this.busyItJ[s] += itJ;
    this.busyOpG[s] += opG;
  }

  /** Adds a finished request's weight to its instance (call once per request, during or after the run). */
  onRequest(req: EnergyRequestRecord): void {
    this.weight[this.slot(req.instanceId)] += this.policy.weight === 'equal' ? 1 : requestTokensProcessed(req);
  }

  /**
   * No kernel on [aNs, bNs]: GPUs at static (standby) power for min(gap, T_standby), then idle (energy-model.md §4.3);
   * host at its idle level. In the three-state model a GPU that never ran a batch stays at idle, as in LLMServingSim.
   */
  private addGap(s: number, aNs: number, bNs: number): void {
    const spec = this.specs[s];
    const p = spec.gpuPower;
    const aS = aNs / 1e9;
    const bS = bNs / 1e9;
    const gS = bS - aS;
    const atStatic = p.activity === 'utilization' || this.hadBatch[s] === 1;
    const staticS = atStatic ? Math.min(gS, p.standbyS) : 0;
    const idleS = gS - staticS;
    const n = spec.gpuCount;
    const staticJ = n * p.staticW * staticS;
    const idleJ = n * p.idleW * idleS;
    const h = spec.host;
    const hostJ = (h.cpuIdleW + h.ramW + h.otherW) * gS;
    this.gpuIdleJ[s] += staticJ + idleJ;
    this.cpuJ[s] += h.cpuIdleW * gS;
    this.ramJ[s] += h.ramW * gS;
    this.otherJ[s] += h.otherW * gS;
    let opG: number;
    if (this.staticCi !== null) opG = (hostJ + staticJ + idleJ) * this.staticCi;
    else {
      const grid = this.config.grid;
      opG = hostJ * grid.meanGPerKWh(aS, bS);
      if (staticS > 0) opG += staticJ * grid.meanGPerKWh(aS, aS + staticS);
      if (idleS > 0) opG += idleJ * grid.meanGPerKWh(aS + staticS, bS);
    }
    this.opG[s] += opG * this.gPerJ;
  }

  /** Closes every instance's trailing gap at the run's makespan and returns the totals. Call once. */
  finish(makespanNs: number): EnergyResult {
    if (this.finished) throw new Error('energy model: finish() called twice');
    this.finished = true;
    const cfg = this.config;
    for (let s = 0; s < this.specs.length; s++) {
      if (makespanNs < this.lastEndNs[s]) throw new Error(`energy model: makespan ${makespanNs} ns ends before instance ${this.specs[s].instanceId}'s last iteration (${this.lastEndNs[s]} ns)`);
      if (makespanNs > this.lastEndNs[s]) this.addGap(s, this.lastEndNs[s], makespanNs);
      this.lastEndNs[s] = makespanNs;
    }
    const makespanS = makespanNs / 1e9;
    const pue = cfg.site.pue;
    const instances: InstanceEnergyTotals[] = this.specs.map((spec, s) => {
      const itTotalJ = this.gpuBusyJ[s] + this.gpuIdleJ[s] + this.cpuJ[s] + this.ramJ[s] + this.otherJ[s] + this.linkJ[s];
      const busyS = this.busyNs[s] / 1e9;
      let embodiedG: number | null = null;
      let busyEmbodiedG: number | null = null;
      if (spec.embodiedKgPerGpu !== null) {
        const rate = embodiedRateGPerS(spec.embodiedKgPerGpu, cfg.amortisation);
        embodiedG = spec.gpuCount * rate * (cfg.amortisation.basis === 'reservation' ? makespanS : busyS);
        busyEmbodiedG = spec.gpuCount * rate * busyS;
      }
      return {
        instanceId: spec.instanceId,
        gpuName: spec.gpuName,
        gpuCount: spec.gpuCount,
        busyS,
        tokensProcessed: this.tokens[s],
        gpuBusyJ: this.gpuBusyJ[s],
        gpuIdleJ: this.gpuIdleJ[s],
        cpuJ: this.cpuJ[s],
        ramJ: this.ramJ[s],
        otherItJ: this.otherJ[s],
        linkJ: this.linkJ[s],
        itTotalJ,
        facilityTotalJ: itTotalJ * pue,
        operationalG: this.opG[s],
        embodiedG,
        requestWeight: this.weight[s],
        busyFacilityJ: this.busyItJ[s] * pue,
        busyOperationalG: this.busyOpG[s],
        busyEmbodiedG,
      };
    });
    const sum = (f: (t: InstanceEnergyTotals) => number) => instances.reduce((acc, t) => acc + f(t), 0);
    const gpuBusy = sum((t) => t.gpuBusyJ);
    const gpuIdle = sum((t) => t.gpuIdleJ);
    const itTotal = sum((t) => t.itTotalJ);
    const operational = sum((t) => t.operationalG);
    const embodiedKnown = instances.every((t) => t.embodiedG !== null);
    const embodied = embodiedKnown ? sum((t) => t.embodiedG as number) : null;
    const gpuCount = sum((t) => t.gpuCount);
    const warnings = [...cfg.warnings];
    if (cfg.grid.extendsPastData(makespanS)) warnings.push(`the run (${makespanS.toFixed(1)} s) extends past the grid-intensity series: its last value was held`);
    const unattributedInstances = instances.filter((t) => t.requestWeight === 0);
    const idleOut = this.policy.idle === 'unattributed';
    // What requests carry, per instance: everything (proRata) or the busy part only; the rest is unattributed.
    const carried = (t: InstanceEnergyTotals) =>
      t.requestWeight === 0
        ? { e: 0, op: 0, emb: t.embodiedG === null ? null : 0 }
        : idleOut
          ? { e: t.busyFacilityJ, op: t.busyOperationalG, emb: t.busyEmbodiedG }
          : { e: t.facilityTotalJ, op: t.operationalG, emb: t.embodiedG };
    const carriedBySlot = instances.map(carried);
    const policy = this.policy;
    if (unattributedInstances.length > 0) {
      warnings.push(`instances ${unattributedInstances.map((t) => t.instanceId).join(', ')} reported no requests: their energy is not attributed to any request`);
    }
    const wue = (cfg.site.wueOnsiteLPerKWh ?? 0) + pue * (cfg.site.waterOffsiteLPerKWh ?? 0);
    const hasWater = cfg.site.wueOnsiteLPerKWh !== undefined || cfg.site.waterOffsiteLPerKWh !== undefined;
    const facilityTotal = itTotal * pue;
    const bySlot = this.slotOf;
    return {
      method: cfg.instances.every((i) => i.gpuPower.activity === 'constant-active') ? 'model:three-state' : 'model:utilization',
      makespanS,
      energyJ: {
        gpuBusy,
        gpuIdle,
        gpu: gpuBusy + gpuIdle,
        cpu: cfg.hostSplit ? sum((t) => t.cpuJ) : null,
        ram: cfg.hostSplit ? sum((t) => t.ramJ) : null,
        link: sum((t) => t.linkJ),
        otherIt: sum((t) => t.otherItJ) + (cfg.hostSplit ? 0 : sum((t) => t.cpuJ + t.ramJ)),
        itTotal,
        facilityOverhead: itTotal * (pue - 1),
        facilityTotal,
        unattributed: facilityTotal - carriedBySlot.reduce((a, c) => a + c.e, 0),
      },
      meanGpuPowerW: makespanS > 0 && gpuCount > 0 ? (gpuBusy + gpuIdle) / (makespanS * gpuCount) : 0,
      carbonG: {
        operational,
        embodied,
        total: embodied === null ? null : operational + embodied,
        unattributedOperational: operational - carriedBySlot.reduce((a, c) => a + c.op, 0),
        unattributedEmbodied: embodied === null ? null : embodied - carriedBySlot.reduce((a, c) => a + (c.emb ?? 0), 0),
      },
      waterL: hasWater ? (itTotal / J_PER_KWH) * wue : null,
      effectiveCiGPerKWh: facilityTotal > 0 ? operational / (facilityTotal / J_PER_KWH) : (cfg.grid.staticGPerKWh ?? 0),
      amortisation: cfg.amortisation,
      instances,
      factors: cfg.factors,
      warnings,
      attribute(req: EnergyRequestRecord): RequestImpact {
        const slot = bySlot.get(req.instanceId);
        if (slot === undefined) throw new Error(`energy model: request ${req.requestId} on unknown instance ${req.instanceId}`);
        const t = instances[slot];
        const w = policy.weight === 'equal' ? 1 : requestTokensProcessed(req);
        const share = t.requestWeight > 0 ? w / t.requestWeight : 0;
        const c = carriedBySlot[slot];
        return { energyJ: c.e * share, operationalG: c.op * share, embodiedG: c.emb === null ? null : c.emb * share };
      },
    };
  }
}
