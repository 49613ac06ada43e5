// Write a file so that readers only ever see nothing or the whole thing: write into a temp file beside the target,
// then rename over it (rename is atomic within one filesystem). On failure the temp file is removed and the target is
// untouched. One home for every writer in the tree (report/, workload/, experiment/, cost/, energy/).
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const FLUSH_CHARS = 1 << 16;

/** The hidden temp file beside `path` that is renamed onto it (per process, so parallel writers do not collide). */
export function atomicTempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Streams text into the temp file in 64 K-character chunks; `commit()` renames it onto the target. */
export class AtomicFileWriter {
  readonly tempPath: string;
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tempPath = atomicTempPath(path);
    this.fd = openSync(this.tempPath, 'w');
  }

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  /** Finish: flush, close and move the temp file onto the target path. */
  commit(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
    renameSync(this.tempPath, this.path);
  }

  /** Give up: close and delete the temp file; the target is untouched. */
  abort(): void {
    if (this.closed) return;
    closeSync(this.fd);
    this.closed = true;
    rmSync(this.tempPath, { force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }
}

/** Write a whole file (text or bytes) atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = atomicTempPath(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Write lines (each already ending in '\n') atomically, streaming: a large file is never held whole. */
export function writeLinesAtomic(path: string, lines: Iterable<string>): void {
  const w = new AtomicFileWriter(path);
  try {
    for (const line of lines) w.write(line);
    w.commit();
  } catch (err) {
    w.abort();
    throw err;
  }
}
