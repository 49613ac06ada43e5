// The strict CSV reader: round-trips any table written with RFC 4180 quoting (property), and keeps line numbers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/measured/csvTable.js';

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

describe('parseCsv', () => {
  it('round-trips quoted tables of arbitrary strings, LF or CRLF (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((cols) =>
          fc.tuple(fc.array(fc.string({ minLength: 1 }), { minLength: cols, maxLength: cols }), fc.array(fc.array(fc.string(), { minLength: cols, maxLength: cols }), { maxLength: 8 }), fc.boolean()),
        ),
        ([header, rows, crlf]) => {
          const eol = crlf ? '\r\n' : '\n';
          const text = [header, ...rows].map((r) => r.map(quote).join(',')).join(eol) + eol;
          const t = parseCsv(text, 'x.csv');
          expect(t.header).toEqual(header);
          expect(t.rows.map((r) => r.cells)).toEqual(rows);
        },
      ),
    );
  });

  it('numbers rows by their first line, counting newlines inside quotes; blank lines skipped', () => {
    const t = parseCsv('a,b\n1,"x\ny"\n\n2, 3 \n', 'x.csv');
    expect(t.rows.map((r) => r.line)).toEqual([2, 5]);
    expect(t.rows[1].cells).toEqual(['2', '3']);
  });

  it('ragged rows and unterminated quotes are errors naming the line', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'x.csv')).toThrow(/x\.csv, line 3: expected 2 columns/);
    expect(() => parseCsv('a,b\n1,"2\n', 'x.csv')).toThrow(/x\.csv, line 2: unterminated/);
    expect(() => parseCsv('', 'x.csv')).toThrow(/empty file/);
  });
});
