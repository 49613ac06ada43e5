// LLMServingSim v0.2.1 dataset TSV: a header `input_toks\toutput_toks\tarrival_time_ns`, then one request per
// row (reference: llmservingsim/v0.2.1/dataset/*.tsv). Ids follow row order; rows may be unsorted.
import { InputError } from '../errors.js';
import { requireColumns } from './delimited.js';
import { numberFromCell, type LinePlace } from './fields.js';
import { WorkloadBuilder, type FlatRow } from './loadedWorkload.js';

const COLUMNS = ['input_toks', 'output_toks', 'arrival_time_ns'] as const;
export const TSV_HEADER = COLUMNS.join('\t');

export class TsvWorkloadReader {
  readonly builder = new WorkloadBuilder();
  private columns?: Record<(typeof COLUMNS)[number], number>;
  private rowsRead = 0;

  constructor(
    readonly file: string,
    readonly numReqs = Infinity,
  ) {}

  wantsMore(): boolean {
    return this.rowsRead < this.numReqs;
  }

  addLine(text: string, lineNumber: number): void {
    if (text.trim() === '') return;
    if (!this.columns) {
      this.columns = requireColumns(text, '\t', COLUMNS, this.file);
      return;
    }
    if (!this.wantsMore()) return;
    this.rowsRead++;
    const cells = text.split('\t');
    const at = { file: this.file, line: lineNumber };
    this.builder.addFlat({
      inputToks: intCell(cells[this.columns.input_toks], 'input_toks', at, 1),
      outputToks: intCell(cells[this.columns.output_toks], 'output_toks', at, 1),
      arrivalNs: intCell(cells[this.columns.arrival_time_ns], 'arrival_time_ns', at, 0),
    });
  }

  /** Throws if the file had no header at all. */
  checkComplete(): void {
    if (!this.columns) throw new InputError(`empty file; expected a header line '${TSV_HEADER.replaceAll('\t', '<TAB>')}'`, { file: this.file, line: 1 });
  }
}

function intCell(cell: string | undefined, field: string, at: LinePlace, min: 0 | 1): number {
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  const value = numberFromCell(cell, field, at, what);
  if (!Number.isSafeInteger(value) || value < min) throw new InputError(`expected ${what}, got ${JSON.stringify(cell?.trim())}`, { ...at, field });
  return value;
}

/** One TSV row in the v0.2.1 column order. */
export function formatTsvRow(row: FlatRow): string {
  return `${row.inputToks}\t${row.outputToks}\t${row.arrivalNs}`;
}
