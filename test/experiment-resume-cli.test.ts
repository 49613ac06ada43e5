// The resumable sweep end to end, with the real simulator over two worker threads: `sim sweep` killed with SIGKILL
// once the first results are on disk, then the same command again, ends with results.csv byte-identical to an
// uninterrupted sweep's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/packageRoot.js';

const FILE = join(PACKAGE_ROOT, 'test', 'fixtures', 'experiments', 'sweep24.yaml');

function startSweep(out: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const args = ['sweep', FILE, '--workers', '2', '--out', out];
  const script = `import('./src/cli/index.ts').then((m) => m.main(${JSON.stringify(args)}))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: PACKAGE_ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const records = (out: string) => (existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')).filter((f) => /^[0-9a-f]+\.json$/.test(f)).length : 0);

describe('sim sweep: kill -9 and resume', () => {
  it('finishes with the same results.csv, byte for byte, as an uninterrupted sweep', async () => {
    const root = mkdtempSync(join(tmpdir(), 'servesim-kill-'));
    const whole = join(root, 'whole');
    const ref = await startSweep(whole).done;
    expect(ref.code, ref.stderr).toBe(0);
    expect(ref.stdout).toContain('done: 24 runs (0 from earlier, 24 now)');

    const killed = join(root, 'killed');
    const first = startSweep(killed);
    let atKill = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        atKill = records(killed);
        if (atKill > 0) {
          clearInterval(timer);
          first.child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      first.done.then(() => {
        clearInterval(timer);
        reject(new Error('the sweep ended before it could be killed'));
      });
    });
    const k = await first.done;
    expect(k.signal).toBe('SIGKILL');
    const kept = records(killed);
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(24); // killed in the middle
    expect(existsSync(join(killed, 'results.csv'))).toBe(false);

    const resumed = await startSweep(killed).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`done: 24 runs (${kept} from earlier, ${24 - kept} now)`);
    expect(readFileSync(join(killed, 'results.csv'), 'utf8')).toBe(readFileSync(join(whole, 'results.csv'), 'utf8'));
    // No temp files of the runs in flight at the kill are mistaken for results.
    expect(records(killed)).toBe(24);
  });
});
