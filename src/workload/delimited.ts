// What the TSV and CSV workload readers share: find the required columns by name (any order, extra columns allowed)
// and say which one is missing, with a "did you mean"; then turn each row into a request.
import { closestNames, InputError } from '../errors.js';
import type { LinePlace } from './fields.js';
import { WorkloadBuilder, type FlatRow } from './loadedWorkload.js';

/** Column index of each required name, from the header line (line 1). */
export function requireColumns<const N extends string>(
  headerLine: string,
  separator: string,
  required: readonly N[],
  file: string,
): Record<N, number> {
  const header = headerLine.split(separator).map((h) => h.trim().replace(/^\uFEFF/, ''));
  const index = {} as Record<N, number>;
  for (const name of required) {
    const i = header.indexOf(name);
    if (i < 0) {
      const near = closestNames(name, header.filter((h) => h !== ''), 1);
      const hint = near.length > 0 ? ` (did you mean '${near[0]}'?)` : '';
      throw new InputError(`header has no column '${name}'${hint}; expected columns ${required.join(', ')}`, { file, line: 1, field: name });
    }
    index[name] = i;
  }
  return index;
}

/** What distinguishes one delimited workload format from another: separator, required columns, and a row's meaning. */
export interface DelimitedFormat<N extends string> {
  separator: string;
  columns: readonly N[];
  /** Shown when the file has no header line at all. */
  emptyFileMessage: string;
  toRow(cells: readonly string[], column: Readonly<Record<N, number>>, at: LinePlace): FlatRow;
}

/** Line-by-line reader of a header + one-request-per-row file (v0.2.1 TSV, Vidur CSV); blank lines are skipped. */
export class DelimitedWorkloadReader<N extends string> {
  readonly builder = new WorkloadBuilder();
  private columns?: Record<N, number>;
  private rowsRead = 0;

  constructor(
    private readonly format: DelimitedFormat<N>,
    readonly file: string,
    readonly numReqs = Infinity,
  ) {}

  wantsMore(): boolean {
    return this.rowsRead < this.numReqs;
  }

  addLine(text: string, lineNumber: number): void {
    if (text.trim() === '') return;
    if (!this.columns) {
      this.columns = requireColumns(text, this.format.separator, this.format.columns, this.file);
      return;
    }
    if (!this.wantsMore()) return;
    this.rowsRead++;
    this.builder.addFlat(this.format.toRow(text.split(this.format.separator), this.columns, { file: this.file, line: lineNumber }));
  }

  /** Throws if the file had no header at all. */
  checkComplete(): void {
    if (!this.columns) throw new InputError(this.format.emptyFileMessage, { file: this.file, line: 1 });
  }
}
