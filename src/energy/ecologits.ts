// EcoLogits' LLM-inference estimate (Rincé & Banse, JOSS 2025; energy-model.md §10.4), re-implemented from its
// published formulas as an independent "estimated" producer and sanity band for simulated runs.
// Fitted on ML.ENERGY H100 data (batch ≤ 512, models ≤ 200 B); H100 80 GB servers of 8 GPUs.
import { finalizeRunReport, type RunReport } from '../report/runReport.js';
import { InputError } from '../errors.js';

const ALPHA = 1.1665e-6; // Wh per B params
const BETA = -1.1206e-2; // per batch slot
const GAMMA = 4.0529e-5; // Wh
const SERVER_W = 1200; // 8×H100 server excluding GPUs
const SERVER_KG = 5700; // p5.48xlarge excluding GPUs
const GPU_KG = 164; // NVIDIA H100 PCF
const LIFETIME_S = 3 * 365 * 24 * 3600;

export interface EcoLogitsParams {
  paramsActiveB: number;
  paramsTotalB: number;
  batch?: number; // B, default 64
  pue?: number; // default 1.2 (EcoLogits' provider-agnostic value is the user's choice; kept explicit here)
  ciGPerKWh: number;
}

/** GPU energy per output token (J): (α·exp(β·B)·P_active + γ) Wh. */
export function ecologitsGpuJPerToken(paramsActiveB: number, batch = 64): number {
  return (ALPHA * Math.exp(BETA * batch) * paramsActiveB + GAMMA) * 3600;
}

/** GPUs needed to hold the weights at 16 bits with 20 % overhead on 80 GB cards, rounded up to a power of two. */
export function ecologitsGpuCount(paramsTotalB: number): number {
  return 2 ** Math.ceil(Math.log2(Math.ceil((1.2 * paramsTotalB * 16) / 8 / 80)));
}

/** Generation time (s) of one request: min(N_out · latency per token, the measured latency if known). */
export function ecologitsDurationS(paramsActiveB: number, outputTokens: number, batch = 64, measuredS?: number): number {
  const perToken = 6.785e-4 * paramsActiveB + 3.119e-4 * batch + 1.947e-2;
  const t = outputTokens * perToken;
  return measuredS === undefined ? t : Math.min(t, measuredS);
}

export interface EcoLogitsRequestImpact {
  energyJ: number; // facility
  operationalG: number;
  embodiedG: number;
}

export function ecologitsRequest(p: EcoLogitsParams, outputTokens: number, measuredLatencyS?: number): EcoLogitsRequestImpact {
  const b = p.batch ?? 64;
  const pue = p.pue ?? 1.2;
  const gpus = ecologitsGpuCount(p.paramsTotalB);
  const dt = ecologitsDurationS(p.paramsActiveB, outputTokens, b, measuredLatencyS);
  const serverJ = (dt * SERVER_W * (gpus / 8)) / b;
  const gpuJ = outputTokens * ecologitsGpuJPerToken(p.paramsActiveB, b);
  const energyJ = pue * (serverJ + gpus * gpuJ);
  const embodiedG = (dt / (b * LIFETIME_S)) * ((gpus / 8) * SERVER_KG + gpus * GPU_KG) * 1000;
  return { energyJ, operationalG: (energyJ / 3.6e6) * p.ciGPerKWh, embodiedG };
}

/** An "estimated" RunReport for the same requests as `base` (per-request output tokens and E2E latency when present). */
export function ecologitsEstimate(base: RunReport, p: EcoLogitsParams): RunReport {
  if (!(p.paramsActiveB > 0 && p.paramsTotalB >= p.paramsActiveB)) throw new InputError('EcoLogits needs 0 < active params <= total params (billions)', { field: 'params' });
  const pr = base.per_request;
  let out: number[];
  let lat: (number | undefined)[];
  if (pr) {
    out = pr.output_tokens.map((v) => v ?? 0);
    lat = pr.e2e_ms ? pr.e2e_ms.map((v) => (v === null ? undefined : v / 1000)) : out.map(() => undefined);
  } else {
    const n = base.workload.requests_completed;
    const tot = base.workload.output_tokens;
    if (!n || tot === null || tot === undefined) throw new InputError('EcoLogits estimate needs per-request rows or output-token and request totals', { field: 'workload' });
    out = new Array(n).fill(tot / n);
    lat = out.map(() => undefined);
  }
  let e = 0;
  let op = 0;
  let emb = 0;
  for (let i = 0; i < out.length; i++) {
    const r = ecologitsRequest(p, out[i], lat[i]);
    e += r.energyJ;
    op += r.operationalG;
    emb += r.embodiedG;
  }
  const pue = p.pue ?? 1.2;
  const src = 'EcoLogits LLM inference methodology (genai-impact/ecologits 2d0a1c7, docs/methodology/llm_inference.md)';
  return finalizeRunReport({
    source: { kind: 'estimated', tool: 'ecologits-formulas', run_id: `${base.source.run_id}:ecologits` },
    scenario: {
      model_id: base.scenario.model_id,
      params_total_b: p.paramsTotalB,
      params_active_b: p.paramsActiveB,
      accelerators: [{ name: 'H100-SXM', count: ecologitsGpuCount(p.paramsTotalB) }],
      site: { pue, ci_gco2e_per_kwh: p.ciGPerKWh },
    },
    workload: { ...base.workload },
    performance: {},
    energy: { gpu_j: null, cpu_j: null, ram_j: null, it_total_j: e / pue, facility_overhead_j: e - e / pue, facility_total_j: e, method: 'none', pue_applied_in_source: false },
    carbon: { operational_gco2e: op, embodied_gco2e: emb, total_gco2e: op + emb, embodied_method: 'ecologits (164 kg H100 + 5700 kg/8 server, 3 y, per batch slot)', lifetime_years: 3, amortisation_basis: 'busy' },
    provenance: {
      factors: [
        { name: 'ecologits_batch', value: p.batch ?? 64, unit: 'requests', source: src, kind: 'model' },
        { name: 'pue', value: pue, unit: '1', source: p.pue === undefined ? 'EcoLogits default 1.2 (assumed)' : 'user', kind: 'assumption' },
      ],
      warnings: ['EcoLogits estimate: fitted on H100 measurements; GPU count from weights only; not a simulation of this workload'],
    },
  });
}
