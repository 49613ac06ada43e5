// `sim sweep <file>`: run every run of an experiment over worker threads, resumably (records on disk as runs finish;
// the same command again does only what is missing), optionally one shard of it. Parses, calls the library, prints.
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { runLabel } from '../experiment/expand.js';
import { ResultsStore } from '../experiment/resultsStore.js';
import { createExecutor, defaultWorkers, planExperiment, resultsDirOf } from '../experiment/session.js';
import { resolveShard, shardDirName } from '../experiment/shard.js';
import { runSweep } from '../experiment/sweep.js';
import { Progress } from '../report/progress.js';
import { RUNNER_OPTION, WORKERS_OPTION } from './experimentOptions.js';

interface SweepArgs {
  file: string;
  workers?: number;
  out?: string;
  shard?: string;
  shards?: number;
  runner?: string;
  quiet: boolean;
}

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep <file>',
  describe: 'Run an experiment sweep over worker threads; resumable, shardable (results.csv, one row per run, in run-id order)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'experiment file (.yaml, .yml or .json)' })
      .option('workers', WORKERS_OPTION)
      .option('out', { type: 'string', describe: "results folder (default: the file's output, else results/<name> beside it)" })
      .option('shard', { type: 'string', describe: 'run one slice: i/n, 0-based (also from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)' })
      .option('shards', { type: 'number', describe: 'shard count, when the index comes from the environment' })
      .option('runner', RUNNER_OPTION)
      .option('quiet', { type: 'boolean', default: false, describe: 'no line per finished run' }),
  handler: async (args) => {
    const p = planExperiment(args.file);
    const shard = resolveShard(args.shard, args.shards);
    const base = resultsDirOf(p, args.out);
    const dir = shard ? join(base, shardDirName(shard)) : base;
    const store = new ResultsStore(dir);
    const workers = args.workers ?? defaultWorkers();
    const executor = await createExecutor(workers, args.runner);
    process.stdout.write(
      `sweep ${p.name}: ${p.plan.runs.length} runs` + (shard ? `, shard ${shard.index}/${shard.count} (from ${shard.source})` : '') + `, ${workers} worker(s) → ${dir}\n`,
    );
    let progress: Progress | undefined;
    try {
      const r = await runSweep({
        name: p.name,
        plan: p.plan,
        rootDir: p.rootDir,
        store,
        executor,
        shard,
        // A bar on a terminal (stderr), plain status lines every 10 s elsewhere; run lines (stdout) above the bar.
        onStart: (s) => {
          progress = new Progress({ total: s.total, unit: 'runs', tty: !!process.stderr.isTTY, writeStatus: (t) => process.stderr.write(t), writeLog: (t) => process.stdout.write(t) });
          progress.resumeFrom(s.done);
        },
        onRunDone: (rec, prog) => {
          progress?.update(prog.done);
          if (!args.quiet) progress?.log(`[${prog.done}/${prog.total}] ${rec.id} ${runLabel(rec)} ${rec.status === 'ok' ? 'ok' : `error: ${rec.error}`}`);
        },
      });
      progress?.finish();
      process.stdout.write(
        `done: ${r.total} runs (${r.skipped} from earlier, ${r.ran} now${r.errors ? `, ${r.errors} failed` : ''}); table ${join(dir, 'results.csv')} (${r.tableRows} rows)\n`,
      );
    } finally {
      await executor.close();
    }
  },
};
