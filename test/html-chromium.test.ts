// The HTML report end to end: a one-run experiment simulated for its page (series checked against the run's own
// totals), a sweep's page, each opened in headless Chromium (Debian's /usr/bin/chromium, installed by .ci/run): the
// page's inline check reports every chart laid out, the console is silent, a screenshot is taken. A deliberately
// broken page shows the console check does catch errors. `sim report html` writes the page atomically.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/index.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { createInProcessExecutor } from '../src/experiment/executor.js';
import { ResultsStore } from '../src/experiment/resultsStore.js';
import { planExperiment } from '../src/experiment/session.js';
import { runnableScenario, runSweep } from '../src/experiment/sweep.js';
import { renderRunHtml, renderSweepHtml, writeHtmlReport } from '../src/report/html.js';
import { simulateRunPage, type RunPage } from '../src/report/runPage.js';
import { sweepPageFromResults } from '../src/report/sweepPage.js';
import { runOne as fakeRunOne } from './fixtures/experiments/fakeRunner.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`html-chromium: skipping the browser checks: ${CHROMIUM} not found (install Debian's chromium, as .ci/run does)`);

const ONE_RUN = join(PACKAGE_ROOT, 'test', 'fixtures', 'html', 'one-run.yaml');
const tempDir = () => mkdtempSync(join(tmpdir(), 'servesim-html-'));

interface BrowserResult {
  dom: string;
  consoleLines: string[];
}

/** Open a file in headless Chromium (fresh profile, no network extras), dump the DOM after load, collect console lines. */
function openInChromium(file: string, screenshot?: string): BrowserResult {
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${tempDir()}`,
    '--enable-logging=stderr',
    '--v=0',
  ];
  const url = pathToFileURL(file).href;
  const dump = spawnSync(CHROMIUM, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
  if (dump.status !== 0) throw new Error(`chromium exited ${dump.status}: ${dump.stderr.slice(-2000)}`);
  if (screenshot) {
    const shot = spawnSync(CHROMIUM, [...flags, '--window-size=1200,2400', `--screenshot=${screenshot}`, url], { encoding: 'utf8', timeout: 60_000 });
    if (shot.status !== 0) throw new Error(`chromium screenshot exited ${shot.status}: ${shot.stderr.slice(-2000)}`);
  }
  return { dom: dump.stdout, consoleLines: dump.stderr.split('\n').filter((l) => /:CONSOLE|Uncaught/.test(l)) };
}

function chartsDrawn(dom: string): { charts: number; drawn: number } {
  const body = /<body[^>]*data-charts="(\d+)"[^>]*data-charts-drawn="(\d+)"/.exec(dom);
  if (!body) throw new Error(`the page's render check did not run: ${dom.slice(0, 500)}`);
  return { charts: Number(body[1]), drawn: Number(body[2]) };
}

