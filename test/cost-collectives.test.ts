// Collective costs against LLMServingSim 2.0's backend (derived/allreduce_times.csv, README §3.6) and the
// alpha-beta ring formulas.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/cost/native.js';
import { HAS_REFERENCE, NO_REFERENCE_REASON, REFERENCE } from './cost-fixtures.js';

const addon = loadAddon();
const GIB_PER_GB = 2 ** 30 / 1e9;

describe.skipIf(!HAS_REFERENCE)(`all-reduce vs the ASTRA-Sim backend (${HAS_REFERENCE ? 'reference present' : NO_REFERENCE_REASON})`, () => {
  it('every point of derived/allreduce_times.csv within 1%', () => {
    const lines = readFileSync(join(REFERENCE, 'llmservingsim2', 'derived', 'allreduce_times.csv'), 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('tp,link_bw_GBps,link_latency_ns,npu_mem_bw_GBps,allreduce_bytes,time_ns');
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    expect(rows.length).toBe(60);
    let worst = 0;
    for (const [p, bw, lat, memBw, bytes, measured] of rows) {
      const ns = addon.collectiveNs('allReduce', bytes, p, bw, lat, memBw);
      worst = Math.max(worst, Math.abs(ns - measured) / measured);
    }
    expect(worst).toBeLessThan(0.01);
  });
});

describe('ring collectives (alpha-beta)', () => {
  const [bw, lat, mem] = [16, 1000, 1597];
  const link = bw * GIB_PER_GB; // bytes/ns
  it('all-reduce = 2(p-1)(lat + S/p/B_link) + 3(p-1)(S/p)/B_mem + c_p', () => {
    for (const p of [2, 4, 8]) {
      const S = 1 << 20;
      const c = 28 + 18.6 * (p - 2);
      const expected = 2 * (p - 1) * (lat + S / p / link) + (3 * (p - 1) * (S / p)) / mem + c;
      expect(addon.collectiveNs('allReduce', S, p, bw, lat, mem)).toBeCloseTo(expected, 6);
    }
  });
  it('reduce-scatter + all-gather = all-reduce (the ring all-reduce is the two halves)', () => {
    for (const p of [2, 3, 4, 8]) {
      const S = 3_000_000;
      const rs = addon.collectiveNs('reduceScatter', S, p, bw, lat, mem);
      const ag = addon.collectiveNs('allGather', S, p, bw, lat, mem);
      expect(rs + ag).toBeCloseTo(addon.collectiveNs('allReduce', S, p, bw, lat, mem), 6);
    }
  });
  it('all-to-all = (p-1)(lat + (S/p)/B_link); point-to-point = lat + S/B_link; one rank costs nothing', () => {
    expect(addon.collectiveNs('allToAll', 8e6, 4, bw, lat, mem)).toBeCloseTo(3 * (lat + 2e6 / link), 6);
    expect(addon.collectiveNs('pointToPoint', 8e6, 2, bw, lat, mem)).toBeCloseTo(lat + 8e6 / link, 6);
    expect(addon.collectiveNs('allReduce', 8e6, 1, bw, lat, mem)).toBe(0);
  });
  it('rejects an unknown collective by name', () => {
    expect(() => addon.collectiveNs('broadcast', 1, 2, bw, lat, mem)).toThrow(/unknown collective 'broadcast'/);
  });
});
