// `sim capacity <file>`: per configuration, the largest request rate (or user count) that meets the experiment's SLOs,
// then the configurations ranked by capacity, throughput per GPU or cost. Parses, calls the library, prints.
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { capacityTableCsv, checkCapacitySpec, rankCapacity, runCapacitySearch } from '../experiment/capacity.js';
import { runLabel } from '../experiment/expand.js';
import { rankKeys, type RankKey } from '../experiment/experimentSchema.js';
import { ResultsStore } from '../experiment/resultsStore.js';
import { createExecutor, defaultWorkers, planExperiment, resultsDirOf } from '../experiment/session.js';
import { RUNNER_OPTION, WORKERS_OPTION } from './experimentOptions.js';

interface CapacityArgs {
  file: string;
  workers?: number;
  out?: string;
  runner?: string;
  rankBy?: RankKey;
  top: number;
  quiet: boolean;
}

const fmt = (x: number | undefined, d = 2) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '-');

export const capacityCommand: CommandModule<object, CapacityArgs> = {
  command: 'capacity <file>',
  describe: "Find each configuration's largest load meeting the SLOs (binary search), and rank the configurations",
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'experiment file with a capacity section' })
      .option('workers', WORKERS_OPTION)
      .option('out', { type: 'string', describe: 'results folder (probes are kept there, so a rerun resumes)' })
      .option('runner', RUNNER_OPTION)
      .option('rank-by', { choices: rankKeys, describe: "ranking (default: the file's capacity.rankBy, else capacity)" })
      .option('top', { type: 'number', default: 10, describe: 'configurations to print' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no line per probe' }),
  handler: async (args) => {
    const p = planExperiment(args.file);
    const spec = checkCapacitySpec(p.experiment, p.plan, p.file);
    const dir = resultsDirOf(p, args.out);
    const store = new ResultsStore(dir);
    const workers = args.workers ?? defaultWorkers();
    const executor = await createExecutor(workers, args.runner);
    process.stdout.write(`capacity ${p.name}: ${p.plan.runs.length} configuration(s), ${spec.over} in [${spec.low}, ${spec.high}] step ${spec.step}, ${workers} worker(s)\n`);
    try {
      const rows = await runCapacitySearch({
        exp: p.experiment,
        spec,
        plan: p.plan,
        rootDir: p.rootDir,
        store,
        executor,
        onProbe: args.quiet ? undefined : (c, load, ok) => process.stdout.write(`  ${runLabel(c)}: ${spec.over}=${load} ${ok ? 'meets' : 'misses'} the SLO\n`),
      });
      store.writeText('capacity.csv', capacityTableCsv(spec, p.plan.axes, rows));
      const by = args.rankBy ?? spec.rankBy ?? 'capacity';
      process.stdout.write(`\nBest by ${by}:\n`);
      for (const r of rankCapacity(rows, by).slice(0, args.top)) {
        const cap = r.status === 'none-meets' ? `none (even ${spec.low} misses)` : `${r.capacity}${r.status === 'all-meet' ? ' (= high; all meet)' : ` (${r.next} misses)`}`;
        process.stdout.write(
          `  ${r.configId} ${runLabel(r.config)}: ${spec.over} ${cap}; ${fmt(r.throughputPerGpu, 1)} output tok/s per GPU; ` +
            `${fmt(r.costPerMTokens, 3)} USD per M output tokens; ${fmt(r.energyPerOutputToken, 3)} J per output token\n`,
        );
      }
      process.stdout.write(`table: ${join(dir, 'capacity.csv')}\n`);
    } finally {
      await executor.close();
    }
  },
};
