// Collective costs against LLMServingSim 2.0's ASTRA-Sim backend (derived/allreduce_times.csv, README §3.6) and
// the ring / alpha-beta formulas computed here by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/cost/native.js';
import { HAS_REFERENCE, NO_REFERENCE_REASON, REFERENCE } from './cost-fixtures.js';

const addon = loadAddon();
const GIB_PER_GB = 2 ** 30 / 1e9;

describe.skipIf(!HAS_REFERENCE)(`all-reduce vs the ASTRA-Sim backend (${HAS_REFERENCE ? 'reference present' : NO_REFERENCE_REASON})`, () => {
  const lines = HAS_REFERENCE ? readFileSync(join(REFERENCE, 'llmservingsim2', 'derived', 'allreduce_times.csv'), 'utf8').trim().split(/\r?\n/) : [];
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  it('every point of derived/allreduce_times.csv within 1%', () => {
    expect(lines[0]).toBe('tp,link_bw_GBps,link_latency_ns,npu_mem_bw_GBps,allreduce_bytes,time_ns');
    expect(rows.length).toBe(60);
    for (const [p, bw, lat, memBw, bytes, measured] of rows) {
      const ns = addon.collectiveNs('allReduce', bytes, p, bw, lat, memBw);
      expect(Math.abs(ns - measured) / measured, `p=${p} bw=${bw} lat=${lat} S=${bytes}`).toBeLessThan(0.01);
    }
  });
  it('exactly for messages up to 128 KiB, within 2.5 ns above (those backend figures are averages)', () => {
    for (const [p, bw, lat, memBw, bytes, measured] of rows) {
      const ns = addon.collectiveNs('allReduce', bytes, p, bw, lat, memBw);
      if (bytes <= 131072) expect(ns, `p=${p} bw=${bw} lat=${lat} S=${bytes}`).toBe(measured);
      else expect(Math.abs(ns - measured)).toBeLessThanOrEqual(2.5);
    }
  });
});

describe('ring collectives', () => {
  const [bw, lat, mem] = [16, 1000, 1597];
  const link = bw * GIB_PER_GB; // bytes/ns: the link's "GB/s" is read as GiB/s
  const step = (chunk: number) => lat + Math.floor(chunk / link) + 1;
  const pass = (chunk: number) => Math.floor(chunk / mem) + 1 + 5;
  it('all-reduce = 2(p-1) link steps + 3(p-1) memory passes of S/p + 10 ns', () => {
    for (const p of [2, 4, 8]) {
      const S = 1 << 20;
      const expected = 2 * (p - 1) * step(S / p) + 3 * (p - 1) * pass(S / p) + 10;
      expect(addon.collectiveNs('allReduce', S, p, bw, lat, mem)).toBe(expected);
    }
  });
  it('reduce-scatter and all-gather are the two halves of the ring all-reduce (one 10 ns overhead each)', () => {
    for (const p of [2, 3, 4, 8]) {
      const S = 3_000_000;
      const rs = addon.collectiveNs('reduceScatter', S, p, bw, lat, mem);
      const ag = addon.collectiveNs('allGather', S, p, bw, lat, mem);
      expect(rs).toBe((p - 1) * step(S / p) + 2 * (p - 1) * pass(S / p) + 10);
      expect(ag).toBe((p - 1) * step(S / p) + (p - 1) * pass(S / p) + 10);
      expect(rs + ag - 10).toBe(addon.collectiveNs('allReduce', S, p, bw, lat, mem));
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
