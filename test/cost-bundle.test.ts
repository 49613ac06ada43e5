// The kernel against LLMServingSim 2.0 itself: every row of derived/iteration_compute_vectors.csv (186 batch
// shapes on three bundles, computed with LLMServingSim's own lookup functions) must come out to the nanosecond.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTER, CostModel } from '../src/cost/costModel.js';
import { loadPerfBundle } from '../src/cost/perfBundle.js';
import { HAS_REFERENCE, LLAMA_8B, NO_REFERENCE_REASON, REFERENCE, RTX4090, RTXPRO6000, VALIDATION, bundleDir } from './cost-fixtures.js';

type Row = Record<string, string>;
function readRows(file: string): Row[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
}

const rows = HAS_REFERENCE ? readRows(join(REFERENCE, 'llmservingsim2', 'derived', 'iteration_compute_vectors.csv')) : [];
const hardware = { RTX4090, RTXPRO6000 } as const;
type Hw = keyof typeof hardware;

async function modelFor(hw: Hw, tp: number): Promise<CostModel> {
  return CostModel.load({
    model: LLAMA_8B,
    hardware: hardware[hw],
    weightDtype: 'bf16',
    kvDtype: 'bf16',
    tp,
    perfBundle: bundleDir(hw),
    ...VALIDATION[hw],
  });
}

/** Fill the model's arrays from the row's decode_kv_list and prefill_list; returns n. */
function fillBatch(cm: CostModel, row: Row): number {
  let n = 0;
  for (const kv of row.decode_kv_list.split(' ').filter(Boolean)) {
    cm.newTokens[n] = 1;
    cm.computedBefore[n++] = Number(kv);
  }
  for (const pair of row.prefill_list.split(' ').filter(Boolean)) {
    const [chunk, before] = pair.split(':').map(Number);
    cm.newTokens[n] = chunk;
    cm.computedBefore[n++] = before;
  }
  return n;
}

describe.skipIf(!HAS_REFERENCE)(`LLMServingSim 2.0 bundles (${HAS_REFERENCE ? 'reference present' : NO_REFERENCE_REASON})`, () => {
  it('the three bundles load with the row counts of README §1.1', () => {
    const rtx = loadPerfBundle(bundleDir('RTX4090'), 1);
    expect(rtx.attention?.timeUs.length).toBe(8643);
    expect([...rtx.dense!.values()].reduce((s, t) => s + t.keys.length, 0)).toBe(1368);
    expect([...rtx.perSequence!.values()].reduce((s, t) => s + t.keys.length, 0)).toBe(80);
    expect(rtx.skew).toBeUndefined(); // skew_fit.enabled: false
    expect(rtx.meta.engine_effective).toMatchObject({ max_num_batched_tokens: 2048, max_num_seqs: 256 });
    for (const tp of [1, 2]) {
      const pro = loadPerfBundle(bundleDir('RTXPRO6000'), tp);
      expect(pro.attention?.timeUs.length).toBe(19364);
      expect(pro.skew?.alphaDefault).toBe(tp === 1 ? 0.0543 : 0.0654);
      expect(pro.skew?.buckets?.alpha.length).toBeGreaterThan(3900);
    }
  });

  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.hardware} tp${r.tp}`, [...(groups.get(`${r.hardware} tp${r.tp}`) ?? []), r]);
  for (const [group, groupRows] of groups) {
    it(`${group}: every row of iteration_compute_vectors.csv to the nanosecond (${groupRows.length} rows)`, async () => {
      const cm = await modelFor(groupRows[0].hardware as Hw, Number(groupRows[0].tp));
      const columns = Object.keys(groupRows[0]).filter((c) => c.endsWith('_ns'));
      expect(columns).toContain('compute_total_ns');
      expect(columns).toContain('attention_t_mean_ns');
      const mismatches: string[] = [];
      for (const row of groupRows) {
        cm.iterate(fillBatch(cm, row));
        const got = cm.breakdown() as Record<string, number>;
        for (const c of columns) {
          if (got[c] !== Number(row[c])) mismatches.push(`${row.label} n=${row.num_reqs} T=${row.total_len} ${c}: ${got[c]} != ${row[c]}`);
        }
        expect(cm.counters[COUNTER.computeNs]).toBe(Number(row.compute_total_ns));
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('the skew correction is exercised: some RTXPRO6000 rows differ from t_mean, no RTX4090 row does', () => {
    const skewed = rows.filter((r) => r.attention_ns !== r.attention_t_mean_ns);
    expect(skewed.length).toBeGreaterThan(0);
    expect(skewed.every((r) => r.hardware === 'RTXPRO6000')).toBe(true);
  });

  it('iteration = load + compute + store on tp1; a 2048-token step pays 2 x 163 ns on the RTX 4090 config (§2.4)', async () => {
    const cm = await modelFor('RTX4090', 1);
    cm.newTokens[0] = 2048;
    cm.computedBefore[0] = 0;
    const ns = cm.iterate(1);
    const b = cm.breakdown();
    expect(b.load_ns).toBe(163); // floor(2048 x 2 x 2 / 50)
    expect(b.store_ns).toBe(163);
    expect(ns).toBe(b.compute_total_ns + 326);
    expect(cm.counters[COUNTER.memNs]).toBe(326);
    expect(cm.profiledLimits).toEqual({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(cm.counters[COUNTER.commNs]).toBe(0);
  });

  it('tp2 iteration adds 64 all-reduces of S = total_len x hidden x 2 bytes (README §2.4, §3.6)', async () => {
    const cm = await modelFor('RTXPRO6000', 2);
    for (let i = 0; i < 16; i++) {
      cm.newTokens[i] = 1;
      cm.computedBefore[i] = 100 + i;
    }
    const ns = cm.iterate(16);
    const b = cm.breakdown();
    // README §3.6 worked example: S = 131,072 B (16 decode tokens) -> 47,781 ns per all-reduce, 64 per iteration.
    expect(b.allreduce_ns).toBe(47781);
    expect(cm.counters[COUNTER.commNs]).toBe(64 * b.allreduce_ns);
    expect(ns).toBe(b.load_ns + b.compute_total_ns + 64 * b.allreduce_ns + b.store_ns);
    expect(cm.counters[COUNTER.commBytes]).toBe(64 * 2 * (2 * 1 * 131072) / 2); // 64 ARs x 2 ranks x 2(p-1)S/p
  });

  it('counts lookups, and lookups outside the tables (extrapolation) separately', async () => {
    const cm = await modelFor('RTX4090', 1);
    cm.newTokens[0] = 1;
    cm.computedBefore[0] = 1024; // on the grid: dense key 1, per-seq key 1, attention (0,0,1,1024)
    cm.iterate(1);
    // 10 dense layers (qk_norm absent) + lm_head + sampler + attention = 12 lookups for Llama.
    expect(cm.counters[COUNTER.lookups]).toBe(12);
    expect(cm.counters[COUNTER.extrapolated]).toBe(0);
    expect(cm.counters[COUNTER.roofline]).toBe(0);
    cm.computedBefore[0] = 40000; // kv_decode above 16384: the attention extrapolates
    cm.iterate(1);
    expect(cm.counters[COUNTER.extrapolated]).toBe(1);
    cm.newTokens[0] = 3000; // total_len above 2048: every dense layer and the attention extrapolate
    cm.computedBefore[0] = 0;
    cm.iterate(1);
    expect(cm.counters[COUNTER.extrapolated]).toBe(10);
    expect(cm.totals()).toMatchObject({ calls: 3, lookups: 36, extrapolated: 11, roofline: 0 });
  });
});
