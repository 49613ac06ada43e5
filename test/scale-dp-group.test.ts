// DP groups (LLMServingSim dp_group, reference README §2.7): members step together, an idle member runs a 1-token
// dummy batch, every member is padded to the group's largest batch (dpPad), and the next step waits for the slowest.
// Traced by hand on a tiny workload; then the reference DP example, compared with LLMServingSim's output.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { parseRequestsCsv, type RequestRow } from '../src/report/requestsCsv.js';
import { runServing } from '../src/serving/simulation.js';
import { DEFAULT_KNOBS, type CostModelLike, type InstanceSetup, type RequestRecord } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { sim } from './cli-harness.js';
import { ListSource } from './serving-fakes.js';

/** latency = 1000 + 10·max(Σ new tokens, pad total_len) + Σ computed-before (attention: real rows only). */
class PaddedCost implements CostModelLike {
  readonly newTokens = new Int32Array(64);
  readonly computedBefore = new Int32Array(64);
  readonly dpPad = new Int32Array(2);
  readonly calls: { rows: [number, number][]; pad: [number, number] }[] = [];
  iterate(n: number): number {
    let total = 0;
    let ctx = 0;
    const rows: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      total += this.newTokens[i];
      ctx += this.computedBefore[i];
      rows.push([this.newTokens[i], this.computedBefore[i]]);
    }
    this.calls.push({ rows, pad: [this.dpPad[0], this.dpPad[1]] });
    return 1000 + 10 * Math.max(total, this.dpPad[0]) + ctx;
  }
}

function run(grouped: boolean) {
  const costs = [new PaddedCost(), new PaddedCost()];
  const setups: InstanceSetup[] = costs.map((cost, i) => ({
    instanceId: i,
    modelName: 'm',
    cost,
    knobs: { ...DEFAULT_KNOBS, blockSize: 4 },
    numKvBlocks: 100,
    ...(grouped ? { dpGroup: 'A', dpPad: cost.dpPad } : {}),
  }));
  const specs: RequestSpec[] = [
    { id: 0, arrivalNs: 0, inputToks: 100, outputToks: 2 },
    { id: 1, arrivalNs: 0, inputToks: 10, outputToks: 3 },
  ];
  const records: RequestRecord[] = [];
  const totals = runServing({ instances: setups, source: new ListSource(specs), router: 'round-robin', observer: { onRequest: (r) => records.push({ ...r, itlNs: Float64Array.from(r.itlNs) }) } });
  return { costs, totals, byId: new Map(records.map((r) => [r.requestId, r])) };
}

describe('DP group (README §2.7)', () => {
  it('steps together, pads to the largest batch, waits for the slowest member, fills an idle member with a dummy', () => {
    // t=0: inst0 prefills A (100 tok), inst1 prefills B (10 tok), both padded to 100: 1000 + 1000 = 2000 each.
    // t=2000: decodes, pad [1, 1]: inst0 A (ctx 100) 1000 + 10 + 100 = 1110 → 3110; inst1 B (ctx 10) 1020 → 3020.
    // t=3020: inst1 idle but inst0 busy: it waits. t=3110: A done; group step: inst0 has nothing → dummy (1 token,
    // ctx 0) 1010 → 4120; inst1 B (ctx 11) 1000 + 10 + 11 = 1021 → 4131, B done.
    const { costs, totals, byId } = run(true);
    const a = byId.get(0)!;
    const b = byId.get(1)!;
    expect([a.ttftNs, a.endNs]).toEqual([2000, 3110]);
    expect([b.ttftNs, b.endNs]).toEqual([2000, 4131]);
    expect(Array.from(b.itlNs)).toEqual([1020, 1111]);
    expect(costs[0].calls).toEqual([
      { rows: [[100, 0]], pad: [100, 1] },
      { rows: [[1, 100]], pad: [1, 1] },
      { rows: [[1, 0]], pad: [1, 1] }, // the dummy batch
    ]);
    expect(costs[1].calls).toEqual([
      { rows: [[10, 0]], pad: [100, 1] },
      { rows: [[1, 10]], pad: [1, 1] },
      { rows: [[1, 11]], pad: [1, 1] },
    ]);
    // The dummy is not an iteration; every request finishes once with its tokens.
    expect(totals.iterations).toBe(5);
    expect([totals.finishedRequests, totals.outputTokens]).toEqual([2, 5]);
    expect(totals.makespanNs).toBe(4131);
  });

  it('without a group the same instances run unpadded and unsynchronised', () => {
    // inst1: B's prefill 1000 + 100 = 1100; decodes 1000 + 10 + 10 = 1020 → 2120, 1000 + 10 + 11 = 1021 → 3141.
    const { costs, byId } = run(false);
    const b = byId.get(1)!;
    expect([b.ttftNs, b.endNs]).toEqual([1100, 3141]);
    expect(costs[0].calls.length).toBe(2);
    expect(costs[1].calls.every((c) => c.pad[0] === 0 && c.pad[1] === 0)).toBe(true);
  });

  it('pads num_seqs to the group maximum too', () => {
    const costs = [new PaddedCost(), new PaddedCost()];
    const setups: InstanceSetup[] = costs.map((cost, i) => ({ instanceId: i, modelName: 'm', cost, knobs: { ...DEFAULT_KNOBS, blockSize: 4 }, numKvBlocks: 100, dpGroup: 'A', dpPad: cost.dpPad }));
    // Round robin: 0 and 2 to inst0, 1 to inst1. Step 1: inst0 prefills 4 + 4 tokens (2 seqs), inst1 4 (1 seq).
    const specs: RequestSpec[] = [0, 1, 2].map((id) => ({ id, arrivalNs: 0, inputToks: 4, outputToks: 2 }));
    runServing({ instances: setups, source: new ListSource(specs), router: 'round-robin' });
    expect(costs[1].calls[0]).toEqual({ rows: [[4, 0]], pad: [8, 2] });
    expect(costs[1].calls[1]).toEqual({ rows: [[1, 4]], pad: [2, 2] });
  });
});

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');

describe.skipIf(!existsSync(REF))('reference DP example (single_node_dp_instance.json)', () => {
  it('matches LLMServingSim per request within 1.5% (end time, TPOT); no replica warning', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'servesim-dp-')), 'dp.csv');
    const r = await sim([
      'run', '--cluster-config', join(REF, 'configs/cluster/single_node_dp_instance.json'), '--dataset', join(REF, 'workloads/example_trace.jsonl'),
      '--num-reqs', '10', '--dtype', 'bfloat16', '--block-size', '16', '--compat', 'llmservingsim2', '--quiet', '--output', out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/independent replica/);
    const read = (p: string) => {
      const rows = new Map<number, RequestRow>();
      parseRequestsCsv(readFileSync(p, 'utf8'), p, (row) => rows.set(row.requestId, row));
      return rows;
    };
    const ours = read(out);
    const ref = read(join(REF, 'outputs/example_dp_run.csv'));
    expect(ours.size).toBe(10);
    for (const [id, want] of ref) {
      const got = ours.get(id)!;
      expect(got.instanceId).toBe(want.instanceId);
      expect(Math.abs(got.endNs - want.endNs) / want.endNs).toBeLessThan(0.015);
      expect(Math.abs(got.tpotNs - want.tpotNs) / want.tpotNs).toBeLessThan(0.015);
    }
  }, 60_000);
});
