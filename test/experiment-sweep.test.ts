// Sweeps with a deterministic fake runner (fast): the table's rows and figures, resumption after a failure part-way,
// error rows, shards merged equal to the unsharded table byte for byte, shard selection from flags and array-job
// environments, and the worker-thread executor giving the same table as this thread.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/index.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { InputError } from '../src/errors.js';
import { createInProcessExecutor, createWorkerExecutor, runnerModuleUrl } from '../src/experiment/executor.js';
import { findShardDirs, mergeShards } from '../src/experiment/merge.js';
import { ResultsStore } from '../src/experiment/resultsStore.js';
import type { RunOne } from '../src/experiment/runOutcome.js';
import { planExperiment, type PlannedExperiment } from '../src/experiment/session.js';
import { resolveShard, shardDirName, shardOf } from '../src/experiment/shard.js';
import { runSweep } from '../src/experiment/sweep.js';
import { fakeTtftP99Ms, runOne as fakeRunOne } from './fixtures/experiments/fakeRunner.js';

const FIX = join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments');
const FAKE = join(FIX, 'fakeRunner.ts');

const tempDir = () => mkdtempSync(join(tmpdir(), 'servesim-sweep-'));
const table = (dir: string) => readFileSync(join(dir, 'results.csv'), 'utf8');

function counting(runOne: RunOne = fakeRunOne) {
  const calls: string[] = [];
  const fn: RunOne = async (s) => {
    calls.push(JSON.stringify(s));
    return runOne(s);
  };
  return { fn, calls };
}

async function sweep(p: PlannedExperiment, dir: string, runOne: RunOne = fakeRunOne, shard?: { index: number; count: number }) {
  const executor = createInProcessExecutor(runOne, 2);
  return runSweep({ name: p.name, plan: p.plan, rootDir: p.rootDir, store: new ResultsStore(dir), executor, shard: shard && { ...shard, source: 'test' } });
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('sweep', () => {
  it('writes one row per run in id order, with the runner\'s figures and the run\'s axes', async () => {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const dir = tempDir();
    const r = await sweep(p, dir);
    expect(r).toMatchObject({ total: 24, skipped: 0, ran: 24, errors: 0, tableRows: 24 });
    const rows = parseCsv(table(dir));
    expect(rows.map((x) => x.run_id)).toEqual(p.plan.runs.map((x) => x.id));
    expect([...rows.map((x) => x.run_id)].sort()).toEqual(rows.map((x) => x.run_id));
    for (const row of rows) {
      const rate = Number(row['workload.rateQps']);
      expect(Number(row.p99_ttft_ms)).toBe(fakeTtftP99Ms(rate, 1)); // 20 + 10·rate at tp 1
      expect(Number(row.p99_tpot_ms)).toBe(5 + rate / Number(row['knobs.maxNumSeqs']));
      expect(row.seed).toBe('3');
      expect(row.status).toBe('ok');
      expect(row.completed).toBe('60');
      expect(row.mean_ttft_ms).toBe(''); // not produced by the fake: an empty cell, not 0
    }
    expect(readdirSync(join(dir, 'runs')).filter((f) => f.endsWith('.json'))).toHaveLength(24);
    // Wall time goes to its own log, one line per run, never into the table.
    expect(readFileSync(join(dir, 'wall-times.log'), 'utf8').trimEnd().split('\n')).toHaveLength(24);
    expect(table(dir)).not.toMatch(/wall/i);
  });

  it('after a failure part-way, the same sweep again runs only what is missing and gives the same table', async () => {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const reference = tempDir();
    await sweep(p, reference);

    const dir = tempDir();
    let n = 0;
    const dying: RunOne = async (s) => {
      if (++n > 9) throw new Error('killed');
      return fakeRunOne(s);
    };
    await expect(sweep(p, dir, dying)).rejects.toThrow('killed');
    const kept = readdirSync(join(dir, 'runs')).filter((f) => f.endsWith('.json')).length;
    expect(kept).toBe(9);

    // A kill leaves temp files of runs in flight: a dead writer's are cleared, a live writer's left alone.
    const deadTemp = join(dir, 'runs', `.${p.plan.runs[0].id}.json.999999999.tmp`);
    const liveTemp = join(dir, 'runs', `.${p.plan.runs[1].id}.json.${process.ppid}.tmp`);
    writeFileSync(deadTemp, '{"half":');
    writeFileSync(liveTemp, '{"half":');

    const again = counting();
    const r = await sweep(p, dir, again.fn);
    expect(existsSync(deadTemp)).toBe(false);
    expect(existsSync(liveTemp)).toBe(true);
    expect(again.calls).toHaveLength(24 - kept);
    expect(r).toMatchObject({ skipped: kept, ran: 24 - kept });
    expect(table(dir)).toBe(table(reference));

    const third = counting();
    await sweep(p, dir, third.fn);
    expect(third.calls).toHaveLength(0);
    expect(table(dir)).toBe(table(reference));
  });

  it('a run that fails with an InputError is recorded as an error row and not retried', async () => {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const bad = { ...p, plan: { ...p.plan, runs: p.plan.runs.slice(0, 3) } };
    bad.plan.runs[1] = { ...bad.plan.runs[1], scenario: { ...bad.plan.runs[1].scenario, hardware: 'NOPE' } };
    const dir = tempDir();
    expect(await sweep(bad, dir)).toMatchObject({ ran: 3, errors: 1 });
    const rows = parseCsv(table(dir));
    expect(rows[1]).toMatchObject({ status: 'error', error: "field 'hardware': no such hardware", completed: '' });
    const again = counting();
    await sweep(bad, dir, again.fn);
    expect(again.calls).toHaveLength(0);
  });
});

describe('shards', () => {
  it('shards split the runs exactly once each, and merged equal the unsharded table byte for byte', async () => {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const whole = tempDir();
    await sweep(p, whole);
    const root = tempDir();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const shard = { index: i, count: 3, source: 'test' };
      const dir = join(root, shardDirName(shard));
      const r = await sweep(p, dir, fakeRunOne, shard);
      expect(r.total).toBe(8);
      seen.push(...shardOf(p.plan.runs, shard).map((x) => x.id));
    }
    expect([...seen].sort()).toEqual(p.plan.runs.map((x) => x.id));
    const merged = mergeShards(findShardDirs(root), root);
    expect(merged).toMatchObject({ runs: 24, present: 24, missing: [] });
    expect(table(root)).toBe(table(whole));
    expect(readFileSync(join(root, 'plan.json'), 'utf8')).toBe(readFileSync(join(whole, 'plan.json'), 'utf8'));
  });

  it('merging reports the runs of a missing shard, and refuses shards of another plan', async () => {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const root = tempDir();
    await sweep(p, join(root, 'shard-0-of-2'), fakeRunOne, { index: 0, count: 2 });
    const r = mergeShards(findShardDirs(root), join(root, 'merged'));
    expect(r.present).toBe(12);
    expect(r.missing).toEqual(shardOf(p.plan.runs, { index: 1, count: 2, source: '' }).map((x) => x.id));

    const other = planExperiment(join(FIX, 'nested', 'child.json'));
    await sweep(other, join(root, 'other'), fakeRunOne);
    expect(() => mergeShards([join(root, 'shard-0-of-2'), join(root, 'other')], join(root, 'bad'))).toThrow(/different plan/);
  });

  it('shards partition any plan: every run in exactly one shard, sizes differing by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (runs, count) => {
        const items = Array.from({ length: runs }, (_, i) => i);
        const parts = Array.from({ length: count }, (_, index) => shardOf(items, { index, count, source: '' }));
        expect(parts.flat().sort((a, b) => a - b)).toEqual(items);
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('shard from --shard, Slurm array and Kubernetes indexed-Job variables', () => {
    expect(resolveShard('1/4', undefined, {})).toEqual({ index: 1, count: 4, source: '--shard' });
    expect(resolveShard(undefined, undefined, {})).toBeUndefined();
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 2, count: 3 });
    expect(resolveShard(undefined, 5, { JOB_COMPLETION_INDEX: '4' })).toMatchObject({ index: 4, count: 5, source: 'JOB_COMPLETION_INDEX' });
    // --shard wins over the environment
    expect(resolveShard('0/2', undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).toMatchObject({ index: 0, count: 2 });
    expect(() => resolveShard('4/4', undefined, {})).toThrow(/out of range/);
    expect(() => resolveShard('1-4', undefined, {})).toThrow(InputError);
    expect(() => resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '1' })).toThrow(/--shards/);
  });
});

