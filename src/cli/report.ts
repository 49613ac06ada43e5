// `sim report show <file>` and `sim compare <a> <b>`: print RunReports (.json or .msgpack). Parses, reads, prints.
import type { Argv, CommandModule } from 'yargs';
import { formatComparisonText, formatRunReportText, readRunReport, writeRunReport } from '../report/runReportWriters.js';
import { reportHtmlCommand } from './report-html.js';

const show: CommandModule<object, { file: string; out?: string }> = {
  command: 'show <file>',
  describe: 'Print a run report (intensities recomputed from its totals)',
  builder: (y) =>
    (y as Argv<object>)
      .positional('file', { type: 'string', demandOption: true, describe: 'RunReport .json or .msgpack' })
      .option('out', { type: 'string', describe: 'also convert it: .json, .msgpack or .csv' }) as unknown as Argv<{ file: string; out?: string }>,
  handler: async (a) => {
    const report = readRunReport(a.file);
    process.stdout.write(formatRunReportText(report));
    if (a.out) process.stdout.write(`Saved the run report to ${writeRunReport(a.out, report).join(', ')}\n`);
  },
};

export const reportCommand: CommandModule = {
  command: 'report <command>',
  describe: 'Inspect run reports; write HTML reports of runs and sweeps',
  builder: (y) => y.command(show).command(reportHtmlCommand).demandCommand(1),
  handler: () => {},
};

export const compareCommand: CommandModule<object, { a: string; b: string }> = {
  command: 'compare <a> <b>',
  describe: 'Compare two run reports (e.g. simulated vs measured) metric by metric',
  builder: (y) =>
    (y as Argv<object>)
      .positional('a', { type: 'string', demandOption: true, describe: 'RunReport A (.json or .msgpack)' })
      .positional('b', { type: 'string', demandOption: true, describe: 'RunReport B' }) as unknown as Argv<{ a: string; b: string }>,
  handler: async (args) => {
    process.stdout.write(formatComparisonText(readRunReport(args.a), readRunReport(args.b)));
  },
};
