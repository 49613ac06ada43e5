// Decode groups (decodeGroup.ts) must change nothing but speed: on random workloads, knobs and clusters, a run that
// advances steady decoders as a group gives exactly the records (every ITL gap), iterations, heartbeats and totals of
// the same run stepped request by request, including KV pressure (preemption), budget cuts, chunked prefill, long
// prefill thresholds and several instances behind each router.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runServing } from '../src/serving/simulation.js';
import { ROUTER_POLICIES } from '../src/serving/router.js';
import { DEFAULT_KNOBS, type IterationRecord, type RequestRecord, type RunTotals, type TickStatus } from '../src/serving/types.js';
import type { RequestSpec } from '../src/workload/types.js';
import { join } from 'node:path';
import { CostModel } from '../src/cost/costModel.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { LinearCost, ListSource } from './serving-fakes.js';
import { HAS_REFERENCE, LLAMA_8B, NO_REFERENCE_REASON, RTX4090, RTXPRO6000, VALIDATION, bundleDir } from './cost-fixtures.js';

/** LinearCost plus a term on the longest context: order-free, but not a plain sum. */
class OrderFreeCost extends LinearCost {
  readonly rowOrderFree = true;
  override iterate(n: number): number {
    let maxCtx = 0;
    for (let i = 0; i < n; i++) maxCtx = Math.max(maxCtx, this.computedBefore[i]);
    return super.iterate(n) + 3 * maxCtx;
  }
}

interface Case {
  specs: RequestSpec[];
  instances: number;
  router: (typeof ROUTER_POLICIES)[number];
  maxNumSeqs: number;
  budget: number;
  threshold: number;
  blockSize: number;
  spareBlocks: number;
  chunked: boolean;
  compat: 'vllm' | 'llmservingsim2';
}

function runCase(c: Case, groupDecodes: boolean, sink?: (instanceId: number, gapNs: number, count: number) => void) {
  const records: Omit<RequestRecord, 'itlNs'>[] = [];
  const itls: number[][] = [];
  const iterations: IterationRecord[] = [];
  const ticks: [number, TickStatus][] = [];
  const longest = Math.max(...c.specs.map((s) => s.inputToks + s.outputToks));
  const numKvBlocks = Math.ceil(longest / c.blockSize) + c.spareBlocks;
  const knobs = {
    ...DEFAULT_KNOBS,
    maxNumSeqs: c.maxNumSeqs,
    maxNumBatchedTokens: c.budget,
    longPrefillTokenThreshold: c.threshold,
    blockSize: c.blockSize,
    enableChunkedPrefill: c.chunked,
    enablePrefixCaching: false,
  };
  let totals: RunTotals | undefined;
  let error: string | undefined;
  try {
    totals = runServing({
      instances: Array.from({ length: c.instances }, (_, i) => ({ instanceId: i, modelName: 'm', cost: new OrderFreeCost(1000, 10, 1), knobs, numKvBlocks })),
      source: new ListSource(c.specs),
      compat: c.compat,
      router: c.router,
      seed: 7,
      groupDecodes,
      itlSink: sink,
      logIntervalNs: 50_000,
      observer: {
        onRequest: (r) => {
          const { itlNs, ...rest } = r;
          records.push(rest);
          itls.push(Array.from(itlNs));
        },
        onIteration: (it) => iterations.push({ ...it }),
        onTick: (t, st) => ticks.push([t, { ...st }]),
      },
    });
  } catch (e) {
    error = (e as Error).message;
  }
  const { groupedDecodeTokens, ...rest } = totals ?? ({} as RunTotals);
  return { out: { records, itls, iterations, ticks, totals: rest, error }, grouped: groupedDecodeTokens ?? 0 };
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  specs: fc
    .array(fc.record({ gap: fc.nat(20_000), inputToks: fc.integer({ min: 1, max: 120 }), outputToks: fc.integer({ min: 1, max: 90 }) }), { minLength: 1, maxLength: 40 })
    .map((rows) => {
      let t = 0;
      return rows.map((r, id) => ({ id, arrivalNs: (t += r.gap), inputToks: r.inputToks, outputToks: r.outputToks }));
    }),
  instances: fc.integer({ min: 1, max: 3 }),
  router: fc.constantFrom(...ROUTER_POLICIES),
  maxNumSeqs: fc.integer({ min: 1, max: 24 }),
  budget: fc.integer({ min: 4, max: 300 }),
  threshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 64 })),
  blockSize: fc.constantFrom(1, 2, 4, 16),
  spareBlocks: fc.integer({ min: 0, max: 60 }),
  chunked: fc.boolean(),
  compat: fc.constantFrom('vllm' as const, 'llmservingsim2' as const),
});

