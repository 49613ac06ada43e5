// Perf-model regression bench: predicted iteration times of a fixed suite of batch shapes (decodes at several batch
// sizes and contexts, prefill chunks, mixed steps) for every shipped bundle (perf_models/) and every reference
// bundle (../shared/reference, skipped if absent), compared with bench/perf-models.baseline.json. Prints one row per
// bundle with its largest relative change and exits 1 past the threshold; --update rewrites the baseline.
// Run: npm run bench:perf-models [-- --threshold 0.5] [-- --update]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CostModel } from '../src/cost/costModel.js';
import { writeFileAtomic } from '../src/atomicFile.js';
import { loadAddon } from '../src/cost/native.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { listPerfBundles } from '../src/cost/perfModelBuild.js';
import { resolveHardware } from '../src/scenario/hardware.js';
import { resolveModel } from '../src/scenario/model.js';
import type { Dtype } from '../src/scenario/types.js';

const BASELINE = join(PACKAGE_ROOT, 'bench', 'perf-models.baseline.json');
const REFERENCE_PERF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'profiler', 'perf');
// TP > 1 adds all-reduces: the link of LLMServingSim's RTXPRO6000 validation configs (README §3.6 example).
const LINK = { bandwidthGBps: 16, latencyNs: 20000 };

type Batch = [number, number][]; // (new tokens, computed before) per request
const decodes = (n: number, kv: number): Batch => Array.from({ length: n }, () => [1, kv]);

/** The fixed suite: name -> batch. Changing it changes the baseline (run --update). */
const SHAPES: [string, Batch][] = [
  ...[1, 8, 32, 128, 256].flatMap((n) => [128, 1024, 4096, 16384].map((kv): [string, Batch] => [`decode n${n} kv${kv}`, decodes(n, kv)])),
  ...[16, 128, 512, 2048].map((c): [string, Batch] => [`prefill ${c}`, [[c, 0]]]),
  ...[512, 2048].map((c): [string, Batch] => [`prefill ${c} after 4096`, [[c, 4096]]]),
  ['mixed 512+32x2048', [[512, 512], ...decodes(32, 2048)]],
  ['mixed 1024+64x1024', [[1024, 0], ...decodes(64, 1024)]],
  ['mixed 256+128x4096', [[256, 2048], ...decodes(128, 4096)]],
  // unequal decode lengths (the skew correction, where a bundle has one)
  ['skewed 64 decodes 256..8192', Array.from({ length: 64 }, (_, i): [number, number] => [1, 256 + ((i * 1237) % 7937)])],
];

interface Target {
  key: string; // stable across machines: perf_models/... or reference/...
  variantDir: string;
  hardware: string;
  model: string;
  variant: string;
  tp: number;
}

function targets(): { list: Target[]; referencePresent: boolean } {
  const list: Target[] = [];
  const add = (root: string, prefix: string, keep: (generator: string) => boolean) => {
    for (const b of listPerfBundles(root).filter((x) => keep(x.generator))) {
      for (const tp of b.tpDegrees) {
        list.push({ key: `${prefix}/${b.hardware}/${b.model}/${b.variant}/tp${tp}`, variantDir: b.variantDir, hardware: b.hardware, model: b.model, variant: b.variant, tp });
      }
    }
  };
  add(join(PACKAGE_ROOT, 'perf_models'), 'perf_models', () => true);
  const referencePresent = existsSync(REFERENCE_PERF);
  if (referencePresent) add(REFERENCE_PERF, 'reference', () => true);
  return { list, referencePresent };
}

async function predict(t: Target): Promise<Record<string, number>> {
  const meta = parseYaml(readFileSync(join(t.variantDir, 'meta.yaml'), 'utf8')) as { model?: string };
  const model = await resolveModel(meta.model ?? t.model);
  const dtype = t.variant.replace(/-kvfp8$/, '') as Dtype;
  const cm = await CostModel.load({
    model, hardware: resolveHardware(t.hardware), weightDtype: dtype, kvDtype: t.variant.endsWith('-kvfp8') ? 'fp8' : dtype,
    tp: t.tp, perfBundle: t.variantDir, maxBatch: 512, link: t.tp > 1 ? LINK : undefined,
  });
  const out: Record<string, number> = {};
  for (const [name, batch] of SHAPES) {
    batch.forEach(([add, before], i) => {
      cm.newTokens[i] = add;
      cm.computedBefore[i] = before;
    });
    out[name] = cm.iterate(batch.length);
  }
  return out;
}

