// The `sim` CLI run inside the test process (fast: no child process, no build): stdout and stderr captured,
// process.exit intercepted. One copy for every CLI test file.
import { vi } from 'vitest';
import { main } from '../src/cli/index.js';

export interface SimRun {
  /** The code given to process.exit; 0 when main returned; -1 when it threw without going through process.exit. */
  code: number;
  stdout: string;
  stderr: string;
}

export async function sim(args: string[]): Promise<SimRun> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  let exited = false;
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const ex = vi.spyOn(process, 'exit').mockImplementation(((c?: number) => {
    code = c ?? 0;
    exited = true;
    throw new Error(`process.exit(${c})`);
  }) as typeof process.exit);
  try {
    await main(args);
  } catch (err) {
    // An exception that did not go through the CLI's exit path is a failure the test must see, never a silent 0.
    if (!exited) {
      code = -1;
      stderr += `\n[thrown] ${(err as Error).message}`;
    }
  } finally {
    so.mockRestore();
    se.mockRestore();
    ex.mockRestore();
  }
  return { code, stdout, stderr };
}
