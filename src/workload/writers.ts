// Write flat workloads as LLMServingSim v0.2.1 TSV or LLMServingSim 2.0 JSONL. The file appears whole or not at
// all: lines go to a temp file beside the target, renamed over it at the end.
import { extname } from 'node:path';
import { writeLinesAtomic } from '../atomicFile.js';
import { InputError } from '../errors.js';
import { formatJsonlRow } from './jsonl.js';
import type { FlatRow } from './loadedWorkload.js';
import { formatTsvRow, TSV_HEADER } from './tsv.js';

export type WritableFormat = 'tsv' | 'jsonl';

export function writableFormatOf(file: string): WritableFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.tsv') return 'tsv';
  if (ext === '.jsonl') return 'jsonl';
  throw new InputError(`cannot write a workload as '${ext || '(no extension)'}'; expected a .tsv or .jsonl file name`, { file });
}

/** Lines of the file, each ending in '\n'. TSV drops token ids (it has no column for them). */
export function* workloadLines(rows: Iterable<FlatRow>, format: WritableFormat): Generator<string> {
  if (format === 'tsv') {
    yield `${TSV_HEADER}\n`;
    for (const row of rows) yield `${formatTsvRow(row)}\n`;
  } else {
    for (const row of rows) yield `${formatJsonlRow(row)}\n`;
  }
}

export function workloadText(rows: Iterable<FlatRow>, format: WritableFormat): string {
  return Array.from(workloadLines(rows, format)).join('');
}

/** Write rows to `file` (format from its extension), atomically. */
export function writeWorkloadFile(file: string, rows: Iterable<FlatRow>): void {
  writeLinesAtomic(file, workloadLines(rows, writableFormatOf(file)));
}
