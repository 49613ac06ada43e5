// Reads an LLMServingSim 2.0 profile bundle (reference README §1): <root>/<hw>/<org>/<model>/<variant>/
// with meta.yaml and tp<N>/{dense,per_sequence,attention,skew_fit}.csv. Parsing and validation only; the
// lookups themselves are native (native/core/lookup.cc, attention_table.cc, skew.cc).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, closestNames } from '../errors.js';
import { readCsvFile } from './csv.js';

export interface LayerTable {
  keys: Float64Array;
  timeUs: Float64Array;
}

export interface AttentionColumns {
  prefillChunk: Float64Array;
  kvPrefill: Float64Array;
  nDecode: Float64Array;
  kvDecode: Float64Array;
  timeUs: Float64Array;
}

export interface MoeColumns {
  tokens: Float64Array;
  activatedExperts: Float64Array;
  timeUs: Float64Array;
}

export interface SkewSpec {
  alphaDefault: number;
  hasTpEntry: boolean;
  nBins: Float64Array;
  skewRateBins: Float64Array;
  kvBigBins: Float64Array;
  kpBins: Float64Array;
  /** skew_fit.csv rows with labels turned into label indices (-1 = label unknown to meta.yaml) */
  buckets?: { pc: Float64Array; n: Float64Array; sr: Float64Array; kvb: Float64Array; kp: Float64Array; alpha: Float64Array };
}

export interface PerfBundle {
  variantDir: string;
  tpDir: string;
  tp: number;
  meta: BundleMeta;
  /** layer -> table; undefined when the file is absent (those layers fall back to the roofline) */
  dense?: Map<string, LayerTable>;
  perSequence?: Map<string, LayerTable>;
  attention?: AttentionColumns;
  /** tp1/moe.csv whatever the TP (README §1.7); MoE bundles only */
  moe?: MoeColumns;
  /** undefined = skew correction disabled (alpha 0) */
  skew?: SkewSpec;
}

const numberList = z.array(z.number());
const metaSchema = z.looseObject({
  hardware: z.string().optional(),
  model: z.string().optional(),
  variant: z.string().optional(),
  tp_degrees: z.array(z.number().int().positive()).optional(),
  engine_effective: z
    .looseObject({ max_num_batched_tokens: z.number().optional(), max_num_seqs: z.number().optional() })
    .optional(),
  skew_fit: z
    .looseObject({
      enabled: z.boolean().optional(),
      alpha_default: z.number().optional(),
      bucket_axes: z
        .looseObject({
          n_bins: numberList,
          n_labels: z.array(z.string()),
          skew_rate_bins: numberList,
          skew_rate_labels: z.array(z.string()),
          kv_big_bins: numberList,
          kv_big_labels: z.array(z.string()),
          kp_bins: numberList,
          kp_labels: z.array(z.string()),
        })
        .optional(),
      per_tp: z
        .record(z.string(), z.looseObject({ alpha_default: z.number(), bucket_table: z.string().optional() }))
        .optional(),
    })
    .optional(),
});
export type BundleMeta = z.infer<typeof metaSchema>;

// Parsed bundles by folder, TP degree and the files' size and mtime: the instances of a cluster (and the runs of a
// sweep in one process) share one parse of the same bundle instead of re-reading its CSVs each.
const BUNDLE_CACHE_SIZE = 8;
const bundleCache = new Map<string, PerfBundle>();

function bundleSignature(variantDir: string, tp: number): string {
  const files = ['meta.yaml', `tp${tp}/dense.csv`, `tp${tp}/per_sequence.csv`, `tp${tp}/attention.csv`, 'tp1/dense.csv', 'tp1/per_sequence.csv', 'tp1/moe.csv'];
  const parts = [resolve(variantDir), String(tp)];
  for (const f of files) {
    try {
      const st = statSync(join(variantDir, f));
      parts.push(`${f}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${f}:-`);
    }
  }
  return parts.join('|');
}

