// Write a file so that readers only ever see nothing or the whole thing: stream into a temp file beside the target,
// then rename over it (rename is atomic within one filesystem). Abort removes the temp file.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const FLUSH_CHARS = 1 << 16;

export class AtomicFileWriter {
  readonly tempPath: string;
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;

  constructor(readonly path: string) {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    this.tempPath = join(dir, `.${basename(path)}.${process.pid}.tmp`);
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

/** Write a whole small file atomically. */
export function writeFileAtomic(path: string, text: string): void {
  const w = new AtomicFileWriter(path);
  try {
    w.write(text);
    w.commit();
  } catch (err) {
    w.abort();
    throw err;
  }
}
