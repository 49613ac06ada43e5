// The RunReport: one versioned result format for simulated and measured runs (energy-model.md §8, extended with
// per-request latency columns). JSON field names are snake_case with a unit suffix on every physical field;
// missing values are null, never 0. Intensities are always recomputed from totals (finalizeRunReport), never copied.
import { z } from 'zod';
import { InputError } from '../errors.js';
import { percentileSorted } from './metrics.js';

export const RUN_REPORT_SCHEMA = 'servesim.run-report/1';

const num = z.number().finite();
const nnum = num.nullable();

export const statsSchema = z.object({
  count: num.int().nonnegative().optional(),
  mean: nnum.optional(),
  median: nnum.optional(),
  std: nnum.optional(),
  p50: nnum.optional(),
  p90: nnum.optional(),
  p95: nnum.optional(),
  p99: nnum.optional(),
  min: nnum.optional(),
  max: nnum.optional(),
});
export type Stats = z.infer<typeof statsSchema>;

const factorSchema = z.object({ name: z.string(), value: num, unit: z.string(), source: z.string(), kind: z.string() });

const splitSchema = z.object({ operational: nnum, embodied: nnum, total: nnum });

const column = z.array(nnum);
const perRequestSchema = z
  .object({
    request_id: z.array(z.string()),
    instance_id: column.optional(),
    input_tokens: column,
    output_tokens: column,
    arrival_s: column.optional(),
    ttft_ms: column.optional(),
    tpot_ms: column.optional(),
    e2e_ms: column.optional(),
    energy_j: column.optional(),
    operational_gco2e: column.optional(),
    embodied_gco2e: column.optional(),
  })
  .superRefine((cols, ctx) => {
    const n = cols.request_id.length;
    for (const [name, values] of Object.entries(cols)) {
      if (values !== undefined && values.length !== n) {
        ctx.addIssue({ code: 'custom', path: [name], message: `expected ${n} values (one per request_id), found ${values.length}` });
      }
    }
  });
export type PerRequestColumns = z.infer<typeof perRequestSchema>;

export const ENERGY_METHODS = ['model:utilization', 'model:three-state', 'nvml', 'dcgm', 'codecarbon', 'nvidia-smi', 'tegrastats', 'rapl', 'none'] as const;

export const runReportSchema = z.object({
  schema: z.literal(RUN_REPORT_SCHEMA),
  source: z.object({
    kind: z.enum(['simulated', 'measured', 'estimated']),
    tool: z.string(),
    tool_version: z.string().nullable().optional(),
    run_id: z.string(),
    started_at: z.string().nullable().optional(),
    ended_at: z.string().nullable().optional(),
    raw_files: z.array(z.string()).optional(),
  }),
  scenario: z.object({
    model_id: z.string(),
    params_total_b: nnum.optional(),
    params_active_b: nnum.optional(),
    dtype: z.string().nullable().optional(),
    accelerators: z.array(z.object({ name: z.string(), count: num.int().positive(), tdp_w: nnum.optional() })),
    infra_name: z.string().nullable().optional(),
    concurrency: nnum.optional(),
    request_rate_rps: z.union([num, z.literal('inf')]).nullable().optional(),
    site: z.object({
      pue: nnum,
      grid_region: z.string().nullable().optional(),
      ci_gco2e_per_kwh: nnum.optional(),
      ci_source: z.string().nullable().optional(),
      ci_year: nnum.optional(),
    }),
  }),
  workload: z.object({
    duration_s: num.nonnegative(),
    requests_completed: num.int().nonnegative(),
    requests_failed: num.int().nonnegative().nullable().optional(),
    input_tokens: nnum.optional(),
    output_tokens: nnum.optional(),
    tokens_estimated: z.boolean().optional(),
  }),
  performance: z.object({
    output_tok_per_s: nnum.optional(),
    total_tok_per_s: nnum.optional(),
    request_per_s: nnum.optional(),
    ttft_ms: statsSchema.optional(),
    tpot_ms: statsSchema.optional(),
    itl_ms: statsSchema.optional(),
    e2e_latency_ms: statsSchema.optional(),
    peak_gpu_memory_mb: nnum.optional(),
    flops_total: nnum.optional(),
  }),
  energy: z.object({
    gpu_j: nnum,
    gpu_busy_j: nnum.optional(),
    gpu_idle_j: nnum.optional(),
    cpu_j: nnum,
    ram_j: nnum,
    link_j: nnum.optional(),
    other_it_j: nnum.optional(),
    it_total_j: nnum,
    facility_overhead_j: nnum,
    facility_total_j: nnum,
    mean_gpu_power_w: nnum.optional(),
    baseline_gpu_power_w: nnum.optional(),
    method: z.enum(ENERGY_METHODS),
    pue_applied_in_source: z.boolean(),
  }),
  carbon: z.object({
    operational_gco2e: nnum,
    embodied_gco2e: nnum,
    total_gco2e: nnum,
    embodied_method: z.string().nullable().optional(),
    embodied_per_device_kgco2e: nnum.optional(),
    lifetime_years: nnum.optional(),
    amortisation_basis: z.enum(['reservation', 'busy']).nullable().optional(),
  }),
  water: z.object({ total_l: num, method: z.string() }).nullable().optional(),
  intensity: z.object({
    j_per_output_token: nnum,
    j_per_total_token: nnum,
    wh_per_request: nnum,
    tokens_per_j: nnum,
    energy_per_user_j: nnum,
    gco2e_per_1k_output_tokens: splitSchema,
    gco2e_per_request: splitSchema,
  }),
  per_request: perRequestSchema.nullable().optional(),
  timeseries: z.object({ power_w: z.array(z.tuple([num, num])), component: z.string() }).nullable().optional(),
  provenance: z.object({ factors: z.array(factorSchema), warnings: z.array(z.string()) }),
});

