// `sim run` at scale: --instances/--router, LLMServingSim's --request-routing-policy, cluster configs with P/D and PP,
// swap and speculative flags, and the clear errors for bad names and layouts. Needs the built addon.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { sim } from './cli-harness.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const haveRef = existsSync(join(REF, 'workloads', 'example_trace.jsonl'));
const haveAddon = existsSync(join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node'));
const TRACE = join(REF, 'workloads', 'example_trace.jsonl');

function summary(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
}

describe.skipIf(!haveRef || !haveAddon)('sim run at scale', () => {
  const base = ['run', '--model', 'llama-3.1-8b', '--hardware', 'H100', '--dataset', TRACE, '--quiet'];

  it('--instances N --router least-loaded: per-instance lines, every request once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scale-cli-'));
    const r = await sim([...base, '--instances', '3', '--router', 'least-loaded', '--summary', join(dir, 'summary.json'), '--output', join(dir, 'out.csv')]);
    expect(r.code, r.stderr).toBe(0);
    for (const i of [0, 1, 2]) expect(r.stdout).toMatch(new RegExp(`Instance \\[${i}\\] requests:`));
    const rows = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(10);
    expect(new Set(rows.map((l) => l.split(',')[1])).size).toBe(10);
    expect(new Set(rows.map((l) => l.split(',')[0]))).toEqual(new Set(['0', '1', '2']));
    expect(summary(dir).perInstance.reduce((a: number, p: { requests: number }) => a + p.requests, 0)).toBe(10);
  });

  it('an unknown router is a clear error listing the valid ones (exit 2)', async () => {
    const r = await sim([...base, '--instances', '2', '--router', 'least-loadd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown router 'least-loadd' \(did you mean least-loaded/);
    expect(r.stderr).toMatch(/valid: load, round-robin, random, least-loaded, least-tokens, kv-aware, prefix-aware/);
  });

  it('--request-routing-policy RAND is seeded: same seed, same placement', async () => {
    const place = async (seed: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'scale-cli-'));
      const r = await sim([...base, '--instances', '4', '--request-routing-policy', 'RAND', '--seed', seed, '--output', join(dir, 'out.csv')]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(join(dir, 'out.csv'), 'utf8');
    };
    expect(await place('3')).toBe(await place('3'));
  });

  it('a cluster config with a hardware that is in no catalog names the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scale-cli-'));
    const cfg = JSON.parse(readFileSync(join(REF, 'configs', 'cluster', 'single_node_single_instance.json'), 'utf8'));
    cfg.nodes[0].instances[0].hardware = 'TPUv9';
    writeFileSync(join(dir, 'c.json'), JSON.stringify(cfg));
    const r = await sim(['run', '--cluster-config', join(dir, 'c.json'), '--dataset', TRACE, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/c\.json, field 'nodes\[0\]\.instances\[0\]\.hardware': unknown hardware 'TPUv9'/);
  });

  it('a TP degree that does not divide the heads is a clear error', async () => {
    const r = await sim([...base, '--tp', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tp 3 does not divide the 32 attention heads/);
  });

  it('the P/D, PP and MoE DP+EP cluster configs run; every request finishes on a decode instance under P/D', async () => {
    for (const [cfg, decodeOnly] of [
      ['single_node_pd_instance.json', true],
      ['single_node_pp_instance.json', false],
      ['single_node_moe_dp_ep_instance.json', false],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'scale-cli-'));
      const r = await sim(['run', '--cluster-config', join(REF, 'configs', 'cluster', cfg), '--dataset', TRACE, '--quiet', '--output', join(dir, 'out.csv')]);
      expect(r.code, r.stderr).toBe(0);
      const rows = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n').slice(1);
      expect(rows.length).toBe(10);
      if (decodeOnly) expect(rows.every((l) => l.startsWith('1,'))).toBe(true);
    }
  });

  it('--preemption-mode swap and --speculative-method ngram are accepted and conserve tokens', async () => {
    for (const extra of [
      ['--preemption-mode', 'swap', '--prefix-storage', 'CPU'],
      ['--speculative-method', 'ngram', '--num-speculative-tokens', '3', '--spec-acceptance-rate', '0.8'],
    ]) {
      const dir = mkdtempSync(join(tmpdir(), 'scale-cli-'));
      const r = await sim([...base, ...extra, '--summary', join(dir, 'summary.json')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Total generated tokens:\s+591\n/); // Σ output of the trace
    }
  });
});
