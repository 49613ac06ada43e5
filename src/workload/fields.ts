// Strict field checks shared by the workload readers: a bad value is an InputError naming file, line and field
// and what was expected, never a silent zero.
import { InputError } from '../errors.js';

export interface LinePlace {
  file: string;
  line: number; // 1-based
}

/** A non-negative integer (safe in a double) from a parsed value; `what` is the expectation shown to the user. */
export function nonNegativeInt(value: unknown, field: string, at: LinePlace, what = 'a non-negative integer'): number {
  if (value === undefined || value === null) throw new InputError(`missing; expected ${what}`, { ...at, field });
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`expected ${what}, got ${JSON.stringify(value)}`, { ...at, field });
  }
  return value;
}

/** A positive integer (token counts that must be at least 1). */
export function positiveInt(value: unknown, field: string, at: LinePlace): number {
  const n = nonNegativeInt(value, field, at, 'a positive integer');
  if (n === 0) throw new InputError('expected a positive integer, got 0', { ...at, field });
  return n;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number written as text in a TSV/CSV cell; empty cells and trailing junk are errors. */
export function numberFromCell(cell: string | undefined, field: string, at: LinePlace, what: string): number {
  const text = cell?.trim() ?? '';
  if (text === '') throw new InputError(`missing; expected ${what}`, { ...at, field });
  const value = DECIMAL.test(text) ? Number(text) : NaN; // Number() alone would take '0x10' and 'Infinity'
  if (!Number.isFinite(value)) throw new InputError(`expected ${what}, got ${JSON.stringify(text)}`, { ...at, field });
  return value;
}

/** An integer of at least `min` in a TSV/CSV cell (0: arrival times; 1: token counts). */
export function intFromCell(cell: string | undefined, field: string, at: LinePlace, min: 0 | 1): number {
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  const value = numberFromCell(cell, field, at, what);
  if (!Number.isSafeInteger(value) || value < min) throw new InputError(`expected ${what}, got ${JSON.stringify(cell?.trim())}`, { ...at, field });
  return value;
}

/** An optional array of non-negative integer token ids. */
export function tokenIds(value: unknown, field: string, at: LinePlace): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InputError(`expected an array of token ids, got ${typeof value}`, { ...at, field });
  for (let i = 0; i < value.length; i++) {
    const id = value[i];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw new InputError(`expected non-negative integer token ids, got ${JSON.stringify(id)} at index ${i}`, { ...at, field });
    }
  }
  return value as number[];
}
