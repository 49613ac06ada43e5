// LLMServingSim 2.0's per-request CSV (reference README §7.1): same header (spaces in the first two names), ns units,
// ITL as a Python-list string "[a, b, c]", rows in completion order, CRLF line ends and minimal quoting (Python's csv
// module's defaults: it ends rows with \r\n and quotes a field only when it holds a comma, quote or newline).
// Streamed to a temp file, renamed on commit.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../errors.js';
import { AtomicFileWriter } from '../atomicFile.js';

export const REQUESTS_CSV_HEADER =
  'instance id,request id,model,input,output,arrival,end_time,latency,queuing_delay,TTFT,TPOT,ITL';

/** The fields of a finished request that the CSV holds (a structural subset of the engine's RequestRecord). */
export interface RequestRow {
  instanceId: number;
  requestId: number;
  model: string;
  inputToks: number;
  outputToks: number;
  arrivalNs: number;
  endNs: number;
  latencyNs: number;
  queuingDelayNs: number;
  ttftNs: number;
  tpotNs: number;
  itlNs: ArrayLike<number>;
}

/** Minimal CSV quoting, as Python's csv.writer does by default. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// pythonIntList writes digits into this reused byte buffer and makes one string per list (a row's ITL list has
// hundreds of values; converting each number to its own string first cost most of the CSV's time).
let listBytes = Buffer.allocUnsafe(1 << 16);
const TWO_POW_31 = 2 ** 31;

/** Python's str(list_of_ints): "[1, 2, 3]", "[]" when empty. Any value prints as JavaScript's String(value). */
export function pythonIntList(values: ArrayLike<number>): string {
  const n = values.length;
  if (n === 0) return '[]';
  if (listBytes.length < n * 19 + 2) listBytes = Buffer.allocUnsafe(n * 19 + 2); // '-' + 16 digits (< 2^53) + ', '
  const out = listBytes;
  let p = 0;
  out[p++] = 0x5b; // [
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      out[p++] = 0x2c; // ,
      out[p++] = 0x20;
    }
    let v = values[i];
    // Fractions, huge or non-finite values print as JavaScript does (never from the engine: its times are integers).
    if (!Number.isSafeInteger(v)) return pythonIntListSlow(values);
    if (v < 0) {
      out[p++] = 0x2d; // -
      v = -v;
    }
    if (v < TWO_POW_31) {
      let x = v | 0;
      const digits = x < 10 ? 1 : x < 100 ? 2 : x < 1e3 ? 3 : x < 1e4 ? 4 : x < 1e5 ? 5 : x < 1e6 ? 6 : x < 1e7 ? 7 : x < 1e8 ? 8 : x < 1e9 ? 9 : 10;
      p += digits;
      let q = p - 1;
      do {
        const d = (x / 10) | 0;
        out[q--] = 0x30 + (x - d * 10);
        x = d;
      } while (x > 0);
    } else {
      let digits = 10;
      for (let t = 1e10; t <= v; t *= 10) digits++;
      p += digits;
      let q = p - 1;
      let x = v;
      do {
        const d = Math.floor(x / 10);
        out[q--] = 0x30 + (x - d * 10);
        x = d;
      } while (x > 0);
    }
  }
  out[p++] = 0x5d; // ]
  return out.toString('latin1', 0, p);
}

function pythonIntListSlow(values: ArrayLike<number>): string {
  let s = '[';
  for (let i = 0; i < values.length; i++) s += (i ? ', ' : '') + values[i];
  return s + ']';
}

export function formatRequestRow(r: RequestRow): string {
  return (
    `${r.instanceId},${r.requestId},${csvField(r.model)},${r.inputToks},${r.outputToks},${r.arrivalNs},${r.endNs},` +
    `${r.latencyNs},${r.queuingDelayNs},${r.ttftNs},${r.tpotNs},${csvField(pythonIntList(r.itlNs))}\r\n`
  );
}

/**
 * Streams rows as requests finish; nothing appears at `path` until commit(). As LLMServingSim writes them, rows are
 * grouped by instance (ascending id), each group in completion order: instance 0 streams straight into the file, other
 * instances into temp segment files appended at commit, so nothing is held in memory.
 */
export class RequestsCsvWriter {
  private readonly out: AtomicFileWriter;
  private readonly segments = new Map<number, Segment>();

  constructor(readonly path: string) {
    this.out = new AtomicFileWriter(path);
    this.out.write(REQUESTS_CSV_HEADER + '\r\n');
  }

