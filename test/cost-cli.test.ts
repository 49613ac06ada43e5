// `sim perf-model build|show` end to end in this process (stdout captured, process.exit intercepted).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sim } from './cli-harness.js';

describe('sim perf-model', () => {
  const out = mkdtempSync(join(tmpdir(), 'servesim-cli-perf-'));
  it('build writes a bundle for a catalog GPU and model, and show lists it', async () => {
    const built = await sim(['perf-model', 'build', '--hardware', 'RTX4090', '--model', 'llama-3.1-8b', '--tp', '2', '--out', out]);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/wrote .*tp2: 1368 dense, 80 per-sequence, 8643 attention rows/);
    const dir = built.stdout.match(/wrote (.*)\/tp2/)![1];
    expect(existsSync(join(dir, 'meta.yaml'))).toBe(true);
    const shown = await sim(['perf-model', 'show', '--perf-models', out]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(dir);
    expect(shown.stdout).toMatch(/servesim roofline/);
  });
  it('an unknown GPU is an input error with suggestions, exit code 2', async () => {
    const r = await sim(['perf-model', 'build', '--hardware', 'RTX4909', '--model', 'llama-3.1-8b', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown hardware 'RTX4909'; did you mean/);
  });
});
