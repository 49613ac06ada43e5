// Writers and readers of a RunReport: JSON (whole report), msgpack (whole report; typed arrays become plain arrays so
// Python's msgpack reads them), CSV (a `field,value` summary plus one row per request). Every file is written to a
// temp file then renamed, so a reader never sees half a report.
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import { writeFileAtomic } from '../atomicFile.js';
import { InputError } from '../errors.js';
import { csvField } from './requestsCsv.js';
import { compareRunReports, headlineFigures, parseRunReport, type RunReport } from './runReport.js';

/** Deep copy with typed arrays turned into plain arrays and undefined fields dropped (stable for JSON and msgpack). */
export function toPlain(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toPlain(v);
    return out;
  }
  return value;
}

export function runReportToJson(report: RunReport): string {
  return JSON.stringify(toPlain(report), null, 2) + '\n';
}

export function writeRunReportJson(path: string, report: RunReport): void {
  writeFileAtomic(path, runReportToJson(report));
}

export function writeRunReportMsgpack(path: string, report: RunReport): void {
  writeFileAtomic(path, encode(toPlain(report)));
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return csvField(s);
}

/** Flattens the report (without per_request and timeseries) into dotted `field,value` rows. */
export function runReportSummaryRows(report: RunReport): [string, string][] {
  const rows: [string, string][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v === undefined) return;
    if (Array.isArray(v)) {
      if (v.length === 0) rows.push([prefix, '']);
      v.forEach((item, i) => walk(`${prefix}.${i}`, item));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, child);
    } else rows.push([prefix, csvCell(v)]);
  };
  const { per_request: _pr, timeseries: _ts, ...rest } = report;
  walk('', rest);
  return rows;
}

/** The per-request CSV path that goes with a summary CSV path (`x.csv` → `x.requests.csv`). */
export function requestsCsvPath(summaryPath: string): string {
  const ext = extname(summaryPath);
  return join(dirname(summaryPath), `${basename(summaryPath, ext)}.requests.csv`);
}

/** Writes the summary CSV and, when the report has per-request columns, the per-request CSV. Returns the paths written. */
export function writeRunReportCsv(path: string, report: RunReport): string[] {
  const lines = ['field,value', ...runReportSummaryRows(report).map(([k, v]) => `${csvCell(k)},${v}`)];
  const written = [path];
  const pr = report.per_request;
  if (pr) {
    const cols = Object.entries(pr).filter(([, v]) => v !== undefined) as [string, ArrayLike<unknown>][];
    const out = [cols.map(([k]) => k).join(',')];
    for (let i = 0; i < pr.request_id.length; i++) out.push(cols.map(([, v]) => csvCell(v[i])).join(','));
    const reqPath = requestsCsvPath(path);
    writeFileAtomic(reqPath, out.join('\n') + '\n');
    written.push(reqPath);
  }
  writeFileAtomic(path, lines.join('\n') + '\n');
  return written;
}

/** Writes by extension: .json, .msgpack/.mpk, .csv. */
export function writeRunReport(path: string, report: RunReport): string[] {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') writeRunReportJson(path, report);
  else if (ext === '.msgpack' || ext === '.mpk') writeRunReportMsgpack(path, report);
  else if (ext === '.csv') return writeRunReportCsv(path, report);
  else throw new InputError(`unknown report format '${ext}': expected .json, .msgpack or .csv`, { file: path });
  return [path];
}

/** Reads a RunReport from .json or .msgpack, validated; intensities are recomputed. */
export function readRunReport(path: string): RunReport {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read report: ${(err as Error).message}`, { file: path });
  }
  const ext = extname(path).toLowerCase();
  let raw: unknown;
  try {
    raw = ext === '.msgpack' || ext === '.mpk' ? decode(buf) : JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new InputError(`not a valid ${ext === '.json' ? 'JSON' : 'msgpack'} file: ${(err as Error).message}`, { file: path });
  }
  return parseRunReport(raw, path);
}

function fmt(v: number | null): string {
  if (v === null) return '-';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e9)) return v.toExponential(4);
  return Number.isInteger(v) ? String(v) : v.toFixed(a < 1 ? 6 : a < 100 ? 3 : 1);
}

/** A human-readable page of a report: source, headline figures, then warnings. */
export function formatRunReportText(r: RunReport): string {
  const lines = [
    `${r.schema}  ${r.source.kind} by ${r.source.tool}${r.source.tool_version ? ` ${r.source.tool_version}` : ''}  run ${r.source.run_id}`,
    `model ${r.scenario.model_id}  on ${r.scenario.accelerators.map((a) => `${a.count}× ${a.name}`).join(', ') || 'unknown hardware'}` +
      `  PUE ${r.scenario.site.pue ?? '-'}  grid ${r.scenario.site.grid_region ?? '-'} ${r.scenario.site.ci_gco2e_per_kwh !== undefined && r.scenario.site.ci_gco2e_per_kwh !== null ? `${fmt(r.scenario.site.ci_gco2e_per_kwh)} gCO2e/kWh` : ''}`.trimEnd(),
    `energy method ${r.energy.method}${r.carbon.embodied_method ? `  embodied ${r.carbon.embodied_method}` : ''}${r.workload.tokens_estimated ? '  (token counts are estimates)' : ''}`,
    '',
  ];
  const figures = headlineFigures(r);
  const w = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) lines.push(`${f.name.padEnd(w)}  ${fmt(f.value).padStart(14)} ${f.unit}`);
  if (r.provenance.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const warning of r.provenance.warnings) lines.push(`  - ${warning}`);
  }
  return lines.join('\n') + '\n';
}

/** Two reports side by side with the difference in percent. */
export function formatComparisonText(a: RunReport, b: RunReport): string {
  const rows = compareRunReports(a, b);
  const w = Math.max(...rows.map((r) => r.name.length + r.unit.length + 3));
  const head = `${'metric'.padEnd(w)}  ${`A: ${a.source.kind}`.padStart(14)}  ${`B: ${b.source.kind}`.padStart(14)}  ${'diff %'.padStart(8)}`;
  const lines = [`A = ${a.source.tool} ${a.source.run_id}`, `B = ${b.source.tool} ${b.source.run_id}`, '', head];
  for (const r of rows) {
    const label = r.unit ? `${r.name} (${r.unit})` : r.name;
    lines.push(`${label.padEnd(w)}  ${fmt(r.a).padStart(14)}  ${fmt(r.b).padStart(14)}  ${(r.diffPct === null ? '-' : `${r.diffPct >= 0 ? '+' : ''}${r.diffPct.toFixed(1)}`).padStart(8)}`);
  }
  return lines.join('\n') + '\n';
}