export type RunReport = z.infer<typeof runReportSchema>;
export type RunReportDraft = Omit<RunReport, 'schema' | 'intensity'>;
export type EnergyBlock = RunReport['energy'];
export type CarbonBlock = RunReport['carbon'];

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || !(b > 0) ? null : a / b;

/**
 * Intensities from totals (energy-model.md §7.5): J per output/total token, Wh per request and gCO2e per 1k output
 * tokens / per request use facility energy (IT × PUE); tokens_per_j = output tokens per facility joule;
 * energy_per_user_j = facility energy / concurrency (aiperf definition).
 */
export function computeIntensity(r: Pick<RunReport, 'energy' | 'carbon' | 'workload' | 'scenario'>): RunReport['intensity'] {
  const e = r.energy.facility_total_j;
  const out = r.workload.output_tokens;
  const tot = out === null || out === undefined || r.workload.input_tokens === null || r.workload.input_tokens === undefined ? null : out + r.workload.input_tokens;
  const n = r.workload.requests_completed;
  const per = (g: number | null, d: number | null | undefined, k = 1) => {
    const v = ratio(g, d);
    return v === null ? null : v * k;
  };
  const split = (d: number | null | undefined, k: number) => ({
    operational: per(r.carbon.operational_gco2e, d, k),
    embodied: per(r.carbon.embodied_gco2e, d, k),
    total: per(r.carbon.total_gco2e, d, k),
  });
  return {
    j_per_output_token: ratio(e, out),
    j_per_total_token: ratio(e, tot),
    wh_per_request: per(e, n, 1 / 3600),
    tokens_per_j: ratio(out, e),
    energy_per_user_j: ratio(e, r.scenario.concurrency),
    gco2e_per_1k_output_tokens: split(out, 1000),
    gco2e_per_request: split(n, 1),
  };
}

/** Stamps the schema id and recomputes intensities; validates the result (a programming error throws). */
export function finalizeRunReport(draft: RunReportDraft): RunReport {
  const report = { schema: RUN_REPORT_SCHEMA, ...draft, intensity: computeIntensity(draft) } as RunReport;
  const checked = runReportSchema.safeParse(report);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new Error(`RunReport invalid at '${issue.path.join('.')}': ${issue.message}`);
  }
  return checked.data;
}

