// LLM Energy Measure (henrycgbaker/LLenergyMeasure, package llm_energy_measure, SCHEMA_VERSION 2.0.0) result JSON,
// raw (one RawProcessResult per GPU process) or aggregated (AggregatedResult with process_results), into a RunReport
// (energy-model.md §1.3, §9.3). Its energies come from CodeCarbon (kWh × 3.6e6), so they include PUE if the user
// configured one: the importer cannot tell, and says so.
import { z } from 'zod';
import { finalizeRunReport, type RunReport } from '../report/runReport.js';
import { measuredPue, readJsonFile } from './common.js';

const n = z.number().finite();
const inference = z.looseObject({
  total_tokens: n.optional(),
  input_tokens: n,
  output_tokens: n,
  inference_time_sec: n,
  tokens_per_second: n.optional(),
  latency_per_token_ms: n.optional(),
});
const energy = z.looseObject({
  total_energy_j: n,
  gpu_energy_j: n.optional(),
  cpu_energy_j: n.optional(),
  ram_energy_j: n.optional(),
  gpu_power_w: n.optional(),
  cpu_power_w: n.optional(),
  duration_sec: n.optional(),
  emissions_kg_co2: n.optional(),
  baseline_power_w: n.nullable().optional(),
  energy_adjusted_j: n.nullable().optional(),
});
const compute = z.looseObject({ flops_total: n.optional(), peak_memory_mb: n.optional() });
const rawProcess = z.looseObject({
  schema_version: z.string().optional(),
  experiment_id: z.string(),
  process_index: z.number().int().optional(),
  gpu_id: z.number().int().optional(),
  model_name: z.string(),
  timestamps: z.looseObject({ start: z.string().optional(), end: z.string().optional(), duration_sec: n.optional() }).optional(),
  inference_metrics: inference,
  energy_metrics: energy,
  compute_metrics: compute.optional(),
});
const aggregated = z.looseObject({
  schema_version: z.string().optional(),
  experiment_id: z.string(),
  aggregation: z.looseObject({ method: z.string().optional(), num_processes: z.number().int().optional(), warnings: z.array(z.string()).optional() }).optional(),
  total_tokens: n.optional(),
  total_energy_j: n,
  total_inference_time_sec: n.optional(),
  avg_tokens_per_second: n.optional(),
  total_flops: n.optional(),
  process_results: z.array(rawProcess).min(1),
  start_time: z.string().optional(),
  end_time: z.string().optional(),
});
// Aggregated files are told apart by `process_results`, so errors name the field of the right shape.
const fileSchema = z.custom<unknown>().transform((v, ctx) => {
  const schema = v !== null && typeof v === 'object' && 'process_results' in v ? aggregated : rawProcess;
  const r = schema.safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[] });
    return z.NEVER;
  }
  return r.data as z.infer<typeof aggregated> | RawProcess;
});
type RawProcess = z.infer<typeof rawProcess>;

