// pythonIntList's byte-level formatter must print exactly what String() joined with ', ' prints (Python's str(list)
// for ints), for every magnitude, sign and the odd non-integer value.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pythonIntList } from '../src/report/requestsCsv.js';

const joined = (values: ArrayLike<number>): string => `[${Array.from(values, (v) => String(v)).join(', ')}]`;

describe('pythonIntList', () => {
  it('matches String() for safe integers of every size and sign', () => {
    const intArb = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, -0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 999_999_999, 1_000_000_000, 9_999_999_999, 10_000_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
    );
    fc.assert(
      fc.property(fc.array(intArb, { maxLength: 300 }), (xs) => {
        expect(pythonIntList(xs)).toBe(joined(xs));
        expect(pythonIntList(Float64Array.from(xs))).toBe(joined(Float64Array.from(xs)));
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to String() for fractions, huge and non-finite values', () => {
    const values = [1, 2.5, -0.25, 2 ** 60, 1e21, Infinity, NaN, 3];
    expect(pythonIntList(values)).toBe('[1, 2.5, -0.25, 1152921504606847000, 1e+21, Infinity, NaN, 3]');
  });

  it('handles lists longer than its initial buffer', () => {
    const xs = Array.from({ length: 20_000 }, (_, i) => i * 1_000_003);
    expect(pythonIntList(xs)).toBe(joined(xs));
  });
});
