// loadWorkload: pick the reader by extension (or, failing that, by the first line), stream the file line by line
// into columns, and hand back a RequestSource.
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import { WorkloadFileSource } from './fileSource.js';
import { JsonlWorkloadReader } from './jsonl.js';
import type { LoadedWorkload } from './loadedWorkload.js';
import { TsvWorkloadReader } from './tsv.js';
import type { RequestSource } from './types.js';
import { VidurCsvReader } from './vidurCsv.js';

export type WorkloadFormat = 'jsonl' | 'tsv' | 'vidur-csv';

export interface LoadWorkloadOptions {
  /** Read only the first N lines (a session counts as one line), like LLMServingSim's --num-reqs. */
  numReqs?: number;
  /** Skip detection. */
  format?: WorkloadFormat;
}

interface LineReader {
  addLine(text: string, lineNumber: number): void;
  wantsMore(): boolean;
  checkComplete?(): void;
  readonly builder: { build(file: string): LoadedWorkload };
}

function createLineReader(format: WorkloadFormat, file: string, numReqs: number): LineReader {
  switch (format) {
    case 'jsonl':
      return new JsonlWorkloadReader(file, numReqs);
    case 'tsv':
      return new TsvWorkloadReader(file, numReqs);
    case 'vidur-csv':
      return new VidurCsvReader(file, numReqs);
  }
}

const BY_EXTENSION: Record<string, WorkloadFormat> = { '.jsonl': 'jsonl', '.tsv': 'tsv', '.csv': 'vidur-csv' };

/** The format a file's extension names, or undefined to sniff the content. */
export function formatFromExtension(file: string): WorkloadFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    throw new InputError('looks like a ShareGPT JSON (no arrival times); convert it first with `sim dataset convert <file.json> --out <file.tsv|.jsonl>`', { file });
  }
  return BY_EXTENSION[ext];
}

/** Guess the format from the first non-blank line. */
export function formatFromFirstLine(line: string, file: string): WorkloadFormat {
  const t = line.trim();
  if (t.startsWith('{')) return 'jsonl';
  if (t.includes('\t')) return 'tsv';
  if (t.includes(',')) return 'vidur-csv';
  throw new InputError(
    `cannot tell the workload format from its first line ${JSON.stringify(t.slice(0, 60))}; expected JSONL (.jsonl), LLMServingSim TSV (.tsv) or Vidur trace CSV (.csv)`,
    { file, line: 1 },
  );
}

function checkNumReqs(numReqs: number | undefined): number {
  if (numReqs === undefined || numReqs === 0) return Infinity; // 0 = all, as LLMServingSim's --num-reqs
  if (!Number.isSafeInteger(numReqs) || numReqs < 0) throw new InputError(`expected a non-negative integer, got ${numReqs}`, { field: 'numReqs' });
  return numReqs;
}

/** Parse a whole workload already in memory (tests, small files). */
export function parseWorkloadText(text: string, file: string, options: LoadWorkloadOptions = {}): LoadedWorkload {
  const lines = text.split('\n');
  const firstLine = lines.find((l) => l.trim() !== '') ?? '';
  const format = options.format ?? formatFromExtension(file) ?? formatFromFirstLine(firstLine, file);
  const reader = createLineReader(format, file, checkNumReqs(options.numReqs));
  for (let i = 0; i < lines.length && reader.wantsMore(); i++) reader.addLine(stripCr(lines[i]), i + 1);
  return finish(reader, file);
}

/** Stream a workload file into columns. */
export async function readWorkloadFile(file: string, options: LoadWorkloadOptions = {}): Promise<LoadedWorkload> {
  const numReqs = checkNumReqs(options.numReqs);
  let format = options.format ?? formatFromExtension(file);
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new InputError(`cannot read workload: ${(err as Error).message}`, { file });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let reader: LineReader | undefined;
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (!reader) {
        if (line.trim() === '') continue;
        reader = createLineReader(format ?? (format = formatFromFirstLine(line, file)), file, numReqs);
      }
      reader.addLine(line, lineNumber);
      if (!reader.wantsMore()) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (!reader) throw new InputError('empty file; expected a workload (JSONL, LLMServingSim TSV or Vidur trace CSV)', { file });
  return finish(reader, file);
}

/** Load a workload file and return it as a request stream. */
export async function loadWorkload(file: string, options: LoadWorkloadOptions = {}): Promise<RequestSource> {
  return new WorkloadFileSource(await readWorkloadFile(file, options));
}

function finish(reader: LineReader, file: string): LoadedWorkload {
  reader.checkComplete?.();
  const w = reader.builder.build(file);
  if (w.numRequests === 0) throw new InputError('no requests in the workload', { file });
  return w;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