  write(r: RequestRow): void {
    if (r.instanceId === 0) {
      this.out.write(formatRequestRow(r));
      return;
    }
    let seg = this.segments.get(r.instanceId);
    if (!seg) {
      seg = new Segment(`${this.out.tempPath}.instance${r.instanceId}`);
      this.segments.set(r.instanceId, seg);
    }
    seg.write(formatRequestRow(r));
  }

  commit(): void {
    try {
      for (const id of [...this.segments.keys()].sort((a, b) => a - b)) this.segments.get(id)!.appendTo(this.out);
    } catch (err) {
      this.abort();
      throw err;
    }
    this.segments.clear();
    this.out.commit();
  }

  abort(): void {
    for (const seg of this.segments.values()) seg.discard();
    this.segments.clear();
    this.out.abort();
  }
}

/** One instance's rows in a temp file beside the output. */
class Segment {
  private readonly fd: number;
  private pending = '';
  private closed = false;

  constructor(private readonly file: string) {
    this.fd = openSync(file, 'w+');
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 1 << 16) this.flush();
  }

  /** Copy everything into `out` (in 1 MiB chunks) and delete the file. */
  appendTo(out: AtomicFileWriter): void {
    this.flush();
    const buf = Buffer.allocUnsafe(1 << 20);
    const utf8 = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character of a model name
    let pos = 0;
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      out.write(utf8.write(buf.subarray(0, n)));
      pos += n;
    }
    out.write(utf8.end());
    this.discard();
  }

  discard(): void {
    if (this.closed) return;
    closeSync(this.fd);
    this.closed = true;
    rmSync(this.file, { force: true });
  }

  private flush(): void {
    if (this.pending) writeSync(this.fd, this.pending);
    this.pending = '';
  }
}

/** Split one CSV line with minimal quoting into fields. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const j = line.indexOf('"', i);
        if (j < 0) throw new Error('unterminated quoted field');
        s += line.slice(i, j);
        if (line[j + 1] === '"') {
          s += '"';
          i = j + 2;
        } else {
          i = j + 1;
          break;
        }
      }
      out.push(s);
      if (i < line.length && line[i] !== ',') throw new Error('text after a closing quote');
      i++;
    } else {
      const j = line.indexOf(',', i);
      const end = j < 0 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

const INT_COLUMNS = ['instance id', 'request id', 'input', 'output', 'arrival', 'end_time', 'latency', 'queuing_delay', 'TTFT', 'TPOT'] as const;

/**
 * Parse an LLMServingSim-format per-request CSV (ours or LLMServingSim 2.0's sim.csv). Strict: the header must match,
 * every integer column must hold an integer; errors name file, line and column. `onRow` receives each row in file order.
 */
export function parseRequestsCsv(text: string, file: string, onRow: (r: RequestRow) => void): number {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = (lines[0] ?? '').replace(/\r$/, '');
  if (header !== REQUESTS_CSV_HEADER) {
    throw new InputError(`expected the header '${REQUESTS_CSV_HEADER}', found '${header.slice(0, 200)}'`, { file, line: 1 });
  }
  const names = REQUESTS_CSV_HEADER.split(',');
  for (let li = 1; li < lines.length; li++) {
    const lineNo = li + 1;
    let fields: string[];
    try {
      fields = splitCsvLine(lines[li].replace(/\r$/, ''));
    } catch (err) {
      throw new InputError(`malformed CSV: ${(err as Error).message}`, { file, line: lineNo });
    }
    if (fields.length !== names.length) {
      throw new InputError(`expected ${names.length} columns, found ${fields.length}`, { file, line: lineNo });
    }
    const ints: Record<string, number> = {};
    for (const col of INT_COLUMNS) {
      const raw = fields[names.indexOf(col)];
      if (!/^-?\d+$/.test(raw)) throw new InputError(`expected an integer, found '${raw}'`, { file, line: lineNo, field: col });
      ints[col] = Number(raw);
    }
    const itlRaw = fields[11];
    if (!/^\[(-?\d+(, -?\d+)*)?\]$/.test(itlRaw)) {
      throw new InputError(`expected a list of integers like '[1, 2, 3]'`, { file, line: lineNo, field: 'ITL' });
    }
    const itl = itlRaw.length > 2 ? Float64Array.from(itlRaw.slice(1, -1).split(', '), Number) : new Float64Array(0);
    onRow({
      instanceId: ints['instance id'],
      requestId: ints['request id'],
      model: fields[2],
      inputToks: ints.input,
      outputToks: ints.output,
      arrivalNs: ints.arrival,
      endNs: ints.end_time,
      latencyNs: ints.latency,
      queuingDelayNs: ints.queuing_delay,
      ttftNs: ints.TTFT,
      tpotNs: ints.TPOT,
      itlNs: itl,
    });
  }
  return lines.length - 1;
}
