// Vidur trace CSV (microsoft/vidur, TraceRequestGenerator): columns `arrived_at` (seconds from the start, a
// float), `num_prefill_tokens`, `num_decode_tokens`; other columns are ignored. Plain numeric CSV: quoted cells
// are not expected and are reported as bad values.
import { InputError } from '../errors.js';
import { DelimitedWorkloadReader, type DelimitedFormat } from './delimited.js';
import { intFromCell, numberFromCell } from './fields.js';

const COLUMNS = ['arrived_at', 'num_prefill_tokens', 'num_decode_tokens'] as const;
const NS_PER_S = 1e9;

const VIDUR_CSV_FORMAT: DelimitedFormat<(typeof COLUMNS)[number]> = {
  separator: ',',
  columns: COLUMNS,
  emptyFileMessage: `empty file; expected a header with ${COLUMNS.join(', ')}`,
  toRow: (cells, column, at) => {
    const arrivedS = numberFromCell(cells[column.arrived_at], 'arrived_at', at, 'a non-negative number of seconds');
    if (arrivedS < 0) throw new InputError(`expected a non-negative number of seconds, got ${arrivedS}`, { ...at, field: 'arrived_at' });
    return {
      inputToks: intFromCell(cells[column.num_prefill_tokens], 'num_prefill_tokens', at, 1),
      outputToks: intFromCell(cells[column.num_decode_tokens], 'num_decode_tokens', at, 1),
      arrivalNs: Math.round(arrivedS * NS_PER_S),
    };
  },
};

export class VidurCsvReader extends DelimitedWorkloadReader<(typeof COLUMNS)[number]> {
  constructor(file: string, numReqs = Infinity) {
    super(VIDUR_CSV_FORMAT, file, numReqs);
  }
}
