// `sim dataset convert`: ShareGPT JSON → LLMServingSim TSV or JSONL, with token counts from a real tokenizer and
// Poisson arrivals from the 'arrivals' stream of the seed. JSONL output keeps the token ids (prefix caching).
import { writeLinesAtomic } from '../atomicFile.js';
import { InputError } from '../errors.js';
import { Rng } from '../rng.js';
import { createArrivalProcess } from './arrivals.js';
import type { FlatRow } from './loadedWorkload.js';
import { readShareGpt } from './sharegpt.js';
import { loadTokenizer } from './tokenizer.js';
import { writableFormatOf, workloadLines } from './writers.js';

export interface ConvertOptions {
  tokenizer?: string;
  rateRps?: number;
  seed?: number;
  /** Stop after this many requests (0 or undefined: all). */
  numReqs?: number;
  /** Drop conversations whose prompt or reply is longer than this many tokens. */
  maxInputToks?: number;
  maxOutputToks?: number;
  /** JSONL only: write input_tok_ids/output_tok_ids (default true). */
  tokenIds?: boolean;
  /** Called every 1000 conversations (the Llama 3 tokenizer does ~50k tokens/s, so a full dump takes minutes). */
  onProgress?: (stats: Readonly<ConvertStats>) => void;
}

export interface ConvertStats {
  conversations: number; // with at least two turns
  written: number;
  skippedEmpty: number; // a prompt or reply of zero tokens
  skippedTooLong: number;
  sumInputToks: number;
  sumOutputToks: number;
}

export async function convertShareGpt(inputFile: string, outputFile: string, options: ConvertOptions = {}): Promise<ConvertStats> {
  const format = writableFormatOf(outputFile);
  const tokenizer = await loadTokenizer(options.tokenizer ?? 'llama3');
  const arrivals = createArrivalProcess({ kind: 'poisson', rateRps: options.rateRps ?? 10 }, new Rng(options.seed ?? 1, 'arrivals'));
  const limit = options.numReqs ? options.numReqs : Infinity;
  const maxIn = options.maxInputToks ?? Infinity;
  const maxOut = options.maxOutputToks ?? Infinity;
  const keepIds = format === 'jsonl' && options.tokenIds !== false;
  const stats: ConvertStats = { conversations: 0, written: 0, skippedEmpty: 0, skippedTooLong: 0, sumInputToks: 0, sumOutputToks: 0 };

  function* rows(): Generator<FlatRow> {
    for (const pair of readShareGpt(inputFile)) {
      if (stats.written >= limit) return;
      stats.conversations++;
      if (options.onProgress && stats.conversations % 1000 === 0) options.onProgress(stats);
      const inIds = tokenizer.encode(pair.prompt);
      const outIds = tokenizer.encode(pair.completion);
      if (inIds.length === 0 || outIds.length === 0) {
        stats.skippedEmpty++;
        continue;
      }
      if (inIds.length > maxIn || outIds.length > maxOut) {
        stats.skippedTooLong++;
        continue;
      }
      stats.written++;
      stats.sumInputToks += inIds.length;
      stats.sumOutputToks += outIds.length;
      const row: FlatRow = { inputToks: inIds.length, outputToks: outIds.length, arrivalNs: arrivals.nextArrivalNs() };
      if (keepIds) {
        row.inputTokIds = inIds;
        row.outputTokIds = outIds;
      }
      yield row;
    }
    if (stats.written === 0) {
      throw new InputError(`no request converted (${stats.conversations} conversations with two turns, ${stats.skippedEmpty} empty, ${stats.skippedTooLong} too long)`, { file: inputFile });
    }
  }

  writeLinesAtomic(outputFile, workloadLines(rows(), format));
  return stats;
}
