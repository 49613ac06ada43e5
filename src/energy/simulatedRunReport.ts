// Energy for a simulated run: builds the energy model from the run's instances, listens to its records through the
// simulate() hooks, and assembles the RunReport (latency statistics from the run summary, energy and carbon from the
// ledger, per-request attribution by tokens processed).
import { prepareScenario, runPrepared, type InstanceInfo, type Scenario, type SimulateHooks, type SimulationReport } from '../simulate.js';
import type { Dtype } from '../scenario/types.js';
import { DTYPE_BYTES } from '../scenario/types.js';
import { resolveHardware } from '../scenario/hardware.js';
import type { LatencyStats } from '../report/metrics.js';
import { finalizeRunReport, type RunReport, type Stats } from '../report/runReport.js';
import { EnergyAccumulator, type EnergyModelConfig, type EnergyResult } from './accumulator.js';
import { buildEnergyModel, type EnergySetup } from './setup.js';
import { energyReportBlocks } from './toReport.js';
import type { EnergyIterationRecord } from './types.js';

export type SimulatedEnergyOptions = Omit<EnergySetup, 'instances'>;

/** The dtype whose peak FLOPs the energy model uses: the weight dtype, else bf16 (a dtype the catalog has no FLOPs for). */
export function energyDtypeOf(weightDtype: string): Dtype {
  return (weightDtype in DTYPE_BYTES ? weightDtype : 'bf16') as Dtype;
}

/** The energy model's view of the run's instances (GPU count = TP degree; weight dtype for peak FLOPs). */
export function energyConfigFor(instances: readonly InstanceInfo[], opts: SimulatedEnergyOptions = {}): EnergyModelConfig {
  return buildEnergyModel({
    ...opts,
    instances: instances.map((i) => ({
      instanceId: i.instanceId,
      hardware: resolveHardware(i.hardware),
      gpuCount: i.tp,
      dtype: energyDtypeOf(i.weightDtype),
    })),
  });
}

interface Columns {
  id: string[];
  instance: number[];
  input: number[];
  output: number[];
  arrivalS: number[];
  ttftMs: number[];
  tpotMs: (number | null)[];
  e2eMs: number[];
}

/** Feeds a run's records to the energy ledger; optionally keeps per-request columns (memory grows with requests). */
export class SimulationEnergyRecorder {
  readonly accumulator: EnergyAccumulator;
  private readonly columns: Columns | null;
  private countersSeen = false;

  constructor(readonly config: EnergyModelConfig, keepPerRequest: boolean) {
    this.accumulator = new EnergyAccumulator(config);
    this.columns = keepPerRequest ? { id: [], instance: [], input: [], output: [], arrivalS: [], ttftMs: [], tpotMs: [], e2eMs: [] } : null;
  }

  onIteration = (it: EnergyIterationRecord): void => {
    if (it.flops > 0 || it.hbmBytes > 0) this.countersSeen = true;
    this.accumulator.onIteration(it);
  };

  onRequest = (r: { instanceId: number; requestId: number; inputToks: number; outputToks: number; arrivalNs: number; ttftNs: number; tpotNs: number; latencyNs: number }): void => {
    this.accumulator.onRequest(r);
    const c = this.columns;
    if (!c) return;
    c.id.push(String(r.requestId));
    c.instance.push(r.instanceId);
    c.input.push(r.inputToks);
    c.output.push(r.outputToks);
    c.arrivalS.push(r.arrivalNs / 1e9);
    c.ttftMs.push(r.ttftNs / 1e6);
    c.tpotMs.push(r.outputToks > 1 ? r.tpotNs / 1e6 : null);
    c.e2eMs.push(r.latencyNs / 1e6);
  };

  /** Hooks to pass to simulate()/runPrepared(), chained after `inner`. */
  hooks(inner: SimulateHooks = {}): SimulateHooks {
    return {
      ...inner,
      onIteration: (it) => {
        this.onIteration(it);
        inner.onIteration?.(it);
      },
      onRequest: (r) => {
        this.onRequest(r);
        inner.onRequest?.(r);
      },
    };
  }

