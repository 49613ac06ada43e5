// `sim results list|show|merge`: browse a results folder and join shard folders. Parses, calls the library, prints.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../errors.js';
import { runLabel } from '../experiment/expand.js';
import { findShardDirs, mergeShards } from '../experiment/merge.js';
import { ResultsStore } from '../experiment/resultsStore.js';
import { shardOf } from '../experiment/shard.js';

const fmt = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : '-');

const list: CommandModule<object, { dir: string }> = {
  command: 'list [dir]',
  describe: 'List the runs of a results folder (id, status, scenario and axes, throughput, P99 TTFT/TPOT)',
  builder: (y) => y.positional('dir', { type: 'string', default: '.', describe: 'results folder' }),
  handler: async (args) => {
    const store = new ResultsStore(resolve(args.dir));
    const plan = store.readPlan();
    const done = store.finishedIds();
    const runs = shardOf(plan.runs, plan.shard && { ...plan.shard, source: 'plan.json' });
    const which = plan.shard ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.runs.length})` : '';
    process.stdout.write(`${plan.name}${which}: ${runs.filter((r) => done.has(r.id)).length} of ${runs.length} runs done\n`);
    for (const run of runs) {
      if (!done.has(run.id)) {
        process.stdout.write(`${run.id}  pending  ${runLabel(run)}\n`);
        continue;
      }
      const rec = store.readRecord(run.id);
      const figures =
        rec.status === 'ok'
          ? `out ${fmt(rec.metrics.output_throughput)} tok/s, P99 TTFT ${fmt(rec.metrics.p99_ttft_ms)} ms, P99 TPOT ${fmt(rec.metrics.p99_tpot_ms)} ms`
          : rec.error;
      process.stdout.write(`${run.id}  ${rec.status.padEnd(7)}  ${runLabel(run)}: ${figures}\n`);
    }
  },
};

const show: CommandModule<object, { id: string; dir: string }> = {
  command: 'show <id>',
  describe: 'Print one run record (its scenario and figures); a unique id prefix is enough',
  builder: (y) =>
    y.positional('id', { type: 'string', demandOption: true }).option('dir', { type: 'string', default: '.', describe: 'results folder' }),
  handler: async (args) => {
    const store = new ResultsStore(resolve(args.dir));
    const ids = [...store.finishedIds()].filter((id) => id.startsWith(args.id)).sort();
    if (ids.length !== 1) {
      throw new InputError(ids.length === 0 ? `no finished run with id ${args.id}` : `id ${args.id} is ambiguous: ${ids.join(', ')}`, { file: store.dir });
    }
    process.stdout.write(JSON.stringify(store.readRecord(ids[0]), null, 2) + '\n');
  },
};

const merge: CommandModule<object, { dirs: string[]; out?: string }> = {
  command: 'merge <dirs..>',
  describe: 'Join shard folders into one results folder (a folder holding shard-<i>-of-<n>/ merges into itself)',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard folders, or one folder that holds them' })
      .option('out', { type: 'string', describe: 'merged folder (default: the folder holding the shards)' }),
  handler: async (args) => {
    let sources = args.dirs.map((d) => resolve(d));
    let out = args.out ? resolve(args.out) : undefined;
    if (sources.length === 1 && findShardDirs(sources[0]).length > 0) {
      out ??= sources[0];
      sources = findShardDirs(sources[0]);
    }
    if (!out) throw new InputError('give --out <folder> for the merged results', { field: 'out' });
    for (const s of sources) if (!existsSync(s)) throw new InputError('no such folder', { file: s });
    const r = mergeShards(sources, out);
    process.stdout.write(`merged ${r.shards.length} shard(s) into ${out}: ${r.present} of ${r.runs} runs\n`);
    if (r.missing.length > 0) {
      process.stderr.write(`warning: ${r.missing.length} run(s) missing (rerun their shard): ${r.missing.slice(0, 10).join(', ')}${r.missing.length > 10 ? ', ...' : ''}\n`);
    }
  },
};

export const resultsCommand: CommandModule = {
  command: 'results',
  describe: 'Browse results folders and merge shards',
  builder: (y) => y.command(list).command(show).command(merge).demandCommand(1, 'Give `list`, `show` or `merge`.'),
  handler: () => {},
};
