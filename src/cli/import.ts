// `sim import <format> <files..>`: turn a measured run into a RunReport file (.json, .msgpack or .csv) and print it.
// Parses, calls the importers, prints. No logic here.
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../errors.js';
import { importCodeCarbon } from '../measured/codecarbon.js';
import { combineMeasured } from '../measured/combine.js';
import { importExoBenchmark } from '../measured/exo.js';
import { importLlmEnergyMeasure } from '../measured/llmEnergyMeasure.js';
import { importLlmServingSimBench } from '../measured/llmServingSimBench.js';
import { importSimLlmBenchmark } from '../measured/simLlmBenchmark.js';
import { importVllmBench } from '../measured/vllmBench.js';
import type { RunReport } from '../report/runReport.js';
import { formatRunReportText, writeRunReport } from '../report/runReportWriters.js';

const FORMATS = ['vllm', 'llmservingsim', 'codecarbon', 'sim-llm-benchmark', 'llm-energy-measure', 'exo'] as const;
type Format = (typeof FORMATS)[number];

interface ImportArgs {
  format: Format;
  files: string[];
  out?: string;
  pue?: number;
  meta?: string;
  row?: string;
  model?: string;
  'nb-users'?: number;
  'global-impacts'?: string;
  'raw-latencies'?: string;
  unit?: 'W' | 'mW';
  ci?: number;
  gpu?: string;
  codecarbon?: string;
  'codecarbon-row'?: string;
  quiet: boolean;
}

function rowOption(v: string | undefined): string | number | undefined {
  return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v;
}

function importOne(a: ImportArgs): RunReport {
  const one = () => {
    if (a.files.length !== 1) throw new InputError(`format '${a.format}' takes one file, got ${a.files.length}`, { field: 'files' });
    return a.files[0];
  };
  switch (a.format) {
    case 'vllm':
      return importVllmBench(one());
    case 'llmservingsim':
      return importLlmServingSimBench(one(), { metaFile: a.meta, pue: a.pue });
    case 'codecarbon':
      return importCodeCarbon(one(), { row: rowOption(a.row), modelId: a.model });
    case 'sim-llm-benchmark':
      return importSimLlmBenchmark(a.files, { unit: a.unit, pue: a.pue, modelId: a.model, nbUsers: a['nb-users'], globalImpacts: a['global-impacts'], rawLatencies: a['raw-latencies'], ciGPerKWh: a.ci, gpuName: a.gpu });
    case 'llm-energy-measure':
      return importLlmEnergyMeasure(one(), { pue: a.pue });
    case 'exo':
      return importExoBenchmark(one(), { model: a.model });
  }
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <format> <files..>',
  describe: 'Import a measured run (vLLM bench, LLMServingSim bench, CodeCarbon, Sim LLM Benchmark, LLM Energy Measure, exo) into a RunReport',
  builder: (y) =>
    (y as Argv<object>)
      .positional('format', { choices: FORMATS, demandOption: true, describe: 'input format' })
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'input file(s); sim-llm-benchmark: one power log per GPU' })
      .option('out', { type: 'string', describe: 'write the RunReport: .json, .msgpack or .csv (+ .requests.csv)' })
      .option('pue', { type: 'number', describe: 'PUE of the site, when the source does not record it' })
      .option('meta', { type: 'string', describe: 'llmservingsim: meta.json (default beside requests.jsonl)' })
      .option('row', { type: 'string', describe: 'codecarbon: run_id or 0-based row (default last)' })
      .option('model', { type: 'string', describe: 'model id (codecarbon, sim-llm-benchmark, exo)' })
      .option('nb-users', { type: 'number', describe: 'sim-llm-benchmark: user count of the run' })
      .option('global-impacts', { type: 'string', describe: 'sim-llm-benchmark: global_impacts[_mtc].csv' })
      .option('raw-latencies', { type: 'string', describe: 'sim-llm-benchmark: raw_latencies_<model>.csv (needs --nb-users)' })
      .option('unit', { choices: ['W', 'mW'] as const, describe: 'sim-llm-benchmark: power unit (mW for tegrastats)' })
      .option('ci', { type: 'number', describe: 'sim-llm-benchmark: grid intensity gCO2e/kWh' })
      .option('gpu', { type: 'string', describe: 'sim-llm-benchmark: GPU name' })
      .option('codecarbon', { type: 'string', describe: 'pair a benchmark (vllm, llmservingsim, exo) with this CodeCarbon emissions.csv for energy' })
      .option('codecarbon-row', { type: 'string', describe: 'row of --codecarbon (run_id or index)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'do not print the report' }) as unknown as Argv<ImportArgs>,
  handler: async (a) => {
    let report = importOne(a);
    if (a.codecarbon) report = combineMeasured(report, importCodeCarbon(a.codecarbon, { row: rowOption(a['codecarbon-row']) }));
    if (!a.quiet) process.stdout.write(formatRunReportText(report));
    if (a.out) {
      const written = writeRunReport(a.out, report);
      process.stdout.write(`Saved the run report to ${written.join(', ')}\n`);
    }
  },
};
