// Progress of a long job (a sweep's runs): on a terminal, one bar redrawn in place (at most every 100 ms) with the
// count, elapsed time and ETA, and log lines printed above it; elsewhere (CI logs, files) no redrawing: log lines as
// they come and, at most every `plainIntervalMs`, one plain status line.

export interface ProgressOptions {
  total: number;
  /** What is counted: 'runs', 'requests'. */
  unit: string;
  /** Redraw a bar in place (a terminal) or print plain lines. */
  tty: boolean;
  /** Where the bar or status lines go (stderr in the CLI). */
  writeStatus(text: string): void;
  /** Where log lines go (stdout in the CLI). */
  writeLog?(text: string): void;
  /** Milliseconds since some origin (injected for tests). */
  now?(): number;
  plainIntervalMs?: number;
  width?: number;
}

/** m:ss or h:mm:ss. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export class Progress {
  private readonly now: () => number;
  private readonly t0: number;
  private done = 0;
  private startDone = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
  }

  /** Count already done before this job started (resumed work): shown, but not used for the ETA's rate. */
  resumeFrom(done: number): void {
    this.done = this.startDone = done;
  }

  /** `done` items finished; draws when due (always at the end). */
  update(done: number): void {
    this.done = done;
    const t = this.now();
    const last = done >= this.o.total;
    if (this.o.tty) {
      if (last || t - this.lastDraw >= 100) this.draw(t);
    } else if (last || t - this.lastDraw >= (this.o.plainIntervalMs ?? 10_000)) {
      this.lastDraw = t;
      this.o.writeStatus(this.statusText(t) + '\n');
    }
  }

  /** A line for the log: above the bar on a terminal. */
  log(line: string): void {
    const write = this.o.writeLog ?? this.o.writeStatus;
    if (this.o.tty && this.drawn) this.o.writeStatus('\r\x1b[K');
    write(line.endsWith('\n') ? line : line + '\n');
    if (this.o.tty && this.drawn) this.draw(this.now());
  }

  /** Remove the bar (a terminal) so what follows starts on a clean line. */
  finish(): void {
    if (this.o.tty && this.drawn) this.o.writeStatus('\r\x1b[K');
    this.drawn = false;
  }

  /** "12/24 runs (50%), 0:12 elapsed, ETA 0:12". */
  statusText(t = this.now()): string {
    const { total, unit } = this.o;
    const pct = total > 0 ? Math.floor((100 * this.done) / total) : 100;
    const elapsed = t - this.t0;
    const doneHere = this.done - this.startDone;
    const left = total - this.done;
    const eta = doneHere > 0 && left > 0 ? `, ETA ${formatDuration((elapsed / doneHere) * left)}` : '';
    return `${this.done}/${total} ${unit} (${pct}%), ${formatDuration(elapsed)} elapsed${eta}`;
  }

  private draw(t: number): void {
    this.lastDraw = t;
    const width = this.o.width ?? 30;
    const filled = this.o.total > 0 ? Math.min(width, Math.round((width * this.done) / this.o.total)) : width;
    this.o.writeStatus(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.statusText(t)}`);
    this.drawn = true;
  }
}