describe('decode groups', () => {
  it('give byte-identical runs to stepping every request', () => {
    let groupedRuns = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const grouped = runCase(c, true);
        const stepped = runCase(c, false);
        expect(stepped.grouped).toBe(0);
        expect(grouped.out).toEqual(stepped.out);
        if (grouped.grouped > 0) groupedRuns++;
      }),
      { numRuns: 300 },
    );
    // The comparison means something only if groups were used: most random cases decode in groups.
    expect(groupedRuns).toBeGreaterThan(150);
  });

  it('report the same inter-token gaps in aggregate (ITL sink) as in the records, per instance', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const perInstance = new Map<number, number[]>();
        const aggregated = runCase(c, true, (id, gapNs, count) => {
          const list = perInstance.get(id) ?? [];
          for (let k = 0; k < count; k++) list.push(gapNs);
          perInstance.set(id, list);
        });
        const stepped = runCase(c, false);
        const expected = new Map<number, number[]>();
        stepped.out.records.forEach((r, i) => expected.set(r.instanceId, [...(expected.get(r.instanceId) ?? []), ...stepped.out.itls[i]]));
        const sorted = (m: Map<number, number[]>) => [...m].filter(([, v]) => v.length > 0).map(([k, v]) => [k, [...v].sort((a, b) => a - b)]).sort((a, b) => (a[0] as number) - (b[0] as number));
        // (A run that stops with an error reported gaps of requests that never finished: no records to compare with.)
        if (stepped.out.error === undefined) expect(sorted(perInstance)).toEqual(sorted(expected));
        expect(aggregated.out.itls.every((g) => g.length === 0)).toBe(true);
        expect({ ...aggregated.out, itls: [] }).toEqual({ ...stepped.out, itls: [] });
      }),
      { numRuns: 200 },
    );
  });

  it('take the O(1) path for nearly every decode of a steady run', () => {
    const specs = Array.from({ length: 64 }, (_, id) => ({ id, arrivalNs: id * 3_000, inputToks: 40, outputToks: 200 }));
    const c: Case = { specs, instances: 2, router: 'least-loaded', maxNumSeqs: 32, budget: 512, threshold: 0, blockSize: 16, spareBlocks: 2000, chunked: true, compat: 'vllm' };
    const grouped = runCase(c, true);
    const stepped = runCase(c, false);
    expect(grouped.out).toEqual(stepped.out);
    const decodeTokens = 64 * 199; // every token after the first comes from a decode step
    expect(grouped.grouped).toBeGreaterThan(0.9 * decodeTokens);
    expect(grouped.grouped).toBeLessThanOrEqual(decodeTokens);
  });

  it('cross the ITL sweeps and long runs of long decodes, under KV pressure', () => {
    const specs = Array.from({ length: 12 }, (_, id) => ({ id, arrivalNs: id * 50_000, inputToks: 30 + id, outputToks: 1500 + 300 * id }));
    for (const spareBlocks of [40, 400, 5000]) {
      const c: Case = { specs, instances: 1, router: 'load', maxNumSeqs: 8, budget: 64, threshold: 0, blockSize: 16, spareBlocks, chunked: true, compat: 'vllm' };
      const grouped = runCase(c, true);
      expect(grouped.out).toEqual(runCase(c, false).out);
      expect(grouped.grouped).toBeGreaterThan(0);
    }
  });

  // The native kernel claims rowOrderFree (CostModel): the same rows in another order cost the same, to the ns and
  // in every counter. Checked on the roofline and on profiled bundles with skew correction.
  const shuffledBatches = async (cm: CostModel, seed: number) => {
    const rows: [number, number][] = [];
    let x = seed;
    const rnd = (m: number) => ((x = (x * 1103515245 + 12345) % 2147483648) % m);
    for (let k = 0; k < 60; k++) rows.push(k % 17 === 0 ? [1 + rnd(900), rnd(3000)] : [1, 1 + rnd(4000)]);
    const fill = (order: [number, number][]) => {
      order.forEach(([n, c], i) => {
        cm.newTokens[i] = n;
        cm.computedBefore[i] = c;
      });
      const ns = cm.iterate(order.length);
      return [ns, Array.from(cm.counters)];
    };
    const a = fill(rows);
    const reversed = fill([...rows].reverse());
    const rotated = fill([...rows.slice(25), ...rows.slice(0, 25)]);
    expect(reversed).toEqual(a);
    expect(rotated).toEqual(a);
  };
  // ... and decode rows given as totals (CostModel.decodeGroup, what an instance passes for its decode group) cost
  // the same as the rows listed.
  const totalsVsRows = (cm: CostModel, seed: number) => {
    let x = seed;
    const rnd = (m: number) => ((x = (x * 1103515245 + 12345) % 2147483648) % m);
    for (let round = 0; round < 20; round++) {
      const rows: [number, number][] = [];
      const n = 1 + rnd(80);
      for (let k = 0; k < n; k++) rows.push(rnd(9) === 0 ? [2 + rnd(900), rnd(3000)] : [1, rnd(5000)]);
      const listed = () => {
        rows.forEach(([a, c], i) => {
          cm.newTokens[i] = a;
          cm.computedBefore[i] = c;
        });
        cm.decodeGroup![0] = 0;
        return [cm.iterate(rows.length), Array.from(cm.counters), cm.breakdown()];
      };
      const grouped = () => {
        const kept = rows.filter((_, i) => i % 3 !== 0 || rows[i][0] !== 1);
        const decodes = rows.filter((r, i) => i % 3 === 0 && r[0] === 1).map((r) => r[1]);
        kept.forEach(([a, c], i) => {
          cm.newTokens[i] = a;
          cm.computedBefore[i] = c;
        });
        const g = cm.decodeGroup!;
        g[0] = decodes.length;
        g[1] = decodes.reduce((s, v) => s + v, 0);
        g[2] = decodes.length ? Math.min(...decodes) : 0;
        g[3] = decodes.length ? Math.max(...decodes) : 0;
        const out = [cm.iterate(kept.length), Array.from(cm.counters), cm.breakdown()];
        g[0] = 0;
        return out;
      };
      expect(grouped()).toEqual(listed());
    }
  };

  it('the native kernel costs decode rows given as totals the same as listed rows (roofline, shipped H100 bundle)', async () => {
    const roofline = await CostModel.load({ model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1 });
    totalsVsRows(roofline, 11);
    const h100 = await CostModel.load({
      model: LLAMA_8B,
      hardware: RTX4090,
      weightDtype: 'bf16',
      kvDtype: 'bf16',
      tp: 1,
      perfBundle: join(PACKAGE_ROOT, 'perf_models', 'H100-SXM', 'meta-llama', 'Llama-3.1-8B-Instruct', 'bf16'),
    });
    totalsVsRows(h100, 12);
  });
  it.skipIf(!HAS_REFERENCE)('the native kernel costs decode rows given as totals the same as listed rows (profiles with skew correction)', async () => {
    for (const [hw, spec] of [['RTX4090', RTX4090], ['RTXPRO6000', RTXPRO6000]] as const) {
      totalsVsRows(await CostModel.load({ model: LLAMA_8B, hardware: spec, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfBundle: bundleDir(hw), ...VALIDATION[hw] }), 13);
    }
  });

  it('a run on the native kernel (decode rows as totals) equals the same run request by request', async () => {
    const bundle = join(PACKAGE_ROOT, 'perf_models', 'H100-SXM', 'meta-llama', 'Llama-3.1-8B-Instruct', 'bf16');
    const run = async (groupDecodes: boolean) => {
      const records: unknown[] = [];
      const iterations: IterationRecord[] = [];
      let x = 99;
      const rnd = (m: number) => ((x = (x * 1103515245 + 12345) % 2147483648) % m);
      let t = 0;
      const specs = Array.from({ length: 600 }, (_, id) => ({ id, arrivalNs: (t += rnd(40_000_000)), inputToks: 1 + rnd(1500), outputToks: 1 + rnd(700) }));
      const instances = await Promise.all(
        [0, 1].map(async (instanceId) => ({
          instanceId,
          modelName: 'm',
          cost: await CostModel.load({ model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfBundle: bundle }),
          knobs: { ...DEFAULT_KNOBS, maxNumSeqs: 64, maxNumBatchedTokens: 1024 },
          numKvBlocks: 3000,
        })),
      );
      const totals = runServing({
        instances,
        source: new ListSource(specs),
        compat: 'vllm',
        router: 'least-loaded',
        groupDecodes,
        observer: { onRequest: (r) => records.push({ ...r, itlNs: Array.from(r.itlNs) }), onIteration: (it) => iterations.push({ ...it }) },
      });
      const { groupedDecodeTokens, ...rest } = totals;
      return { out: { records, iterations, totals: rest }, grouped: groupedDecodeTokens ?? 0 };
    };
    const grouped = await run(true);
    const stepped = await run(false);
    expect(grouped.grouped).toBeGreaterThan(0);
    expect(stepped.grouped).toBe(0);
    expect(grouped.out).toEqual(stepped.out);
  });

  it('the native kernel costs a batch the same whatever the order of its rows (roofline)', async () => {
    const cm = await CostModel.load({ model: LLAMA_8B, hardware: RTX4090, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1 });
    expect(cm.rowOrderFree).toBe(true);
    for (const seed of [1, 2, 3]) await shuffledBatches(cm, seed);
  });
  it.skipIf(!HAS_REFERENCE)(`the native kernel costs a batch the same whatever the order of its rows (profiles) ${HAS_REFERENCE ? '' : NO_REFERENCE_REASON}`, async () => {
    for (const [hw, spec] of [['RTX4090', RTX4090], ['RTXPRO6000', RTXPRO6000]] as const) {
      const cm = await CostModel.load({ model: LLAMA_8B, hardware: spec, weightDtype: 'bf16', kvDtype: 'bf16', tp: 1, perfBundle: bundleDir(hw), ...VALIDATION[hw] });
      for (const seed of [4, 5]) await shuffledBatches(cm, seed);
    }
  });
});
