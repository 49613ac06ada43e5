// Capacity search: with a fake whose P99 TTFT is 20 + 10·rate/tp ms the answer is known by hand; with the real
// simulator, direct runs confirm the found rate meets the SLO and rate + step does not. Ranking and cost by hand.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/index.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { capacityTableCsv, checkCapacitySpec, loadAt, meetsSlo, rankCapacity, runCapacitySearch } from '../src/experiment/capacity.js';
import { createInProcessExecutor } from '../src/experiment/executor.js';
import type { CapacitySpec } from '../src/experiment/experimentSchema.js';
import { ResultsStore } from '../src/experiment/resultsStore.js';
import type { RunOne } from '../src/experiment/runOutcome.js';
import { metricsFromReport } from '../src/experiment/runMetrics.js';
import { planExperiment, type PlannedExperiment } from '../src/experiment/session.js';
import { withPath } from '../src/experiment/scenarioFields.js';
import { runnableScenario } from '../src/experiment/sweep.js';
import { simulate } from '../src/simulate.js';
import { runOne as fakeRunOne } from './fixtures/experiments/fakeRunner.js';

const FIX = join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments');
const tempDir = () => mkdtempSync(join(tmpdir(), 'servesim-cap-'));

/** The capacity fixture with a tp axis instead of maxNumSeqs, and the given search range and SLO. */
function fakeCase(spec: Partial<CapacitySpec>): PlannedExperiment {
  const p = planExperiment(join(FIX, 'capacity.yaml'));
  const capacity = { ...p.experiment.capacity!, ...spec };
  const runs = [1, 2].map((tp) => {
    const scenario = { ...p.plan.runs[0].scenario, tp };
    return { id: `tp${tp}`, scenarioName: 'base', axes: { tp }, scenario };
  });
  return { ...p, experiment: { ...p.experiment, capacity }, plan: { axes: ['tp'], runs, duplicates: 0 } };
}

async function search(p: PlannedExperiment, runOne: RunOne = fakeRunOne, dir = tempDir()) {
  const spec = checkCapacitySpec(p.experiment, p.plan, p.file);
  const rows = await runCapacitySearch({ exp: p.experiment, spec, plan: p.plan, rootDir: p.rootDir, store: new ResultsStore(dir), executor: createInProcessExecutor(runOne, 2) });
  return { spec, rows, dir };
}