/** Load a perf-model bundle (parsed once per process while its files are unchanged; treat the result as read-only). */
export function loadPerfBundle(variantDir: string, tp: number): PerfBundle {
  if (!isDir(variantDir)) return readPerfBundle(variantDir, tp); // throws the clear error
  const key = bundleSignature(variantDir, tp);
  const hit = bundleCache.get(key);
  if (hit) return hit;
  const bundle = readPerfBundle(variantDir, tp);
  if (bundleCache.size >= BUNDLE_CACHE_SIZE) bundleCache.delete(bundleCache.keys().next().value!);
  bundleCache.set(key, bundle);
  return bundle;
}

function readPerfBundle(variantDir: string, tp: number): PerfBundle {
  if (!isDir(variantDir)) {
    const parent = dirname(variantDir);
    const siblings = isDir(parent) ? readdirSync(parent).filter((f) => isDir(join(parent, f))) : [];
    const hint = siblings.length
      ? ` Variants present: ${siblings.join(', ')}; did you mean ${closestNames(basename(variantDir), siblings, 1)[0]}?`
      : '';
    throw new InputError(`perf-model variant folder not found (expected <root>/<hw>/<org>/<model>/<variant>).${hint}`, {
      file: variantDir,
    });
  }
  const metaFile = join(variantDir, 'meta.yaml');
  const meta = readMeta(metaFile);
  const tpDir = join(variantDir, `tp${tp}`);
  if (!isDir(tpDir)) {
    const present = readdirSync(variantDir).filter((f) => /^tp\d+$/.test(f) && isDir(join(variantDir, f)));
    throw new InputError(
      `no tp${tp}/ folder: this bundle was profiled at ${present.length ? present.join(', ') : 'no TP degree'}; LLMServingSim does not extrapolate across TP (README §1.1)`,
      { file: tpDir },
    );
  }
  const bundle: PerfBundle = { variantDir, tpDir, tp, meta };
  const densePath = join(tpDir, 'dense.csv');
  if (existsSync(densePath)) bundle.dense = withTpStable(readLayerCsv(densePath, 'tokens'), variantDir, tp, 'dense.csv', 'tokens');
  const perSeqPath = join(tpDir, 'per_sequence.csv');
  if (existsSync(perSeqPath)) {
    bundle.perSequence = withTpStable(readLayerCsv(perSeqPath, 'sequences'), variantDir, tp, 'per_sequence.csv', 'sequences');
  }
  const attnPath = join(tpDir, 'attention.csv');
  if (existsSync(attnPath)) bundle.attention = readAttentionCsv(attnPath);
  const moePath = join(variantDir, 'tp1', 'moe.csv');
  if (existsSync(moePath)) bundle.moe = readMoeCsv(moePath);
  bundle.skew = readSkew(meta, metaFile, variantDir, tp);
  return bundle;
}

/** Layers profiled at tp1 and used at every TP degree (architecture catalogs' `tp_stable`, README §1.1, §2.2). */
export const TP_STABLE_LAYERS = ['layernorm', 'final_layernorm', 'qk_norm', 'sampler'];

// README §2.2: tp_stable layers are read from tp1 whatever the TP (the profiler copies them into tp<N>/ verbatim,
// so this only matters for bundles whose tp<N>/ lacks or differs in them).
function withTpStable(tables: Map<string, LayerTable>, variantDir: string, tp: number, file: string, keyColumn: string): Map<string, LayerTable> {
  const tp1File = join(variantDir, 'tp1', file);
  if (tp === 1 || !existsSync(tp1File)) return tables;
  const tp1 = readLayerCsv(tp1File, keyColumn);
  for (const layer of TP_STABLE_LAYERS) {
    const t = tp1.get(layer);
    if (t) tables.set(layer, t);
  }
  return tables;
}