describe('sweep through the CLI and worker threads', () => {
  async function sim(args: string[]): Promise<string> {
    let out = '';
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    try {
      await main(args);
    } finally {
      so.mockRestore();
    }
    return out;
  }

  it('`sim sweep --shard` twice and `sim results merge` equal `sim sweep`', async () => {
    const file = join(FIX, 'sweep24.yaml');
    const whole = tempDir();
    const root = tempDir();
    await sim(['sweep', file, '--workers', '0', '--runner', FAKE, '--out', whole, '--quiet']);
    await sim(['sweep', file, '--workers', '0', '--runner', FAKE, '--out', root, '--shard', '0/2', '--quiet']);
    const out1 = await sim(['sweep', file, '--workers', '0', '--runner', FAKE, '--out', root, '--shard', '1/2']);
    expect(out1).toContain('shard 1/2 (from --shard)');
    expect(out1).toContain('done: 12 runs (0 from earlier, 12 now)');
    const shardList = await sim(['results', 'list', join(root, 'shard-1-of-2')]);
    expect(shardList).toContain('sweep24 (shard 1/2 of 24): 12 of 12 runs done');
    expect(shardList).not.toContain('pending');
    const merged = await sim(['results', 'merge', root]);
    expect(merged).toContain('24 of 24 runs');
    expect(table(root)).toBe(table(whole));
    const list = await sim(['results', 'list', root]);
    expect(list).toContain('sweep24: 24 of 24 runs done');
    const first = parseCsv(table(whole))[0];
    const shown = JSON.parse(await sim(['results', 'show', first.run_id.slice(0, 8), '--dir', whole]));
    expect(shown.id).toBe(first.run_id);
    expect(shown.metrics.p99_ttft_ms).toBe(Number(first.p99_ttft_ms));
  });

  it('two worker threads give the same table as this thread', async () => {
    const p = planExperiment(join(FIX, 'sweep24.yaml'));
    const inThread = tempDir();
    await sweep(p, inThread);
    const pooled = tempDir();
    const executor = createWorkerExecutor(2, runnerModuleUrl(FAKE));
    try {
      await runSweep({ name: p.name, plan: p.plan, rootDir: p.rootDir, store: new ResultsStore(pooled), executor });
    } finally {
      await executor.close();
    }
    expect(table(pooled)).toBe(table(inThread));
  });
});