describe('capacity search (fake runner, answers by hand)', () => {
  it('finds the largest grid rate with 20 + 10·rate/tp ≤ 100 ms: 8 at tp 1, 16 at tp 2', async () => {
    const { rows } = await search(fakeCase({ low: 0.5, high: 30, step: 0.5, slo: { ttftMs: { p99: 100 } } }));
    const [tp1, tp2] = rows;
    expect(tp1).toMatchObject({ status: 'ok', capacity: 8, next: 8.5 });
    expect(tp2).toMatchObject({ status: 'ok', capacity: 16, next: 16.5 });
    // Binary search over 60 grid points: the two ends plus at most ceil(log2 59) = 6 probes.
    expect(tp1.probes).toBeLessThanOrEqual(8);
    expect(tp1.atCapacity?.status === 'ok' && tp1.atCapacity.metrics.p99_ttft_ms).toBe(100);
    expect(tp1.atNext?.status === 'ok' && tp1.atNext.metrics.p99_ttft_ms).toBe(105);
  });

  it('reports when nothing meets the SLO and when everything does', async () => {
    const none = await search(fakeCase({ low: 10, high: 20, step: 1, slo: { ttftMs: { p99: 50 } } }));
    expect(none.rows[0]).toMatchObject({ status: 'none-meets', capacity: undefined, probes: 1 });
    const all = await search(fakeCase({ low: 1, high: 5, step: 1, slo: { ttftMs: { p99: 1000 } } }));
    expect(all.rows[0]).toMatchObject({ status: 'all-meet', capacity: 5, next: undefined, probes: 2 });
  });

  it('grid values do not drift (0.1 steps) and SLOs on several statistics all apply', () => {
    expect(loadAt({ low: 0.1, step: 0.1 }, 2)).toBe(0.3);
    const rec = { status: 'ok', metrics: { p99_ttft_ms: 90, p90_tpot_ms: 12 } } as never;
    expect(meetsSlo(rec, { ttftMs: { p99: 100 }, tpotMs: { p90: 12 } })).toBe(true);
    expect(meetsSlo(rec, { ttftMs: { p99: 100 }, tpotMs: { p90: 11.9 } })).toBe(false);
    expect(meetsSlo(rec, { e2eMs: { p99: 1e9 } })).toBe(false); // a statistic the run lacks cannot be claimed met
  });

  it('ranks by throughput per GPU and by cost, computed by hand', async () => {
    const { rows, spec } = await search(fakeCase({ low: 1, high: 40, step: 1, slo: { ttftMs: { p99: 100 } } }));
    // Fake output throughput: min(rate, 50·tp)·100 + seed (1) → tp1 at 8: 801 tok/s; tp2 at 16: 1601 tok/s.
    expect(rows[0].throughputPerGpu).toBe(801);
    expect(rows[1].throughputPerGpu).toBe(800.5);
    // 0.4 USD per GPU-hour: tp1 costs 0.4/3600/801·1e6 USD per M output tokens.
    expect(rows[0].costPerMTokens).toBeCloseTo((0.4 / 3600 / 801) * 1e6, 12);
    expect(rows[1].costPerMTokens).toBeCloseTo(((2 * 0.4) / 3600 / 1601) * 1e6, 12);
    expect(rankCapacity(rows, 'capacity').map((r) => r.configId)).toEqual(['tp2', 'tp1']);
    expect(rankCapacity(rows, 'throughputPerGpu').map((r) => r.configId)).toEqual(['tp1', 'tp2']);
    expect(rankCapacity(rows, 'costPerMTokens').map((r) => r.configId)).toEqual(['tp1', 'tp2']);
    // Fake energy: 2/tp J per output token, so tp2 (1 J) beats tp1 (2 J).
    expect(rows.map((r) => r.energyPerOutputToken)).toEqual([2, 1]);
    expect(rankCapacity(rows, 'energyPerOutputToken').map((r) => r.configId)).toEqual(['tp2', 'tp1']);
    const csv = capacityTableCsv(spec, ['tp'], rows).split('\n');
    expect(csv[0]).toContain('capacity_workload.rateQps,next_workload.rateQps');
    expect(csv[1].startsWith('tp1,base,1,ok,8,9,')).toBe(true);
  });

  it('probes are kept on disk: the same search again runs nothing', async () => {
    const p = fakeCase({ low: 0.5, high: 30, step: 0.5, slo: { ttftMs: { p99: 100 } } });
    const first = await search(p);
    let calls = 0;
    const again = await search(p, async (s) => (calls++, fakeRunOne(s)), first.dir);
    expect(calls).toBe(0);
    expect(again.rows.map((r) => r.capacity)).toEqual(first.rows.map((r) => r.capacity));
  });

  it('searches a closed loop over whole user counts', async () => {
    const p = fakeCase({ over: 'workload.users', low: 1, high: 64, step: 1, slo: { ttftMs: { p99: 100 } } });
    const closed = {
      ...p,
      plan: {
        ...p.plan,
        runs: p.plan.runs.map((r) => ({ ...r, scenario: { ...r.scenario, workload: { kind: 'closed-loop' as const, users: 1, thinkTimeS: 0, numReqs: 40, lengthsFrom: 'x.tsv' } } })),
      },
    };
    const { rows } = await search(closed);
    // The fake reads users as the load: 20 + 10·users/tp ≤ 100 → 8 users at tp 1, 16 at tp 2.
    expect(rows.map((r) => [r.capacity, r.next])).toEqual([
      [8, 9],
      [16, 17],
    ]);
    const fractional = { ...closed, experiment: { ...closed.experiment, capacity: { ...closed.experiment.capacity!, step: 0.5 } } };
    expect(() => checkCapacitySpec(fractional.experiment, fractional.plan, fractional.file)).toThrow(/workload.users=.*expected int/);
  });

  it('the search field may not also be a sweep axis', () => {
    const p = fakeCase({});
    const clash = { ...p, plan: { ...p.plan, axes: ['workload.rateQps'] } };
    expect(() => checkCapacitySpec(clash.experiment, clash.plan, clash.file)).toThrow(/both a sweep axis and the capacity search field/);
  });
});

describe('capacity search with the real simulator', () => {
  it('`sim capacity` finds a rate that a direct run confirms meets the SLO, while rate + step does not', async () => {
    const out = tempDir();
    let stdout = '';
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
    try {
      await main(['capacity', join(FIX, 'capacity.yaml'), '--workers', '0', '--out', out, '--quiet']);
    } finally {
      so.mockRestore();
    }
    expect(stdout).toContain('Best by throughputPerGpu:');
    const p = planExperiment(join(FIX, 'capacity.yaml'));
    const [head, ...lines] = readFileSync(join(out, 'capacity.csv'), 'utf8').trimEnd().split('\n');
    const cols = head.split(',');
    expect(lines).toHaveLength(p.plan.runs.length);
    for (const line of lines) {
      const row = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]));
      expect(row.status).toBe('ok');
      const config = p.plan.runs.find((r) => r.id === row.config_id)!;
      const rate = Number(row['capacity_workload.rateQps']);
      const step = p.experiment.capacity!.step;
      const direct = async (r: number) => metricsFromReport(await simulate(runnableScenario(withPath(config.scenario, 'workload.rateQps', r), p.rootDir)));
      const at = await direct(rate);
      const above = await direct(rate + step);
      expect(at.p99_ttft_ms!).toBeLessThanOrEqual(600);
      expect(above.p99_ttft_ms!).toBeGreaterThan(600);
      expect(Number(row.p99_ttft_ms_at_capacity)).toBe(at.p99_ttft_ms);
      expect(Number(row.j_per_output_token)).toBeGreaterThan(0); // the default runner keeps the energy ledger's figures
    }
  });
});
