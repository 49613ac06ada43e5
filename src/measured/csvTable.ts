// A small strict CSV reader (RFC 4180 quoting, CRLF or LF, optional ';' delimiter) that keeps line numbers,
// so importers can name file, line and column in their errors. Whole-file: measured outputs are small.
import { InputError, closestNames } from '../errors.js';
import { readText } from './common.js';

export interface CsvRow {
  line: number; // 1-based line of the row's first character in the file
  cells: string[];
}

export interface CsvTable {
  file: string;
  header: string[];
  rows: CsvRow[];
}

export function readCsvFile(file: string, delimiter = ','): CsvTable {
  return parseCsv(readText(file), file, delimiter);
}

export function parseCsv(text: string, file: string, delimiter = ','): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // BOM
  const records: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let inQuotes = false;
  let quotedCell = false;
  let rowQuoted = false; // a row holding only "" is a row, not a blank line
  const endCell = () => {
    cells.push(quotedCell ? cell : cell.trim());
    cell = '';
    quotedCell = false;
  };
  const endRow = () => {
    endCell();
    if (rowQuoted || !(cells.length === 1 && cells[0] === '')) records.push({ line: rowLine, cells });
    cells = [];
    rowQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === '') {
      inQuotes = true;
      quotedCell = true;
      rowQuoted = true;
      cell = '';
    } else if (ch === delimiter) {
      endCell();
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += ch;
    }
  }
  if (inQuotes) throw new InputError('unterminated quoted field', { file, line: rowLine });
  if (cell !== '' || cells.length > 0 || rowQuoted) endRow();
  if (records.length === 0) throw new InputError('empty file: expected a header row', { file, line: 1 });
  const header = records[0].cells;
  const rows = records.slice(1);
  for (const row of rows) {
    if (row.cells.length !== header.length) {
      throw new InputError(`expected ${header.length} columns (as in the header), found ${row.cells.length}`, { file, line: row.line });
    }
  }
  return { file, header, rows };
}

/** Column accessors by header name, with "did you mean" for missing required columns. */
export class CsvColumns {
  private readonly index = new Map<string, number>();
  constructor(private readonly table: CsvTable) {
    table.header.forEach((name, i) => this.index.set(name, i));
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  require(...names: string[]): void {
    for (const name of names) {
      if (!this.index.has(name)) {
        const near = closestNames(name, this.table.header);
        throw new InputError(`missing required column '${name}' (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)`, {
          file: this.table.file,
          line: 1,
          field: name,
        });
      }
    }
  }

  text(row: CsvRow, name: string): string {
    const i = this.index.get(name);
    return i === undefined ? '' : row.cells[i];
  }

  /** A finite number; `optional` columns give null when absent or empty. */
  number(row: CsvRow, name: string, optional = false): number | null {
    const raw = this.text(row, name);
    if (raw === '' && optional) return null;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) {
      throw new InputError(`expected a finite number, found '${raw}'`, { file: this.table.file, line: row.line, field: name });
    }
    return v;
  }

  requiredNumber(row: CsvRow, name: string): number {
    return this.number(row, name) as number;
  }
}
