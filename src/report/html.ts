// The self-contained HTML report: one file with inline CSS, the charts as inline SVG (Vega-Lite → SVG by plots.ts)
// and the tables; no external URL, no timestamp (the same inputs give the same bytes). A tiny inline script marks the
// body with how many charts were laid out, so a headless browser check can tell the page rendered them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import {
  batchSizeSpec,
  energyBreakdownSpec,
  formatNumber,
  kvUseSpec,
  latencyCdfSpec,
  perModelBarsSpec,
  sweepLineSpec,
  throughputSpec,
} from './chartSpecs.js';
import { svgToPng, vegaLiteToSvg } from './plots.js';
import type { RunPage } from './runPage.js';
import type { SweepPage } from './sweepPage.js';
import type { TopLevelSpec } from 'vega-lite';

export interface Chart {
  /** File-name-safe id (also the figure's data-chart attribute). */
  id: string;
  svg: string;
}

export interface HtmlReport {
  html: string;
  charts: Chart[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
.sub{color:#5b6670;margin:0 0 8px}
figure.chart{background:#fff;border:1px solid #dfe3e8;border-radius:6px;margin:0 0 18px;padding:10px;overflow-x:auto}
figure.chart svg{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;background:#fff;font-size:13px;margin-bottom:8px}
th,td{border:1px solid #dfe3e8;padding:4px 8px;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef1f4}
.scroll{overflow-x:auto;max-width:100%}
.columns{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
ul.notes{color:#5b6670;font-size:13px}ul.warnings{color:#8a4b00;font-size:13px}
footer{margin-top:36px;color:#8a949e;font-size:12px}
`;

const RENDER_CHECK = `(function(){var f=document.querySelectorAll('figure.chart'),n=0;for(var i=0;i<f.length;i++){var s=f[i].querySelector('svg');` +
  `if(s&&s.getBoundingClientRect().width>0&&s.querySelector('path,rect,line'))n++;}` +
  `document.body.setAttribute('data-charts',String(f.length));document.body.setAttribute('data-charts-drawn',String(n));})();`;

function cellHtml(v: string | number | null): string {
  if (v === null) return '<td class="num">–</td>';
  if (typeof v === 'number') return `<td class="num">${esc(formatNumber(v))}</td>`;
  return `<td>${esc(v)}</td>`;
}

function tableHtml(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const head = `<tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map(cellHtml).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

/** A long list in two halves (two tables side by side), the first one the longer. */
function halves<T>(items: readonly T[]): T[][] {
  const mid = Math.ceil(items.length / 2);
  return items.length > 8 ? [items.slice(0, mid), items.slice(mid)] : [items.slice()];
}

function listHtml(cls: string, items: readonly string[]): string {
  return items.length ? `<ul class="${cls}">${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '';
}

async function renderCharts(specs: readonly [string, TopLevelSpec][]): Promise<Chart[]> {
  const charts: Chart[] = [];
  for (const [id, spec] of specs) charts.push({ id, svg: await vegaLiteToSvg(spec) });
  return charts;
}

const figureHtml = (c: Chart) => `<figure class="chart" data-chart="${esc(c.id)}">\n${c.svg}\n</figure>`;

function pageHtml(title: string, subtitle: string, sections: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">${esc(subtitle)}</p>`,
    ...sections.filter((s) => s.length > 0),
    '<footer>ServeSim report. Charts: Vega-Lite rendered to SVG.</footer>',
    '</main>',
    `<script>${RENDER_CHECK}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The specs of a run page's charts (only those with data), with their ids. */
export function runChartSpecs(p: RunPage): [string, TopLevelSpec][] {
  const specs: [string, TopLevelSpec][] = [];
  if (p.latencyCdfs.some((c) => c.points.length > 0)) specs.push(['latency-cdf', latencyCdfSpec(p.latencyCdfs)]);
  if (p.throughput.length > 0) specs.push(['throughput', throughputSpec(p.throughput, p.throughputSource)]);
  if (p.batch.length > 0) specs.push(['batch-size', batchSizeSpec(p.batch)], ['kv-use', kvUseSpec(p.batch)]);
  if (p.energy.length > 0) specs.push(['energy', energyBreakdownSpec(p.energy)]);
  return specs;
}

export async function renderRunHtml(p: RunPage): Promise<HtmlReport> {
  const charts = await renderCharts(runChartSpecs(p));
  const figures = p.figures.filter((f) => f.value !== null).map((f) => [f.name, f.value, f.unit] as (string | number | null)[]);
  const sections = [
    `<h2>Figures</h2>\n<div class="columns">${halves(figures).map((h) => tableHtml(['figure', 'value', 'unit'], h)).join('\n')}</div>`,
    p.instances.length ? `<h2>Instances</h2>\n${tableHtml(Object.keys(p.instances[0]), p.instances.map((r) => Object.values(r)))}` : '',
    charts.length ? `<h2>Charts</h2>\n${charts.map(figureHtml).join('\n')}` : '',
    listHtml('notes', p.notes),
    p.warnings.length ? `<h2>Warnings</h2>\n${listHtml('warnings', p.warnings)}` : '',
  ];
  return { html: pageHtml(p.title, p.subtitle, sections), charts };
}

export function sweepChartSpecs(p: SweepPage): [string, TopLevelSpec][] {
  const specs: [string, TopLevelSpec][] = p.lines.map((l) => [
    l.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
    sweepLineSpec({ title: l.title, subtitle: l.subtitle, xTitle: l.xTitle, yTitle: l.yTitle, points: l.points, log: l.log }),
  ]);
  if (p.modelBars.length > 0) specs.push(['per-model', perModelBarsSpec(p.modelBars, 'Per model (mean over its runs)')]);
  return specs;
}

export async function renderSweepHtml(p: SweepPage): Promise<HtmlReport> {
  const charts = await renderCharts(sweepChartSpecs(p));
  const status = `${p.finished} of ${p.planned} runs finished${p.failed ? `, ${p.failed} failed` : ''}`;
  const sections = [
    charts.length ? `<h2>Charts</h2>\n${charts.map(figureHtml).join('\n')}` : '',
    listHtml('notes', p.notes),
    `<h2>Runs</h2>\n${tableHtml(p.table.header, p.table.rows)}`,
  ];
  const axes = p.axes.length ? `, axes: ${p.axes.join(', ')}` : '';
  return { html: pageHtml(`Sweep ${p.name}`, `${status}${axes}`, sections), charts };
}

/** Write the page atomically (temp file, then rename). */
export function writeHtmlReport(path: string, report: HtmlReport): void {
  writeFileAtomic(path, report.html);
}

/** Each chart as <dir>/<id>.png (resvg, bundled font), each written to a temp file then renamed. Returns the paths. */
export function writeChartPngs(dir: string, charts: readonly Chart[]): string[] {
  mkdirSync(dir, { recursive: true });
  return charts.map((c) => {
    const path = join(dir, `${c.id}.png`);
    writeFileAtomic(path, svgToPng(c.svg));
    return path;
  });
}
