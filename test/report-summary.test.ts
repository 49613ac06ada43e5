// Run summary: derived ratios by hand, JSON shape (NaN → null), atomic file, readable text, heartbeat rates.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeartbeatSeries, formatHeartbeat } from '../src/report/heartbeat.js';
import { MetricsAccumulator } from '../src/report/metrics.js';
import { kvInitLine } from '../src/report/startBanner.js';
import { buildSummary, formatSummaryText, summaryJson, writeSummaryJson } from '../src/report/summary.js';

const totals = { preemptions: 3, recomputedTokens: 120, peakKvBlocks: 75, kvBlocksTotal: 100, prefixRequestedTokens: 400, prefixHitTokens: 32, iterations: 9 };

function twoRequests() {
  const acc = new MetricsAccumulator();
  acc.add({ inputToks: 100, outputToks: 3, ttftNs: 10e6, tpotNs: 3e6, latencyNs: 16e6, itlNs: [2e6, 4e6] });
  acc.add({ inputToks: 300, outputToks: 1, ttftNs: 30e6, tpotNs: 0, latencyNs: 30e6, itlNs: [] });
  return acc;
}

describe('summary', () => {
  it('derives rates and ratios from metrics and totals', () => {
    const s = buildSummary(twoRequests().result(4e9), totals, 0.25);
    expect(s.requests).toBe(2);
    expect(s.simulatedDurationS).toBe(4);
    expect(s.requestThroughputPerS).toBeCloseTo(0.5, 12);
    expect(s.totalTokenThroughputPerS).toBeCloseTo(404 / 4, 12);
    expect(s.peakKvUse).toBeCloseTo(0.75, 12);
    expect(s.prefixHitRate).toBeCloseTo(0.08, 12);
    expect(s.tpotMs.count).toBe(1);
    expect(s.ttftMs.mean).toBeCloseTo(20, 9);
    expect(s.wallTimeS).toBe(0.25);
  });

  it('JSON: NaN of an empty statistic becomes null; written atomically', () => {
    const s = buildSummary(new MetricsAccumulator().result(0), { ...totals, kvBlocksTotal: 0, prefixRequestedTokens: 0 }, 0);
    const parsed = JSON.parse(summaryJson(s));
    expect(parsed.ttftMs.mean).toBeNull();
    expect(parsed.requestThroughputPerS).toBe(0);
    expect(parsed.peakKvUse).toBe(0);
    expect(parsed.prefixHitRate).toBe(0);
    expect(parsed.schema).toBe('servesim.summary/1');
    const dir = mkdtempSync(join(tmpdir(), 'servesim-sum-'));
    const full = buildSummary(twoRequests().result(4e9), totals, 0.25);
    writeSummaryJson(join(dir, 's.json'), full);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).e2eMs.median).toBeCloseTo(23, 9);
  });

  it('text lists the figures, preemptions only when non-zero', () => {
    const text = formatSummaryText(buildSummary(twoRequests().result(4e9), totals, 0.25));
    expect(text).toMatch(/^Total requests:\s+2$/m);
    expect(text).toMatch(/^Preemptions:\s+3$/m);
    expect(text).toMatch(/^TTFT mean \/ median \(ms\):\s+20\.00 \/ 20\.00$/m);
    expect(text).toMatch(/^Peak KV cache use \(%\):\s+75\.00 \(75 \/ 100 blocks\)$/m);
    const quiet = formatSummaryText(buildSummary(twoRequests().result(4e9), { ...totals, preemptions: 0 }, 0.25));
    expect(quiet).not.toMatch(/Preemptions/);
  });

  it('serving-at-scale counters appear (JSON and text) only when non-zero; acceptance = accepted / proposed', () => {
    const plain = buildSummary(twoRequests().result(4e9), { ...totals, pdHandoffs: 0, specProposedTokens: 0 }, 0.25);
    expect(Object.keys(plain)).not.toContain('pdHandoffs');
    expect(Object.keys(plain)).not.toContain('specProposedTokens');
    expect(formatSummaryText(plain)).not.toMatch(/P\/D|Speculative|swap-outs|lower tier/);
    const scale = { ...totals, pdHandoffs: 2, kvSwapOuts: 5, kvTierHitTokens: 48, specProposedTokens: 40, specAcceptedTokens: 30 };
    const s = buildSummary(twoRequests().result(4e9), scale, 0.25);
    const parsed = JSON.parse(summaryJson(s));
    expect(parsed).toMatchObject({ pdHandoffs: 2, kvSwapOuts: 5, kvTierHitTokens: 48, specProposedTokens: 40, specAcceptedTokens: 30 });
    expect(parsed.specAcceptanceRate).toBeCloseTo(0.75, 12);
    const text = formatSummaryText(s);
    expect(text).toMatch(/^P\/D handoffs \(prefill to decode\):\s+2$/m);
    expect(text).toMatch(/^KV swap-outs to a lower tier \(preemption\):\s+5$/m);
    expect(text).toMatch(/^Prefix hit tokens loaded from a lower tier:\s+48$/m);
    expect(text).toMatch(/^Speculative tokens proposed \/ accepted:\s+40 \/ 30$/m);
    expect(text).toMatch(/^Speculative acceptance rate \(%\):\s+75\.00$/m);
  });
});

describe('heartbeat', () => {
  it('rates are tokens of the interval over its length', () => {
    const h = new HeartbeatSeries();
    const a = h.tick(1e9, { promptTokens: 8780, generatedTokens: 27, running: 9, waiting: 0 });
    expect(formatHeartbeat(a)).toBe('[1.0s] Avg prompt throughput: 8780.0 tokens/s, Avg generation throughput: 27.0 tokens/s (running 9, waiting 0)');
    const b = h.tick(1.5e9, { promptTokens: 100, generatedTokens: 50, running: 2, waiting: 1 });
    expect(b.promptTokensPerS).toBeCloseTo(200, 9);
    expect(b.generationTokensPerS).toBeCloseTo(100, 9);
    expect(h.series.length).toBe(2);
  });
});

describe('start banner', () => {
  it("prints LLMServingSim's KV Cache Initialization line (RTX4090 example: 2588 blocks × 16 × 131,072 B = 5.05 GiB)", () => {
    const line = kvInitLine({
      instanceId: 0, model: 'meta-llama/Llama-3.1-8B', hardware: 'RTX4090', tp: 1, weightDtype: 'bf16', kvDtype: 'bf16', memUtil: 0.833919,
      kvBytesPerToken: 131072, numKvBlocks: 2588, kvTokens: 41408, costSource: 'profile',
      knobs: { maxNumSeqs: 256, maxNumBatchedTokens: 2048, blockSize: 16, enablePrefixCaching: true, enableChunkedPrefill: true },
    });
    expect(line).toBe('Instance [0] : 41408 tokens / 2588 blocks (5.05 GiB/rank at util 0.83)');
  });
});
