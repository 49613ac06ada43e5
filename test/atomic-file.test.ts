// The one atomic-write module (src/atomicFile.ts): whole file or nothing, temp files never left behind.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicTempPath, writeFileAtomic, writeLinesAtomic } from '../src/atomicFile.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'servesim-atomic-'));

describe('atomic writes', () => {
  it('writes bytes unchanged, creating missing folders', () => {
    const path = join(freshDir(), 'a', 'b', 'report.msgpack');
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    writeFileAtomic(path, bytes);
    expect(Buffer.compare(readFileSync(path), Buffer.from(bytes))).toBe(0);
  });

  it('streams many lines across several 64 K-character flushes into exactly their concatenation', () => {
    const dir = freshDir();
    const path = join(dir, 'w.tsv');
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i}\t${2 * i}\t${3 * i}\n`); // ~330 K characters
    writeLinesAtomic(path, lines);
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
    expect(readdirSync(dir)).toEqual(['w.tsv']);
  });

  it('a failure half way leaves the old file as it was and no temp file', () => {
    const dir = freshDir();
    const path = join(dir, 'keep.jsonl');
    writeFileSync(path, 'old\n');
    function* failing(): Generator<string> {
      for (let i = 0; i < 10_000; i++) yield `${'x'.repeat(50)}\n`; // past the first flush, so the temp file has bytes
      throw new Error('source broke');
    }
    expect(() => writeLinesAtomic(path, failing())).toThrow('source broke');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['keep.jsonl']);
  });

  it('the temp file is hidden beside the target and names this process', () => {
    expect(atomicTempPath(join('/x', 'y', 'out.csv'))).toBe(join('/x', 'y', `.out.csv.${process.pid}.tmp`));
  });
});
