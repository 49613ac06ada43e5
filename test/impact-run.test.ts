// `sim run` reports energy and carbon: the printed summary and --summary JSON (energy-model.md §8 names) agree with
// hand computation from the run's own totals and the documented defaults (PUE 1.56, world grid 475 gCO2e/kWh,
// 150 W host per GPU slot, H100 164 kg + 712.5 kg server share over 3 years).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sim } from './cli-harness.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';

const REF2 = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');

let dir: string;
let tsv: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'servesim-run-energy-'));
  const lines = ['input_toks\toutput_toks\tarrival_time_ns'];
  for (let i = 0; i < 20; i++) lines.push(`${100 + ((i * 53) % 300)}\t${20 + ((i * 17) % 80)}\t${i * 100_000_000}`);
  tsv = join(dir, 'w.tsv');
  writeFileSync(tsv, lines.join('\n') + '\n');
});

describe('sim run: energy and carbon in the summary', () => {
  it('--summary JSON carries energy, carbon and intensity that follow from the totals', async () => {
    const sum = join(dir, 'summary.json');
    const r = await sim(['run', '--model', 'llama-3.1-8b', '--hardware', 'H100', '--dataset', tsv, '--quiet', '--summary', sum]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(sum, 'utf8'));
    expect(s.requests).toBe(20); // the latency summary is still there
    const e = s.energy;
    const durationS = s.simulatedDurationS;
    // 150 W per GPU slot for the whole run, lumped (no CPU/RAM split)
    expect(e.cpu_j).toBeNull();
    expect(e.other_it_j).toBeCloseTo(150 * durationS, 6);
    expect(e.it_total_j).toBeCloseTo(e.gpu_j + e.other_it_j + e.link_j, 6);
    expect(e.facility_total_j).toBeCloseTo(1.56 * e.it_total_j, 6);
    // the GPU sits between its parked (300 W) and saturated (600 W) levels for H100
    expect(e.mean_gpu_power_w).toBeCloseTo(e.gpu_j / durationS, 6);
    expect(e.mean_gpu_power_w).toBeGreaterThanOrEqual(300);
    expect(e.mean_gpu_power_w).toBeLessThanOrEqual(600);
    expect(s.site).toMatchObject({ pue: 1.56, grid_region: 'world' });
    const opG = (e.facility_total_j / 3.6e6) * 475;
    const embG = (((164 + 712.5) * 1000) / (3 * 365 * 24 * 3600)) * durationS;
    expect(s.carbon.operational_gco2e).toBeCloseTo(opG, 9);
    expect(s.carbon.embodied_gco2e).toBeCloseTo(embG, 9);
    const i = s.intensity;
    expect(i.j_per_output_token).toBeCloseTo(e.facility_total_j / s.outputTokens, 9);
    expect(i.wh_per_request).toBeCloseTo(e.facility_total_j / 3600 / 20, 9);
    expect(i.gco2e_per_1k_output_tokens.operational).toBeCloseTo((opG / s.outputTokens) * 1000, 9);
    expect(i.gco2e_per_1k_output_tokens.embodied).toBeCloseTo((embG / s.outputTokens) * 1000, 9);
    expect(i.gco2e_per_1k_output_tokens.total).toBeCloseTo(((opG + embG) / s.outputTokens) * 1000, 9);

    // The printed lines show the same figures.
    const line = (label: string) => new RegExp(`^${label.replace(/[()/]/g, '\\$&')}:\\s+(.+)$`, 'm').exec(r.stdout)?.[1];
    expect(line('Energy per output token (J)')).toBe(i.j_per_output_token.toFixed(4));
    expect(line('Energy per request (Wh)')).toBe(i.wh_per_request.toFixed(4));
    expect(line('gCO2e per 1k output tokens (operational / embodied)')).toBe(
      `${i.gco2e_per_1k_output_tokens.operational.toFixed(4)} / ${i.gco2e_per_1k_output_tokens.embodied.toFixed(4)}`,
    );
    expect(line('GPU / host / facility energy (J)')).toBe(`${e.gpu_j.toFixed(1)} / ${e.other_it_j.toFixed(1)} / ${e.facility_total_j.toFixed(1)}`);
  });

  it('the same run twice gives the same energy figures', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    for (const f of [a, b]) expect((await sim(['run', '--model', 'llama-3.1-8b', '--hardware', 'H100', '--dataset', tsv, '--quiet', '--summary', f])).code).toBe(0);
    const pick = (f: string) => {
      const s = JSON.parse(readFileSync(f, 'utf8'));
      return JSON.stringify({ energy: s.energy, carbon: s.carbon, intensity: s.intensity });
    };
    expect(pick(a)).toBe(pick(b));
  });

  it.skipIf(!existsSync(REF2))('a cluster config with an LLMServingSim power block uses its three-state model (needs ../shared/reference)', async () => {
    const sum = join(dir, 'three.json');
    const cfg = join(REF2, 'configs', 'cluster', 'single_node_power_instance.json');
    const r = await sim(['run', '--cluster-config', cfg, '--dataset', join(REF2, 'workloads', 'example_trace.jsonl'), '--num-reqs', '10', '--compat', 'llmservingsim2', '--quiet', '--summary', sum]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(sum, 'utf8'));
    expect(s.energy.method).toBe('model:three-state');
    expect(r.stdout).toMatch(/^Energy model:\s+model:three-state, PUE 1\.56/m);
    // the power block's active level (600 W) caps the mean GPU power, its idle level (35 W) floors it
    expect(s.energy.mean_gpu_power_w).toBeLessThanOrEqual(600);
    expect(s.energy.mean_gpu_power_w).toBeGreaterThanOrEqual(35);
  });
});

