// End to end: a small simulated run through the energy ledger into a RunReport: conservation, determinism, round trip.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { regionGrid } from '../src/energy/gridIntensity.js';
import { simulateImpact } from '../src/energy/simulatedRunReport.js';
import { readRunReport, runReportToJson, writeRunReport } from '../src/report/runReportWriters.js';
import type { Scenario } from '../src/simulate.js';

const scenario: Scenario = {
  model: 'llama-3.1-8b',
  hardware: 'H100-SXM',
  workload: { kind: 'file', path: join(PACKAGE_ROOT, 'datasets', 'sharegpt.tsv'), numReqs: 20 },
};
const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

describe('simulateImpact', () => {
  it('per-request energy and carbon add up to the run totals; tokens processed match the engine', async () => {
    const { report, energy } = await simulateImpact(scenario, { energy: { grid: regionGrid('FRA'), pue: 1.2 }, runId: 't' });
    const pr = report.per_request!;
    expect(pr.request_id).toHaveLength(20);
    expect(sum(pr.energy_j!)).toBeCloseTo(report.energy.facility_total_j as number, 6);
    expect(sum(pr.operational_gco2e!)).toBeCloseTo(report.carbon.operational_gco2e as number, 9);
    expect(sum(pr.embodied_gco2e!)).toBeCloseTo(report.carbon.embodied_gco2e as number, 9);
    // without preemption every request's prefill + decode steps were processed exactly once
    expect(energy.instances[0].tokensProcessed).toBe(energy.instances[0].requestWeight);
    expect(report.energy.facility_total_j).toBeCloseTo((report.energy.it_total_j as number) * 1.2, 6);
    expect(report.scenario.site.ci_gco2e_per_kwh).toBeCloseTo(56.0, 9);
    expect(report.intensity.j_per_output_token).toBeCloseTo((report.energy.facility_total_j as number) / (report.workload.output_tokens as number), 12);
    // busy GPUs draw between static and max power
    const busyW = energy.instances[0].gpuBusyJ / energy.instances[0].busyS;
    expect(busyW).toBeGreaterThanOrEqual(300);
    expect(busyW).toBeLessThanOrEqual(600);
  });

  it('is deterministic and round-trips through JSON and msgpack', async () => {
    const a = await simulateImpact(scenario, { runId: 't' });
    const b = await simulateImpact(scenario, { runId: 't' });
    expect(runReportToJson(a.report)).toBe(runReportToJson(b.report));
    const dir = mkdtempSync(join(tmpdir(), 'impact-'));
    for (const f of ['r.json', 'r.msgpack']) {
      writeRunReport(join(dir, f), a.report);
      expect(readRunReport(join(dir, f))).toEqual(a.report);
    }
  });
});