function parseArgs(argv: string[]): { update: boolean; thresholdPct: number } {
  const i = argv.indexOf('--threshold');
  const thresholdPct = i >= 0 ? Number(argv[i + 1]) : 0.5;
  if (!(thresholdPct >= 0)) throw new Error(`--threshold expects a percentage >= 0, got '${argv[i + 1]}'`);
  return { update: argv.includes('--update'), thresholdPct };
}

async function main(): Promise<number> {
  const { update, thresholdPct } = parseArgs(process.argv.slice(2));
  const { list, referencePresent } = targets();
  const current: Record<string, Record<string, number>> = {};
  for (const t of list) current[t.key] = await predict(t);

  const saved = existsSync(BASELINE) ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as { kernelVersion?: number; bundles: Record<string, Record<string, number>> }) : undefined;
  const baseline = saved?.bundles ?? {};
  const kernelVersion: number = loadAddon().kernelVersion();
  if (update) {
    // Reference entries stay in the baseline when the reference is absent here.
    const kept = referencePresent ? {} : Object.fromEntries(Object.entries(baseline).filter(([k]) => k.startsWith('reference/')));
    const merged = Object.fromEntries(Object.entries({ ...kept, ...current }).sort(([a], [b]) => a.localeCompare(b)));
    const text = JSON.stringify({ kernelVersion, shapes: SHAPES.map(([n]) => n), unit: 'ns per iteration', bundles: merged }, null, 1) + '\n';
    writeFileAtomic(BASELINE, text);
    process.stdout.write(`wrote ${BASELINE}: ${Object.keys(merged).length} bundles x ${SHAPES.length} shapes\n`);
    return 0;
  }

  const rows: string[][] = [['bundle', 'shapes', 'decode n32 kv1024 (ms)', 'prefill 2048 (ms)', 'max |change|', 'at shape']];
  let worst = { pct: 0, where: '' };
  const problems: string[] = [];
  for (const [key, now] of Object.entries(current)) {
    const before = baseline[key];
    if (!before) {
      problems.push(`${key}: not in the baseline (run with --update after checking the numbers)`);
      continue;
    }
    let max = { pct: 0, shape: '-' };
    for (const [shape, ns] of Object.entries(now)) {
      const old = before[shape];
      const pct = old === undefined ? Infinity : (Math.abs(ns - old) / old) * 100;
      if (pct > max.pct || (old === undefined && max.pct !== Infinity)) max = { pct, shape };
    }
    if (max.pct > worst.pct) worst = { pct: max.pct, where: `${key} / ${max.shape}` };
    rows.push([key, String(Object.keys(now).length), (now['decode n32 kv1024'] / 1e6).toFixed(3), (now['prefill 2048'] / 1e6).toFixed(3), `${max.pct.toFixed(3)} %`, max.shape]);
  }
  for (const key of Object.keys(baseline)) {
    if (current[key]) continue;
    if (key.startsWith('reference/') && !referencePresent) continue;
    problems.push(`${key}: in the baseline but not found`);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  process.stdout.write(rows.map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n');
  if (saved?.kernelVersion !== undefined && saved.kernelVersion !== kernelVersion) {
    process.stdout.write(`kernel version ${kernelVersion}, baseline recorded with ${saved.kernelVersion}\n`);
  }
  if (!referencePresent) process.stdout.write(`reference bundles skipped: ${REFERENCE_PERF} not found\n`);
  process.stdout.write(`largest relative change: ${worst.pct.toFixed(3)} %${worst.where ? ` (${worst.where})` : ''}; threshold ${thresholdPct} %\n`);
  for (const p of problems) process.stdout.write(`${p}\n`);
  return worst.pct > thresholdPct || problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
