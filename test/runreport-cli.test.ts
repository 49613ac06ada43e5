// `sim import`, `sim report show`, `sim compare`, `sim impact` through the CLI entry (in process): files written,
// figures printed, bad input exits with code 2 and writes nothing.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sim } from './cli-harness.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { readRunReport } from '../src/report/runReportWriters.js';

const fx = (f: string) => join(PACKAGE_ROOT, 'test', 'fixtures', 'measured', f);

describe('sim import / report show / compare / impact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runreport-cli-'));

  it('imports a vLLM bench paired with CodeCarbon and writes a RunReport whose intensities come from the totals', async () => {
    const out = join(dir, 'measured.json');
    const r = await sim(['import', 'vllm', fx('vllm-bench-detailed.json'), '--codecarbon', fx('codecarbon-emissions.csv'), '--codecarbon-row', 'run-a', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/measured by vllm bench serve \(vllm\) \+ codecarbon/);
    const rep = readRunReport(out);
    expect(rep.intensity.j_per_output_token).toBeCloseTo((0.0138 * 3.6e6) / 9, 6);
    const shown = await sim(['report', 'show', out]);
    expect(shown.stdout).toMatch(/energy per output token\s+5520(\.0)? J\/token/);
  });

  it('simulates with energy, then compares against the imported run', async () => {
    const tsv = join(dir, 'small.tsv');
    const lines = ['input_toks\toutput_toks\tarrival_time_ns'];
    for (let i = 0; i < 9; i++) lines.push(`${50 + i * 10}\t${1 + i}\t${i * 100_000_000}`);
    writeFileSync(tsv, lines.join('\n') + '\n');
    const out = join(dir, 'sim.msgpack');
    const r = await sim(['impact', '--model', 'llama-3.1-8b', '--hardware', 'H100-SXM', '--dataset', tsv, '--region', 'FRA', '--pue', 'google', '--out', out]);
    expect(r.code).toBe(0);
    const rep = readRunReport(out);
    expect(rep.source.kind).toBe('simulated');
    expect(rep.workload.output_tokens).toBe(45);
    expect(rep.scenario.site).toMatchObject({ pue: expect.closeTo(1.09, 12), grid_region: 'FRA', ci_gco2e_per_kwh: expect.closeTo(56, 9) });
    const cmp = await sim(['compare', join(dir, 'measured.json'), out]);
    // A relative to B: (9 − 45)/45 = −80 %.
    expect(cmp.stdout).toMatch(/output tokens\s+9\s+45\s+-80\.0/);
  });

  it('bad input: exit code 2, a message naming the file, no output written', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,duration\n1,2\n');
    const out = join(dir, 'never.json');
    const r = await sim(['import', 'codecarbon', bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv, line 1, field 'emissions': missing required column/);
    expect(existsSync(out)).toBe(false);
    const r2 = await sim(['impact', '--model', 'llama-3.1-8b', '--hardware', 'H100-SXM', '--dataset', bad, '--region', 'FRAA']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown grid region 'FRAA' \(did you mean 'FRA'/);
  });
});
