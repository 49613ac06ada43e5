// `sim report html <input>`: one self-contained HTML page (inline SVG charts and tables) of a sweep's results folder,
// a RunReport, a run summary, or an experiment file with one run (simulated here). Parses, calls the library, prints.
import type { Argv, CommandModule } from 'yargs';
import { writeChartPngs, writeHtmlReport } from '../report/html.js';
import { buildHtmlReport, classifyHtmlInput } from '../report/htmlInput.js';

interface HtmlArgs {
  input: string;
  out?: string;
  'png-dir'?: string;
}

export const reportHtmlCommand: CommandModule<object, HtmlArgs> = {
  command: 'html <input>',
  describe: 'Write one self-contained HTML report (charts and tables) of a results folder, a RunReport, a summary JSON, or a one-run experiment file',
  builder: (y) =>
    (y as Argv<object>)
      .positional('input', { type: 'string', demandOption: true, describe: 'results folder (sim sweep), RunReport .json/.msgpack (sim impact --out), summary .json (sim run --summary) or experiment .yaml/.json with one run' })
      .option('out', { type: 'string', describe: 'HTML file (default: <results>/report.html, else the input with .html)' })
      .option('png-dir', { type: 'string', describe: 'also write each chart as a PNG into this folder' }) as unknown as Argv<HtmlArgs>,
  handler: async (a) => {
    const input = classifyHtmlInput(a.input);
    const out = a.out ?? input.defaultOut;
    const report = await buildHtmlReport(a.input, input);
    writeHtmlReport(out, report);
    process.stdout.write(`Saved the HTML report (${report.charts.length} charts, ${(report.html.length / 1024).toFixed(0)} KiB) to ${out}\n`);
    if (a['png-dir']) {
      const files = writeChartPngs(a['png-dir'], report.charts);
      process.stdout.write(`Saved ${files.length} PNG charts to ${a['png-dir']}\n`);
    }
  },
};
