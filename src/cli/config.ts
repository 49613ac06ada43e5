// `sim config validate <file>` and `sim config show <file>`: check an experiment file (with its `_extends` bases) and
// every run it expands to, or print the resolved experiment. Parses, calls the library, prints.
import { relative } from 'node:path';
import type { CommandModule } from 'yargs';
import YAML from 'yaml';
import { runLabel } from '../experiment/expand.js';
import { planExperiment } from '../experiment/session.js';

const validate: CommandModule<object, { file: string }> = {
  command: 'validate <file>',
  describe: 'Check an experiment file, its _extends bases and every run of its sweep (exit 2 with the file and field on error)',
  builder: (y) => y.positional('file', { type: 'string', demandOption: true, describe: 'experiment file (.yaml, .yml or .json)' }),
  handler: async (args) => {
    const p = planExperiment(args.file);
    const bases = p.files.length - 1;
    const scenarios = p.experiment.scenarios ? Object.keys(p.experiment.scenarios).length : 1;
    process.stdout.write(
      `ok: ${args.file}${bases ? ` (+${bases} base file${bases > 1 ? 's' : ''})` : ''}: ${p.plan.runs.length} runs ` +
        `(${scenarios} scenario${scenarios > 1 ? 's' : ''}; axes: ${p.plan.axes.join(', ') || 'none'})` +
        (p.plan.duplicates ? `; ${p.plan.duplicates} duplicate point(s) kept once` : '') +
        (p.experiment.capacity ? `; capacity search over ${p.experiment.capacity.over}` : '') +
        '\n',
    );
  },
};

const show: CommandModule<object, { file: string; json: boolean; runs: boolean }> = {
  command: 'show <file>',
  describe: 'Print the resolved experiment (bases merged, paths relative to the file); --runs lists the runs it expands to',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'JSON instead of YAML' })
      .option('runs', { type: 'boolean', default: false, describe: 'list run ids and labels instead' }),
  handler: async (args) => {
    const p = planExperiment(args.file);
    if (args.runs) {
      for (const r of p.plan.runs) process.stdout.write(`${r.id}  ${runLabel(r)}\n`);
      return;
    }
    const doc = { ...p.experiment, name: p.name };
    if (args.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    else process.stdout.write(`# resolved from ${p.files.map((f) => relative(process.cwd(), f)).join(', ')}\n` + YAML.stringify(doc));
  },
};

export const configCommand: CommandModule = {
  command: 'config',
  describe: 'Experiment files: validate or show the resolved configuration',
  builder: (y) => y.command(validate).command(show).demandCommand(1, 'Give `validate` or `show`.'),
  handler: () => {},
};
