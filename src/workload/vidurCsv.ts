// Vidur trace CSV (microsoft/vidur, TraceRequestGenerator): columns `arrived_at` (seconds from the start, a
// float), `num_prefill_tokens`, `num_decode_tokens`; other columns are ignored. Plain numeric CSV: quoted cells
// are not expected and are reported as bad values.
import { InputError } from '../errors.js';
import { requireColumns } from './delimited.js';
import { numberFromCell, type LinePlace } from './fields.js';
import { WorkloadBuilder } from './loadedWorkload.js';

const COLUMNS = ['arrived_at', 'num_prefill_tokens', 'num_decode_tokens'] as const;
const NS_PER_S = 1e9;

export class VidurCsvReader {
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
      this.columns = requireColumns(text, ',', COLUMNS, this.file);
      return;
    }
    if (!this.wantsMore()) return;
    this.rowsRead++;
    const cells = text.split(',');
    const at = { file: this.file, line: lineNumber };
    const arrivedS = numberFromCell(cells[this.columns.arrived_at], 'arrived_at', at, 'a non-negative number of seconds');
    if (arrivedS < 0) throw new InputError(`expected a non-negative number of seconds, got ${arrivedS}`, { ...at, field: 'arrived_at' });
    this.builder.addFlat({
      inputToks: tokenCell(cells[this.columns.num_prefill_tokens], 'num_prefill_tokens', at),
      outputToks: tokenCell(cells[this.columns.num_decode_tokens], 'num_decode_tokens', at),
      arrivalNs: Math.round(arrivedS * NS_PER_S),
    });
  }

  checkComplete(): void {
    if (!this.columns) throw new InputError(`empty file; expected a header with ${COLUMNS.join(', ')}`, { file: this.file, line: 1 });
  }
}

function tokenCell(cell: string | undefined, field: string, at: LinePlace): number {
  const value = numberFromCell(cell, field, at, 'a positive integer');
  if (!Number.isSafeInteger(value) || value < 1) throw new InputError(`expected a positive integer, got ${JSON.stringify(cell?.trim())}`, { ...at, field });
  return value;
}