/** PNG width and height from its IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('run page of a simulated run', () => {
  let page: RunPage;
  beforeAll(async () => {
    const p = planExperiment(ONE_RUN);
    page = await simulateRunPage(runnableScenario(p.plan.runs[0].scenario, p.rootDir), { runId: 'html-test' });
  });
  const figure = (name: string) => page.figures.find((f) => f.name === name)!.value!;

  it('has a CDF per latency metric over all 150 requests, ending at fraction 1 above the P99', () => {
    expect(page.latencyCdfs.map((c) => c.metric)).toEqual(['TTFT', 'TPOT', 'E2E']);
    for (const c of page.latencyCdfs) {
      expect(c.points.length).toBeGreaterThan(100); // distinct values of 150 requests
      expect(c.points.at(-1)!.fraction).toBe(1);
    }
    expect(page.latencyCdfs[0].points.at(-1)!.value).toBeGreaterThanOrEqual(figure('TTFT P99'));
    expect(page.latencyCdfs[2].points.at(-1)!.value).toBeGreaterThanOrEqual(figure('E2E P99'));
  });

  it('throughput over time integrates to the run\'s tokens (prompt exactly; generation up to the last heartbeat)', () => {
    let prev = 0;
    let prompt = 0;
    let gen = 0;
    for (const h of page.throughput) {
      prompt += h.promptTokensPerS * (h.timeS - prev);
      gen += h.generationTokensPerS * (h.timeS - prev);
      prev = h.timeS;
    }
    expect(prompt).toBeCloseTo(figure('input tokens'), 6);
    expect(gen).toBeLessThanOrEqual(figure('output tokens') + 1e-6);
    expect(gen).toBeGreaterThan(0.95 * figure('output tokens'));
  });

  it('batch size reaches and never passes max_num_seqs (32); KV use is a percentage; points are bounded', () => {
    expect(page.batch.length).toBeGreaterThan(50);
    expect(page.batch.length).toBeLessThanOrEqual(400);
    expect(Math.max(...page.batch.map((b) => b.maxBatch))).toBe(32);
    for (const b of page.batch) {
      expect(b.meanBatch).toBeLessThanOrEqual(b.maxBatch + 1e-9);
      expect(b.kvUsePct).toBeGreaterThan(0);
      expect(b.kvUsePct).toBeLessThanOrEqual(100);
    }
  });

  it('energy bars add up to the facility energy', () => {
    const sum = page.energy.reduce((a, p) => a + p.energyJ, 0);
    expect(sum).toBeCloseTo(figure('facility energy'), 6);
    expect(page.energy.map((p) => p.component)).toContain('facility overhead (PUE)');
  });

  it('is deterministic: the same experiment simulated again gives the same page, byte for byte', async () => {
    const p = planExperiment(ONE_RUN);
    const again = await simulateRunPage(runnableScenario(p.plan.runs[0].scenario, p.rootDir), { runId: 'html-test' });
    expect((await renderRunHtml(again)).html).toBe((await renderRunHtml(page)).html);
  });

  it.skipIf(!haveChromium)('opens in headless Chromium with all 5 charts drawn and a silent console', async () => {
    const dir = tempDir();
    const file = join(dir, 'run.html');
    const report = await renderRunHtml(page);
    expect(report.charts.map((c) => c.id)).toEqual(['latency-cdf', 'throughput', 'batch-size', 'kv-use', 'energy']);
    writeHtmlReport(file, report);
    const shot = join(dir, 'run.png');
    const r = openInChromium(file, shot);
    expect(chartsDrawn(r.dom)).toEqual({ charts: 5, drawn: 5 });
    expect(r.consoleLines).toEqual([]);
    expect(pngSize(shot)).toEqual({ width: 1200, height: 2400 });
    expect(statSync(shot).size).toBeGreaterThan(50_000); // a page of charts, not a blank one
  });
});

describe.skipIf(!haveChromium)('in headless Chromium', () => {
  it('a sweep page shows its 4 charts with a silent console', async () => {
    const p = planExperiment(join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments', 'sweep24.yaml'));
    const dir = tempDir();
    await runSweep({ name: p.name, plan: p.plan, rootDir: p.rootDir, store: new ResultsStore(dir), executor: createInProcessExecutor(fakeRunOne, 2) });
    const file = join(dir, 'report.html');
    writeHtmlReport(file, await renderSweepHtml(sweepPageFromResults(dir)));
    const r = openInChromium(file);
    expect(chartsDrawn(r.dom)).toEqual({ charts: 4, drawn: 4 });
    expect(r.consoleLines).toEqual([]);
  });

  it('the console check catches a page that throws (control)', () => {
    const file = join(tempDir(), 'bad.html');
    writeFileSync(file, '<!DOCTYPE html><html><body><figure class="chart"></figure><script>notDefined();</script></body></html>');
    const r = openInChromium(file);
    expect(r.consoleLines.join('\n')).toMatch(/Uncaught ReferenceError: notDefined is not defined/);
    expect(() => chartsDrawn(r.dom)).toThrow(/render check did not run/);
  });
});

describe('sim report html', () => {
  it('writes <results>/report.html for a results folder, leaving no temp file', async () => {
    const p = planExperiment(join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments', 'sweep24.yaml'));
    const dir = tempDir();
    await runSweep({ name: p.name, plan: p.plan, rootDir: p.rootDir, store: new ResultsStore(dir), executor: createInProcessExecutor(fakeRunOne, 1) });
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      await main(['report', 'html', dir, '--png-dir', join(dir, 'png')]);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toMatch(/Saved the HTML report \(4 charts, \d+ KiB\) to .*report\.html/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg[\s>]/g)).toHaveLength(4);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // --png-dir: each chart also as a PNG, at twice the SVG's size (resvg, bundled font).
    expect(out.join('')).toMatch(/Saved 4 PNG charts to /);
    expect(readdirSync(join(dir, 'png')).sort()).toEqual(['energy-per-output-token-against-batch-limit.png', 'p99-tpot-against-load.png', 'p99-ttft-against-load.png', 'per-model.png']);
    const svgWidth = Number(/<figure class="chart" data-chart="per-model">\n<svg[^>]* width="(\d+)"/.exec(html)![1]);
    expect(pngSize(join(dir, 'png', 'per-model.png')).width).toBe(2 * svgWidth);
  });

  it('rejects a folder that is not a results folder, and a multi-run experiment, with errors naming the file', async () => {
    const { classifyHtmlInput, buildHtmlReport } = await import('../src/report/htmlInput.js');
    const empty = tempDir();
    expect(() => classifyHtmlInput(empty)).toThrow(/results folder \(with plan\.json/);
    const sweepFile = join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments', 'sweep24.yaml');
    await expect(buildHtmlReport(sweepFile)).rejects.toThrow(/has 24 runs: run `sim sweep/);
    const bad = join(empty, 'x.json');
    writeFileSync(bad, '{"schema":"nope/1"}');
    expect(() => classifyHtmlInput(bad)).toThrow(/expected schema 'servesim.run-report\/1'/);
    expect(() => classifyHtmlInput(bad)).toThrow(expect.objectContaining({ exitCode: 2, file: bad, field: 'schema' }));
  });
});