  finish(makespanNs: number): { result: EnergyResult; perRequest: RunReport['per_request'] } {
    const result = this.accumulator.finish(makespanNs);
    if (!this.countersSeen && this.config.instances.some((i) => i.gpuPower.activity === 'utilization')) {
      result.warnings.push('the cost model reported no FLOP/byte counters: busy GPUs were charged static power only (energy underestimated)');
    }
    const c = this.columns;
    if (!c) return { result, perRequest: null };
    const energy: number[] = [];
    const op: number[] = [];
    const emb: (number | null)[] = [];
    for (let i = 0; i < c.id.length; i++) {
      const a = result.attribute({ instanceId: c.instance[i], requestId: c.id[i], inputToks: c.input[i], outputToks: c.output[i] });
      energy.push(a.energyJ);
      op.push(a.operationalG);
      emb.push(a.embodiedG);
    }
    return {
      result,
      perRequest: {
        request_id: c.id,
        instance_id: c.instance,
        input_tokens: c.input,
        output_tokens: c.output,
        arrival_s: c.arrivalS,
        ttft_ms: c.ttftMs,
        tpot_ms: c.tpotMs,
        e2e_ms: c.e2eMs,
        energy_j: energy,
        operational_gco2e: op,
        embodied_gco2e: emb,
      },
    };
  }
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
function stats(s: LatencyStats): Stats {
  return { count: s.count, mean: finite(s.mean), median: finite(s.median), p50: finite(s.median), p90: finite(s.p90), p95: finite(s.p95), p99: finite(s.p99) };
}

export interface SimulatedReportMeta {
  runId: string;
  toolVersion?: string;
  gridRegion: string;
  ciSource: string;
  pue: number;
  concurrency?: number;
}

export function simulatedRunReport(sim: SimulationReport, energy: EnergyResult, perRequest: RunReport['per_request'], meta: SimulatedReportMeta): RunReport {
  const s = sim.summary;
  const blocks = energyReportBlocks(energy, { pue: meta.pue, gridRegion: meta.gridRegion, ciSource: meta.ciSource });
  const byHw = new Map<string, number>();
  for (const i of sim.instances) byHw.set(i.hardware, (byHw.get(i.hardware) ?? 0) + i.tp);
  const models = [...new Set(sim.instances.map((i) => i.model))];
  const embodiedMethods = [...new Set(energy.factors.filter((f) => f.name.startsWith('embodied_gpu:')).map((f) => f.kind))];
  blocks.carbon.embodied_method = blocks.carbon.embodied_gco2e === null ? null : embodiedMethods.join('+') || null;
  return finalizeRunReport({
    source: { kind: 'simulated', tool: 'servesim', tool_version: meta.toolVersion ?? null, run_id: meta.runId },
    scenario: {
      model_id: models.join('+'),
      dtype: sim.instances[0]?.weightDtype ?? null,
      accelerators: [...byHw].map(([name, count]) => ({ name, count, tdp_w: resolveHardware(name).tdpW })),
      concurrency: meta.concurrency ?? null,
      site: blocks.site,
    },
    workload: { duration_s: s.simulatedDurationS, requests_completed: s.requests, requests_failed: 0, input_tokens: s.inputTokens, output_tokens: s.outputTokens },
    performance: {
      output_tok_per_s: s.outputTokenThroughputPerS,
      total_tok_per_s: s.totalTokenThroughputPerS,
      request_per_s: s.requestThroughputPerS,
      ttft_ms: stats(s.ttftMs),
      tpot_ms: stats(s.tpotMs),
      itl_ms: stats(s.itlMs),
      e2e_latency_ms: stats(s.e2eMs),
    },
    energy: blocks.energy,
    carbon: blocks.carbon,
    water: blocks.water,
    per_request: perRequest,
    provenance: { factors: blocks.provenance.factors, warnings: [...sim.warnings, ...blocks.provenance.warnings] },
  });
}

export interface SimulateImpactOptions {
  energy?: SimulatedEnergyOptions;
  perRequest?: boolean; // keep per-request columns (default true)
  runId?: string;
  toolVersion?: string;
  hooks?: SimulateHooks;
}

/** simulate() plus the energy/carbon ledger: returns the simulation report and its RunReport. */
export async function simulateImpact(scenario: Scenario, opts: SimulateImpactOptions = {}): Promise<{ simulation: SimulationReport; report: RunReport; energy: EnergyResult }> {
  const prepared = await prepareScenario(scenario);
  const config = energyConfigFor(prepared.instanceInfo, opts.energy);
  const recorder = new SimulationEnergyRecorder(config, opts.perRequest ?? true);
  const simulation = runPrepared(prepared, recorder.hooks(opts.hooks));
  const { result, perRequest } = recorder.finish(simulation.totals.makespanNs);
  const grid = config.grid;
  const report = simulatedRunReport(simulation, result, perRequest, {
    runId: opts.runId ?? 'run',
    toolVersion: opts.toolVersion,
    gridRegion: grid.region,
    ciSource: grid.source,
    pue: config.site.pue,
  });
  return { simulation, report, energy: result };
}