/** Parses a RunReport read from a file: bad input is an InputError naming the field; intensities are recomputed. */
export function parseRunReport(raw: unknown, file?: string): RunReport {
  const parsed = runReportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${issue.message} (expected a ${RUN_REPORT_SCHEMA} report)`, { file, field: issue.path.join('.') || undefined });
  }
  return { ...parsed.data, intensity: computeIntensity(parsed.data) };
}

/** An energy block for a run with no energy measurement. */
export function noEnergy(): EnergyBlock {
  return {
    gpu_j: null,
    cpu_j: null,
    ram_j: null,
    it_total_j: null,
    facility_overhead_j: null,
    facility_total_j: null,
    method: 'none',
    pue_applied_in_source: false,
  };
}

export function noCarbon(): CarbonBlock {
  return { operational_gco2e: null, embodied_gco2e: null, total_gco2e: null };
}

/** Mean, std (population), min, max and linearly interpolated percentiles (idx = q/100·(n−1)) of finite values. */
export function summarize(values: ArrayLike<number | null>): Stats {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && Number.isFinite(v)) xs.push(v);
  }
  if (xs.length === 0) return { count: 0 };
  xs.sort((a, b) => a - b);
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const q = (p: number) => percentileSorted(xs, p);
  return {
    count: xs.length,
    mean,
    median: q(50),
    std: Math.sqrt(ss / xs.length),
    p50: q(50),
    p90: q(90),
    p95: q(95),
    p99: q(99),
    min: xs[0],
    max: xs[xs.length - 1],
  };
}

/** The headline figures of a report, in a fixed order, for printing and comparing (null = not known). */
export function headlineFigures(r: RunReport): { name: string; unit: string; value: number | null }[] {
  const s = (x: Stats | undefined, k: 'mean' | 'p99') => x?.[k] ?? null;
  const p = r.performance;
  return [
    { name: 'duration', unit: 's', value: r.workload.duration_s },
    { name: 'requests completed', unit: '', value: r.workload.requests_completed },
    { name: 'input tokens', unit: '', value: r.workload.input_tokens ?? null },
    { name: 'output tokens', unit: '', value: r.workload.output_tokens ?? null },
    { name: 'output throughput', unit: 'tok/s', value: p.output_tok_per_s ?? null },
    { name: 'request throughput', unit: 'req/s', value: p.request_per_s ?? null },
    { name: 'TTFT mean', unit: 'ms', value: s(p.ttft_ms, 'mean') },
    { name: 'TTFT P99', unit: 'ms', value: s(p.ttft_ms, 'p99') },
    { name: 'TPOT mean', unit: 'ms', value: s(p.tpot_ms, 'mean') },
    { name: 'TPOT P99', unit: 'ms', value: s(p.tpot_ms, 'p99') },
    { name: 'ITL mean', unit: 'ms', value: s(p.itl_ms, 'mean') },
    { name: 'E2E mean', unit: 'ms', value: s(p.e2e_latency_ms, 'mean') },
    { name: 'E2E P99', unit: 'ms', value: s(p.e2e_latency_ms, 'p99') },
    { name: 'GPU energy', unit: 'J', value: r.energy.gpu_j },
    { name: 'IT energy', unit: 'J', value: r.energy.it_total_j },
    { name: 'facility energy', unit: 'J', value: r.energy.facility_total_j },
    { name: 'mean GPU power', unit: 'W', value: r.energy.mean_gpu_power_w ?? null },
    { name: 'operational carbon', unit: 'gCO2e', value: r.carbon.operational_gco2e },
    { name: 'embodied carbon', unit: 'gCO2e', value: r.carbon.embodied_gco2e },
    { name: 'energy per output token', unit: 'J/token', value: r.intensity.j_per_output_token },
    { name: 'energy per request', unit: 'Wh/request', value: r.intensity.wh_per_request },
    { name: 'tokens per joule', unit: 'tok/J', value: r.intensity.tokens_per_j },
    { name: 'carbon per 1k output tokens (operational)', unit: 'gCO2e', value: r.intensity.gco2e_per_1k_output_tokens.operational },
    { name: 'carbon per 1k output tokens (embodied)', unit: 'gCO2e', value: r.intensity.gco2e_per_1k_output_tokens.embodied },
  ];
}

/**
 * Headline figures of two reports side by side; diff % = (a − b)/b × 100 where both are known and b ≠ 0: A relative to
 * B, so `sim compare simulated.json measured.json` prints (sim − measured)/measured as `npm run bench:accuracy` does.
 */
export function compareRunReports(a: RunReport, b: RunReport): { name: string; unit: string; a: number | null; b: number | null; diffPct: number | null }[] {
  const fb = headlineFigures(b);
  return headlineFigures(a).map((fa, i) => {
    const vb = fb[i].value;
    const diffPct = fa.value !== null && vb !== null && vb !== 0 ? ((fa.value - vb) / vb) * 100 : null;
    return { name: fa.name, unit: fa.unit, a: fa.value, b: vb, diffPct };
  });
}
