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
