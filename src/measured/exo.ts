// exo-lab benchmark CSV (`enhanced_metrics_benchmark.py`, energy-model.md §1.2, §9.6): one row per (model, prompt, run).
// Its token_count is words × 1.3 (an estimate) and tokens_per_second derives from it: the report flags both.
// memory_usage is the client's RSS delta, not GPU memory: kept out of the report.
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { finalizeRunReport, noCarbon, noEnergy, summarize, type RunReport } from '../report/runReport.js';
import { CsvColumns, readCsvFile } from './csvTable.js';

export function importExoBenchmark(file: string, opts: { model?: string } = {}): RunReport {
  const table = readCsvFile(file);
  const c = new CsvColumns(table);
  c.require('model', 'prompt', 'run', 'total_latency', 'first_token_time', 'token_count', 'success');
  let rows = table.rows;
  const models = [...new Set(rows.map((r) => c.text(r, 'model')))];
  if (opts.model !== undefined) {
    rows = rows.filter((r) => c.text(r, 'model') === opts.model);
    if (rows.length === 0) throw new InputError(`no rows for model '${opts.model}' (have ${models.join(', ')})`, { file, field: 'model' });
  } else if (models.length > 1) {
    throw new InputError(`rows for ${models.length} models (${models.join(', ')}): choose one`, { file, field: 'model' });
  }
  const ok: boolean[] = rows.map((r) => {
    const s = c.text(r, 'success').toLowerCase();
    if (s !== 'true' && s !== 'false') throw new InputError(`expected True or False, found '${c.text(r, 'success')}'`, { file, line: r.line, field: 'success' });
    return s === 'true';
  });
  const good = rows.filter((_, i) => ok[i]);
  const e2e = good.map((r) => c.requiredNumber(r, 'total_latency') * 1000);
  const ttft = good.map((r) => c.requiredNumber(r, 'first_token_time') * 1000);
  const out = good.map((r) => c.requiredNumber(r, 'token_count'));
  // Runs are sequential requests from one client: the benchmark's busy time is the sum of latencies.
  const durationS = e2e.reduce((a, b) => a + b, 0) / 1000;
  const outTok = out.reduce((a, b) => a + b, 0);
  return finalizeRunReport({
    source: { kind: 'measured', tool: 'exo enhanced_metrics_benchmark', run_id: basename(file), raw_files: [file] },
    scenario: { model_id: opts.model ?? models[0], accelerators: [], concurrency: 1, site: { pue: null } },
    workload: { duration_s: durationS, requests_completed: good.length, requests_failed: rows.length - good.length, input_tokens: null, output_tokens: outTok, tokens_estimated: true },
    performance: {
      output_tok_per_s: durationS > 0 ? outTok / durationS : null,
      request_per_s: durationS > 0 ? good.length / durationS : null,
      ttft_ms: summarize(ttft),
      e2e_latency_ms: summarize(e2e),
    },
    energy: noEnergy(),
    carbon: noCarbon(),
    per_request: {
      request_id: good.map((r) => `${c.text(r, 'prompt')}#${c.text(r, 'run')}`),
      input_tokens: good.map(() => null),
      output_tokens: out,
      ttft_ms: ttft,
      e2e_ms: e2e,
    },
    provenance: {
      factors: [],
      warnings: [
        'exo token_count is an estimate (words × 1.3); output tokens and throughputs are estimates',
        'duration = sum of request latencies (sequential single-client runs)',
        'no energy measurement in an exo benchmark',
      ],
    },
  });
}
