// `sim dataset synth | convert | stats`: make and inspect workload files. Parses, calls the library, prints.
import type { Argv, CommandModule } from 'yargs';
import { convertShareGpt } from '../workload/convert.js';
import { readWorkloadFile } from '../workload/load.js';
import { workloadStats } from '../workload/stats.js';
import { synthesizeShareGptLike, SYNTH_DEFAULTS } from '../workload/synth.js';
import { writeWorkloadFile } from '../workload/writers.js';

const synth: CommandModule<object, { 'num-reqs': number; rate: number; seed: number; out: string }> = {
  command: 'synth',
  describe: 'Write a ShareGPT-like workload (Poisson arrivals, lognormal lengths fitted to ShareGPT); defaults remake datasets/sharegpt.tsv',
  builder: (y) =>
    y
      .option('num-reqs', { type: 'number', default: SYNTH_DEFAULTS.numRequests, describe: 'requests' })
      .option('rate', { type: 'number', default: SYNTH_DEFAULTS.rateRps, describe: 'arrival rate, requests per second' })
      .option('seed', { type: 'number', default: SYNTH_DEFAULTS.seed, describe: 'random seed' })
      .option('out', { type: 'string', default: 'datasets/sharegpt.tsv', describe: 'output .tsv or .jsonl' }),
  handler: (args) => {
    writeWorkloadFile(args.out, synthesizeShareGptLike({ numRequests: args['num-reqs'], rateRps: args.rate, seed: args.seed }));
    process.stdout.write(`wrote ${args['num-reqs']} requests to ${args.out}\n`);
  },
};

interface ConvertArgs {
  input: string;
  out: string;
  tokenizer: string;
  rate: number;
  seed: number;
  'num-reqs': number;
  'max-input': number | undefined;
  'max-output': number | undefined;
  'token-ids': boolean;
}

const convert: CommandModule<object, ConvertArgs> = {
  command: 'convert <input>',
  describe: 'Convert a ShareGPT JSON (turn 0 = prompt, turn 1 = reply) to a .tsv or .jsonl workload with real token counts',
  builder: (y) =>
    (y as Argv<object>)
      .positional('input', { type: 'string', demandOption: true, describe: 'ShareGPT JSON file' })
      .option('out', { type: 'string', demandOption: true, describe: 'output .tsv or .jsonl' })
      .option('tokenizer', { type: 'string', default: 'llama3', describe: 'tokenizer (llama3)' })
      .option('rate', { type: 'number', default: 10, describe: 'Poisson arrival rate, requests per second' })
      .option('seed', { type: 'number', default: 1, describe: 'random seed' })
      .option('num-reqs', { type: 'number', default: 0, describe: 'stop after N requests (0 = all)' })
      .option('max-input', { type: 'number', describe: 'drop conversations whose prompt has more tokens' })
      .option('max-output', { type: 'number', describe: 'drop conversations whose reply has more tokens' })
      .option('token-ids', { type: 'boolean', default: true, describe: 'JSONL: include token ids' }) as Argv<ConvertArgs>,
  handler: async (args) => {
    const s = await convertShareGpt(args.input, args.out, {
      tokenizer: args.tokenizer,
      rateRps: args.rate,
      seed: args.seed,
      numReqs: args['num-reqs'],
      maxInputToks: args['max-input'],
      maxOutputToks: args['max-output'],
      tokenIds: args['token-ids'],
      onProgress: (p) => process.stderr.write(`\r${p.conversations} conversations, ${p.written} requests…`),
    });
    if (s.conversations >= 1000) process.stderr.write('\n');
    process.stdout.write(
      `wrote ${s.written} requests to ${args.out} (Σ input ${s.sumInputToks}, Σ output ${s.sumOutputToks} tokens; ` +
        `skipped ${s.skippedEmpty} empty, ${s.skippedTooLong} too long)\n`,
    );
  },
};

const stats: CommandModule<object, { file: string; 'num-reqs': number }> = {
  command: 'stats <file>',
  describe: 'Print request count, token sums and means, and arrival span of a workload file',
  builder: (y) =>
    (y as Argv<object>)
      .positional('file', { type: 'string', demandOption: true })
      .option('num-reqs', { type: 'number', default: 0, describe: 'read only the first N lines (0 = all)' }) as Argv<{ file: string; 'num-reqs': number }>,
  handler: async (args) => {
    const s = workloadStats(await readWorkloadFile(args.file, { numReqs: args['num-reqs'] }));
    process.stdout.write(
      [
        `lines ${s.lines} (sessions ${s.sessions}), requests ${s.requests}, with token ids ${s.withTokenIds}`,
        `input  Σ ${s.sumInputToks}  mean ${s.meanInputToks.toFixed(1)}`,
        `output Σ ${s.sumOutputToks}  mean ${s.meanOutputToks.toFixed(1)}`,
        `arrivals ${(s.firstArrivalNs / 1e9).toFixed(3)} s … ${(s.lastArrivalNs / 1e9).toFixed(3)} s`,
      ].join('\n') + '\n',
    );
  },
};

export const datasetCommand: CommandModule = {
  command: 'dataset <command>',
  describe: 'Make and inspect workload files (synth, convert, stats)',
  builder: (y) => y.command(synth).command(convert).command(stats).demandCommand(1),
  handler: () => {},
};
