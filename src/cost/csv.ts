// A strict reader for the numeric CSV tables of perf models: a header row, then one value per column per row.
// Every problem is an InputError naming the file, the 1-based line, the column and what was expected.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

export interface CsvColumnSpec {
  name: string;
  kind: 'number' | 'string';
  /** numbers only: reject values below 0 */
  nonNegative?: boolean;
  /** numbers only: reject non-integers */
  integer?: boolean;
}

export interface CsvTable {
  file: string;
  rowCount: number;
  numbers: Record<string, Float64Array>;
  strings: Record<string, string[]>;
  /** 1-based line number of each data row, for error messages of later checks */
  lines: Int32Array;
}

export function readCsvFile(file: string, columns: readonly CsvColumnSpec[]): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file });
  }
  return parseCsv(text, file, columns);
}

export function parseCsv(text: string, file: string, columns: readonly CsvColumnSpec[]): CsvTable {
  const rawLines = text.split('\n');
  let headerIdx = 0;
  while (headerIdx < rawLines.length && rawLines[headerIdx].trim() === '') headerIdx++;
  if (headerIdx >= rawLines.length) {
    throw new InputError(`empty file: expected a header row with columns ${columns.map((c) => c.name).join(',')}`, { file });
  }
  const header = splitRow(rawLines[headerIdx]).map((h) => h.trim());
  const positions = columns.map((col) => {
    const at = header.indexOf(col.name);
    if (at < 0) {
      throw new InputError(
        `missing column '${col.name}': the header has ${header.map((h) => `'${h}'`).join(', ')}; expected ${columns.map((c) => c.name).join(',')}`,
        { file, line: headerIdx + 1, field: col.name },
      );
    }
    return at;
  });
  const dataLines: number[] = [];
  for (let i = headerIdx + 1; i < rawLines.length; i++) if (rawLines[i].trim() !== '') dataLines.push(i);
  if (dataLines.length === 0) throw new InputError('no data rows after the header', { file, line: headerIdx + 1 });

  const numbers: Record<string, Float64Array> = {};
  const strings: Record<string, string[]> = {};
  for (const col of columns) {
    if (col.kind === 'number') numbers[col.name] = new Float64Array(dataLines.length);
    else strings[col.name] = new Array<string>(dataLines.length);
  }
  const lines = new Int32Array(dataLines.length);
  for (let r = 0; r < dataLines.length; r++) {
    const lineNo = dataLines[r] + 1;
    lines[r] = lineNo;
    const cells = splitRow(rawLines[dataLines[r]]);
    if (cells.length !== header.length) {
      throw new InputError(`expected ${header.length} comma-separated values, found ${cells.length}`, { file, line: lineNo });
    }
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      const cell = cells[positions[c]].trim();
      if (col.kind === 'string') {
        strings[col.name][r] = cell;
        continue;
      }
      const where = { file, line: lineNo, field: col.name };
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new InputError(`column ${positions[c] + 1}: expected a finite number, got '${cell}'`, where);
      }
      if (col.nonNegative && value < 0) throw new InputError(`column ${positions[c] + 1}: expected a value >= 0, got ${cell}`, where);
      if (col.integer && !Number.isInteger(value)) {
        throw new InputError(`column ${positions[c] + 1}: expected an integer, got ${cell}`, where);
      }
      numbers[col.name][r] = value;
    }
  }
  return { file, rowCount: dataLines.length, numbers, strings, lines };
}

function splitRow(line: string): string[] {
  return (line.endsWith('\r') ? line.slice(0, -1) : line).split(',');
}
