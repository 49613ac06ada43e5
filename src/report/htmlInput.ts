// `sim report html <input>`: what the input is decides the page. A results folder (plan.json) → the sweep page; a
// RunReport (.json/.msgpack, e.g. `sim impact --out`) → a run page with its latency CDFs and energy; a `sim run
// --summary` JSON → a run page of figures; an experiment file with one run → that run simulated here, with every
// per-run chart (heartbeats and iteration records are only available while the run happens).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { InputError } from '../errors.js';
import { planExperiment } from '../experiment/session.js';
import { runnableScenario } from '../experiment/sweep.js';
import { renderRunHtml, renderSweepHtml, type HtmlReport } from './html.js';
import { runPageFromReport, runPageFromSummary, simulateRunPage } from './runPage.js';
import { RUN_REPORT_SCHEMA } from './runReport.js';
import { readRunReport } from './runReportWriters.js';
import { SUMMARY_SCHEMA, type RunSummary } from './summary.js';
import { sweepPageFromResults } from './sweepPage.js';

export interface HtmlInput {
  kind: 'sweep' | 'run-report' | 'summary' | 'experiment';
  /** Where the page goes unless told: <results>/report.html, else beside the input with .html. */
  defaultOut: string;
}

/** What an input path is, by its shape (folder with plan.json, schema id of a JSON file, experiment extension). */
export function classifyHtmlInput(path: string): HtmlInput {
  if (!existsSync(path)) throw new InputError('no such file or folder', { file: path });
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'plan.json'))) throw new InputError('a folder must be a results folder (with plan.json, made by `sim sweep`)', { file: path });
    return { kind: 'sweep', defaultOut: join(path, 'report.html') };
  }
  const ext = extname(path).toLowerCase();
  const defaultOut = join(dirname(path), `${basename(path, extname(path))}.html`);
  if (ext === '.msgpack' || ext === '.mpk') return { kind: 'run-report', defaultOut };
  if (ext === '.yaml' || ext === '.yml') return { kind: 'experiment', defaultOut };
  if (ext !== '.json') throw new InputError(`expected a results folder, a RunReport (.json, .msgpack), a summary JSON or an experiment file (.yaml, .json), got '${ext || 'no extension'}'`, { file: path });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, { file: path });
  }
  const schema = (raw as { schema?: unknown } | null)?.schema;
  if (schema === RUN_REPORT_SCHEMA) return { kind: 'run-report', defaultOut };
  if (schema === SUMMARY_SCHEMA) return { kind: 'summary', defaultOut };
  if (raw !== null && typeof raw === 'object' && ('base' in raw || '_extends' in raw)) return { kind: 'experiment', defaultOut };
  throw new InputError(`expected schema '${RUN_REPORT_SCHEMA}' or '${SUMMARY_SCHEMA}', or an experiment file (with 'base'), got ${schema === undefined ? 'none' : `'${String(schema)}'`}`, {
    file: path,
    field: 'schema',
  });
}

/** Build the page of an input (simulating an experiment's single run when given one). */
export async function buildHtmlReport(path: string, input: HtmlInput = classifyHtmlInput(path)): Promise<HtmlReport> {
  switch (input.kind) {
    case 'sweep':
      return renderSweepHtml(sweepPageFromResults(path));
    case 'run-report':
      return renderRunHtml(runPageFromReport(readRunReport(path)));
    case 'summary':
      return renderRunHtml(runPageFromSummary(JSON.parse(readFileSync(path, 'utf8')) as RunSummary, basename(path)));
    case 'experiment': {
      const p = planExperiment(path);
      if (p.plan.runs.length !== 1) {
        throw new InputError(`the experiment has ${p.plan.runs.length} runs: run \`sim sweep ${path}\`, then \`sim report html <its results folder>\``, { file: path });
      }
      const run = p.plan.runs[0];
      const page = await simulateRunPage(runnableScenario(run.scenario, p.rootDir), { runId: `${p.name}/${run.id}` });
      return renderRunHtml(page);
    }
  }
}
