// LLMServingSim v0.2.1 dataset TSV: a header `input_toks\toutput_toks\tarrival_time_ns`, then one request per
// row (reference: llmservingsim/v0.2.1/dataset/*.tsv). Ids follow row order; rows may be unsorted.
import { DelimitedWorkloadReader, type DelimitedFormat } from './delimited.js';
import { intFromCell } from './fields.js';
import type { FlatRow } from './loadedWorkload.js';

const COLUMNS = ['input_toks', 'output_toks', 'arrival_time_ns'] as const;
export const TSV_HEADER = COLUMNS.join('\t');

const TSV_FORMAT: DelimitedFormat<(typeof COLUMNS)[number]> = {
  separator: '\t',
  columns: COLUMNS,
  emptyFileMessage: `empty file; expected a header line '${TSV_HEADER.replaceAll('\t', '<TAB>')}'`,
  toRow: (cells, column, at) => ({
    inputToks: intFromCell(cells[column.input_toks], 'input_toks', at, 1),
    outputToks: intFromCell(cells[column.output_toks], 'output_toks', at, 1),
    arrivalNs: intFromCell(cells[column.arrival_time_ns], 'arrival_time_ns', at, 0),
  }),
};

export class TsvWorkloadReader extends DelimitedWorkloadReader<(typeof COLUMNS)[number]> {
  constructor(file: string, numReqs = Infinity) {
    super(TSV_FORMAT, file, numReqs);
  }
}

/** One TSV row in the v0.2.1 column order. */
export function formatTsvRow(row: FlatRow): string {
  return `${row.inputToks}\t${row.outputToks}\t${row.arrivalNs}`;
}
