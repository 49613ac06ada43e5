// Runs the C++ core's own unit tests (native/tests, built by cmake-js as servesim_core_tests)
// and reports each C++ case as one vitest test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, loadAddon } from '../src/cost/native.js';

const binary = join(PACKAGE_ROOT, 'build', 'Release', 'servesim_core_tests');
const run = spawnSync(binary, [], { encoding: 'utf8' });
const lines = (run.stdout ?? '').split('\n').filter((l) => l.startsWith('ok ') || l.startsWith('FAIL '));

describe('C++ core unit tests', () => {
  it('the test binary was built and ran', () => {
    expect(existsSync(binary)).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
  });
  for (const line of lines) {
    const name = line.replace(/^(ok|FAIL) /, '').split(':')[0];
    it(name, () => {
      expect(line.startsWith('ok '), line).toBe(true);
    });
  }
});

describe('addon', () => {
  it('loads and reports its kernel version', () => {
    expect(loadAddon().kernelVersion()).toBeGreaterThan(0);
  });
});

describe('addon argument checks (a bad config throws, never crashes the process)', () => {
  const a = loadAddon();
  const F = (n: number) => new Float64Array(n);
  const buffers = () => ({
    newTokens: new Int32Array(4),
    computedBefore: new Int32Array(4),
    counters: new Float64Array(a.layout.counters),
    breakdown: new Float64Array(a.layout.breakdown),
  });
  const base = () => ({ model: { hiddenSize: 8, numLayers: 1 }, precision: {}, device: { peakFlopsPerNs: 1, memBytesPerNs: 1 }, buffers: buffers() });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no model', { model: undefined }, /needs config.model/],
    ['plain arrays as buffers', { buffers: { newTokens: [1] } }, /must be Int32Array/],
    ['a slot out of range', { tables: [{ slot: 99, keys: F(1), timeUs: F(1) }] }, /slot out of range/],
    ['keys not a Float64Array', { tables: [{ slot: 1, keys: [1], timeUs: F(1) }] }, /expected Float64Array 'keys'/],
    ['keys and times of different lengths', { tables: [{ slot: 1, keys: F(2), timeUs: F(1) }] }, /differ in length/],
    ['attention columns of different lengths', { attention: { prefillChunk: F(2), kvPrefill: F(2), nDecode: F(2), kvDecode: F(1), timeUs: F(2) } }, /attention: column arrays differ/],
    ['skew buckets of different lengths', { skew: { nBins: F(2), skewRateBins: F(2), kvBigBins: F(2), kpBins: F(2), buckets: { pc: F(1), n: F(1), sr: F(1), kvb: F(1), kp: F(1), alpha: F(2) } } }, /skew buckets/],
    ['a v0.2.1 table missing', { v021: {} }, /expected a table object/],
  ];
  for (const [name, extra, message] of cases) {
    it(name, () => {
      expect(() => new a.Kernel({ ...base(), ...extra })).toThrow(message);
    });
  }
  it('iterate(n) checks n against the bound arrays', () => {
    const k = new a.Kernel(base());
    expect(() => k.iterate(5)).toThrow(/outside 0..4/);
    expect(() => k.iterate('x')).toThrow(/expects a number/);
    expect(k.iterate(0)).toBe(0);
  });
});
