// The progress reporter with a fake clock: on a terminal one bar redrawn in place (log lines above it, cleared at the
// end); elsewhere plain status lines at most every interval and always at the end; the ETA from this job's own rate.
import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../src/report/progress.js';

function harness(tty: boolean, total: number) {
  let t = 0;
  const status: string[] = [];
  const log: string[] = [];
  const p = new Progress({ total, unit: 'runs', tty, writeStatus: (s) => status.push(s), writeLog: (s) => log.push(s), now: () => t, plainIntervalMs: 10_000 });
  return { p, status, log, at: (ms: number) => (t = ms) };
}

describe('Progress', () => {
  it('formats durations as m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(61_400)).toBe('1:01');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });

  it('not on a terminal: a plain line at most every 10 s and at the end, with the ETA from the rate so far', () => {
    const h = harness(false, 10);
    h.at(4_000);
    h.p.update(2); // first line: 2 runs in 4 s → 8 left take 16 s
    h.at(9_000);
    h.p.update(3); // 5 s after the last line: nothing
    h.at(14_000);
    h.p.update(5); // 10 s after: a line; 5 in 14 s → 5 left take 14 s
    h.at(15_000);
    h.p.update(10); // the end: always
    expect(h.status).toEqual([
      '2/10 runs (20%), 0:04 elapsed, ETA 0:16\n',
      '5/10 runs (50%), 0:14 elapsed, ETA 0:14\n',
      '10/10 runs (100%), 0:15 elapsed\n',
    ]);
    expect(h.status.join('')).not.toMatch(/\r|\x1b/);
  });

  it('on a terminal: a bar redrawn in place, log lines above it, nothing left at the end', () => {
    const h = harness(true, 4);
    h.at(1_000);
    h.p.update(1); // 30 × 1/4 = 7.5 → 8 cells
    expect(h.status).toEqual(['\r\x1b[K[' + '#'.repeat(8) + '-'.repeat(22) + '] 1/4 runs (25%), 0:01 elapsed, ETA 0:03']);
    h.p.log('[1/4] a ok');
    expect(h.log).toEqual(['[1/4] a ok\n']);
    expect(h.status.slice(1)).toEqual(['\r\x1b[K', h.status[0]]); // cleared, then redrawn below the line
    h.at(1_050);
    h.p.update(2); // within 100 ms: not redrawn
    expect(h.status).toHaveLength(3);
    h.at(2_000);
    h.p.update(4);
    expect(h.status.at(-1)).toBe('\r\x1b[K[' + '#'.repeat(30) + '] 4/4 runs (100%), 0:02 elapsed');
    h.p.finish();
    expect(h.status.at(-1)).toBe('\r\x1b[K');
  });

  it('resumed work counts in the total but not in the rate', () => {
    const h = harness(false, 100);
    h.p.resumeFrom(90);
    h.at(5_000);
    h.p.update(95); // 5 runs in 5 s here → 5 left take 5 s (not 95 in 5 s)
    expect(h.status).toEqual(['95/100 runs (95%), 0:05 elapsed, ETA 0:05\n']);
  });
});