/** True if path exists and is a directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readMeta(file: string): BundleMeta {
  if (!existsSync(file)) throw new InputError('missing meta.yaml in the perf-model variant folder', { file });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const pos = (err as { linePos?: { line: number }[] }).linePos?.[0];
    throw new InputError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, { file, line: pos?.line });
  }
  const parsed = metaSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${issue.message}`, { file, field: issue.path.join('.') });
  }
  return parsed.data;
}

function readLayerCsv(file: string, keyColumn: string): Map<string, LayerTable> {
  const t = readCsvFile(file, [
    { name: 'layer', kind: 'string' },
    { name: keyColumn, kind: 'number', nonNegative: true },
    { name: 'time_us', kind: 'number', nonNegative: true },
  ]);
  const rowsByLayer = new Map<string, number[]>();
  t.strings.layer.forEach((layer, r) => {
    const list = rowsByLayer.get(layer) ?? [];
    list.push(r);
    rowsByLayer.set(layer, list);
  });
  const out = new Map<string, LayerTable>();
  for (const [layer, rows] of rowsByLayer) {
    out.set(layer, {
      keys: Float64Array.from(rows, (r) => t.numbers[keyColumn][r]),
      timeUs: Float64Array.from(rows, (r) => t.numbers.time_us[r]),
    });
  }
  return out;
}

function readAttentionCsv(file: string): AttentionColumns {
  const t = readCsvFile(file, [
    { name: 'prefill_chunk', kind: 'number', nonNegative: true, integer: true },
    { name: 'kv_prefill', kind: 'number', nonNegative: true, integer: true },
    { name: 'n_decode', kind: 'number', nonNegative: true, integer: true },
    { name: 'kv_decode', kind: 'number', nonNegative: true, integer: true },
    { name: 'time_us', kind: 'number', nonNegative: true },
  ]);
  return {
    prefillChunk: t.numbers.prefill_chunk,
    kvPrefill: t.numbers.kv_prefill,
    nDecode: t.numbers.n_decode,
    kvDecode: t.numbers.kv_decode,
    timeUs: t.numbers.time_us,
  };
}

function readMoeCsv(file: string): MoeColumns {
  const t = readCsvFile(file, [
    { name: 'tokens', kind: 'number', nonNegative: true, integer: true },
    { name: 'activated_experts', kind: 'number', nonNegative: true, integer: true },
    { name: 'time_us', kind: 'number', nonNegative: true },
  ]);
  return { tokens: t.numbers.tokens, activatedExperts: t.numbers.activated_experts, timeUs: t.numbers.time_us };
}

// README §2.3 "Skew correction": which alpha applies, from meta.yaml's skew_fit block and tp<N>/skew_fit.csv.
function readSkew(meta: BundleMeta, metaFile: string, variantDir: string, tp: number): SkewSpec | undefined {
  const fit = meta.skew_fit;
  if (!fit?.enabled) return undefined;
  const axes = fit.bucket_axes;
  if (!axes) throw new InputError('skew_fit.enabled is true but skew_fit.bucket_axes is missing', { file: metaFile, field: 'skew_fit.bucket_axes' });
  const perTp = fit.per_tp?.[String(tp)];
  const spec: SkewSpec = {
    alphaDefault: perTp ? perTp.alpha_default : (fit.alpha_default ?? 0),
    hasTpEntry: perTp !== undefined,
    nBins: Float64Array.from(axes.n_bins),
    skewRateBins: Float64Array.from(axes.skew_rate_bins),
    kvBigBins: Float64Array.from(axes.kv_big_bins),
    kpBins: Float64Array.from(axes.kp_bins),
  };
  if (!perTp) return spec;
  const tableFile = join(variantDir, perTp.bucket_table ?? `tp${tp}/skew_fit.csv`);
  if (!existsSync(tableFile)) return spec; // no table: every bucket uses alpha_default
  const t = readCsvFile(tableFile, [
    { name: 'pc', kind: 'number', nonNegative: true, integer: true },
    { name: 'n_label', kind: 'string' },
    { name: 'skew_rate_label', kind: 'string' },
    { name: 'kv_big_label', kind: 'string' },
    { name: 'kp_label', kind: 'string' },
    { name: 'alpha', kind: 'number' },
  ]);
  const index = (labels: string[], column: string) => Float64Array.from(t.strings[column], (l) => labels.indexOf(l));
  spec.buckets = {
    pc: t.numbers.pc,
    n: index(axes.n_labels, 'n_label'),
    sr: index(axes.skew_rate_labels, 'skew_rate_label'),
    kvb: index(axes.kv_big_labels, 'kv_big_label'),
    kp: index(axes.kp_labels, 'kp_label'),
    alpha: t.numbers.alpha,
  };
  return spec;
}