export function importLlmEnergyMeasure(file: string, opts: { pue?: number } = {}): RunReport {
  const j = readJsonFile(file, fileSchema, 'an LLM Energy Measure RawProcessResult or AggregatedResult');
  const isAgg = 'process_results' in j;
  const procs: RawProcess[] = isAgg ? (j as z.infer<typeof aggregated>).process_results : [j as RawProcess];
  const warnings: string[] = ['energies come from CodeCarbon: they include PUE if one was configured there (cannot be told from this file)'];
  const factors: RunReport['provenance']['factors'] = [];
  const pue = measuredPue(opts.pue, warnings, factors, 'an LLM Energy Measure result');
  const sumOf = (f: (p: RawProcess) => number | null | undefined): number | null => {
    let s = 0;
    for (const p of procs) {
      const v = f(p);
      if (v === undefined || v === null) return null;
      s += v;
    }
    return s;
  };
  // Processes run data-parallel on separate GPUs: energies and tokens add; duration is the longest process.
  let outTok = 0;
  let inTok = 0;
  for (const p of procs) {
    const m = p.inference_metrics;
    let out = m.output_tokens;
    if (m.total_tokens !== undefined && m.total_tokens !== m.input_tokens + m.output_tokens && m.total_tokens !== m.output_tokens) {
      // "total tokens generated" in their docs: when it is neither sum nor output, treat it as output (spec §9.3)
      warnings.push(`process ${p.process_index ?? 0}: total_tokens ${m.total_tokens} is neither input+output nor output: used as output tokens`);
      out = m.total_tokens;
    }
    outTok += out;
    inTok += m.input_tokens;
  }
  const durationS = Math.max(...procs.map((p) => p.timestamps?.duration_sec ?? p.energy_metrics.duration_sec ?? p.inference_metrics.inference_time_sec));
  const totalJ = isAgg ? (j as z.infer<typeof aggregated>).total_energy_j : procs[0].energy_metrics.total_energy_j;
  const procSum = sumOf((p) => p.energy_metrics.total_energy_j) as number;
  if (Math.abs(procSum - totalJ) > 1e-6 * Math.max(1, totalJ)) warnings.push(`aggregated total_energy_j ${totalJ} differs from the sum over processes ${procSum}`);
  const gpuJ = sumOf((p) => p.energy_metrics.gpu_energy_j);
  const cpuJ = sumOf((p) => p.energy_metrics.cpu_energy_j);
  const ramJ = sumOf((p) => p.energy_metrics.ram_energy_j);
  const emissions = sumOf((p) => p.energy_metrics.emissions_kg_co2);
  const baseline = procs[0].energy_metrics.baseline_power_w;
  const adjusted = sumOf((p) => p.energy_metrics.energy_adjusted_j);
  if (adjusted !== null) factors.push({ name: 'energy_adjusted_j', value: adjusted, unit: 'J', source: 'LLM Energy Measure: total − baseline × duration', kind: 'measured' });
  const gpuPowers = procs.map((p) => p.energy_metrics.gpu_power_w).filter((v): v is number => v !== undefined);
  const first = procs[0];
  const flops = isAgg ? ((j as z.infer<typeof aggregated>).total_flops ?? sumOf((p) => p.compute_metrics?.flops_total)) : (first.compute_metrics?.flops_total ?? null);
  const peakMem = procs.map((p) => p.compute_metrics?.peak_memory_mb).filter((v): v is number => v !== undefined);
  const known = (gpuJ ?? 0) + (cpuJ ?? 0) + (ramJ ?? 0);
  return finalizeRunReport({
    source: {
      kind: 'measured',
      tool: 'llm_energy_measure',
      tool_version: j.schema_version ?? null,
      run_id: j.experiment_id,
      started_at: (isAgg ? (j as z.infer<typeof aggregated>).start_time : first.timestamps?.start) ?? null,
      ended_at: (isAgg ? (j as z.infer<typeof aggregated>).end_time : first.timestamps?.end) ?? null,
      raw_files: [file],
    },
    scenario: { model_id: first.model_name, accelerators: [{ name: 'unknown', count: procs.length }], site: { pue } },
    workload: { duration_s: durationS, requests_completed: 0, input_tokens: inTok, output_tokens: outTok },
    performance: {
      output_tok_per_s: durationS > 0 ? outTok / durationS : null,
      flops_total: flops,
      peak_gpu_memory_mb: peakMem.length > 0 ? Math.max(...peakMem) : null,
    },
    energy: {
      gpu_j: gpuJ,
      cpu_j: cpuJ,
      ram_j: ramJ,
      other_it_j: totalJ - known,
      it_total_j: totalJ,
      facility_overhead_j: totalJ * (pue - 1),
      facility_total_j: totalJ * pue,
      mean_gpu_power_w: gpuPowers.length > 0 ? gpuPowers.reduce((a, b) => a + b, 0) / gpuPowers.length : null,
      baseline_gpu_power_w: baseline ?? null,
      method: 'codecarbon',
      pue_applied_in_source: false,
    },
    carbon: { operational_gco2e: emissions === null ? null : emissions * 1000, embodied_gco2e: null, total_gco2e: null },
    provenance: { factors, warnings: [...warnings, ...(isAgg ? ((j as z.infer<typeof aggregated>).aggregation?.warnings ?? []) : [])] },
  });
}

