/**
 * A one-line progress display on stderr (files, bytes, rate) for scans that take more than about a second.
 * Only on a TTY that reports a sane width: hooks and CI get nothing animated, and a terminal reporting 0 columns
 * (where ora loops forever) gets nothing at all. The line is redrawn in place with `\r` + clear-to-end, on a timer
 * that never keeps the process alive, and erased when the scan ends so the report starts on a clean line.
 */
import { formatBytes } from '../report/bytes.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export interface ProgressOptions {
  /** Milliseconds before anything is shown (short scans show nothing). */
  delayMs?: number;
  intervalMs?: number;
  now?: () => number;
  /** Tests drive the redraws themselves. */
  timers?: boolean;
}

export function progressWanted(stream: ProgressStream, quiet: boolean): boolean {
  return !quiet && stream.isTTY === true && typeof stream.columns === 'number' && stream.columns >= 20;
}


export class Progress {
  private files = 0;
  private bytes = 0;
  private current = '';
  private shown = false;
  private lastDraw = -Infinity;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ProgressStream,
    private readonly opts: ProgressOptions = {},
  ) {
    this.started = this.now();
    if (opts.timers !== false) {
      this.timer = setInterval(() => this.draw(), opts.intervalMs ?? 200);
      this.timer.unref();
    }
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Called as each file starts (`current`) and when it is done (counts). */
  update(files: number, bytes: number, current = ''): void {
    this.files = files;
    this.bytes = bytes;
    this.current = current;
    // Scanning is mostly synchronous: the timer may not get a turn, so updates draw too (throttled).
    if (this.now() - this.lastDraw >= (this.opts.intervalMs ?? 200)) this.draw();
  }

  /** Draws the line if the delay has passed. */
  draw(): void {
    const elapsed = this.now() - this.started;
    if (elapsed < (this.opts.delayMs ?? 1000)) return;
    this.lastDraw = this.now();
    const rate = elapsed > 0 ? (this.bytes / elapsed) * 1000 : 0;
    let line = `scanning: ${this.files} file${this.files === 1 ? '' : 's'}, ${formatBytes(this.bytes)}, ${formatBytes(rate)}/s${this.current ? `  ${this.current}` : ''}`;
    const width = Math.max(10, (this.stream.columns ?? 80) - 1);
    if (line.length > width) line = `${line.slice(0, width - 1)}…`;
    this.stream.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  /** Stops the timer and erases the line (nothing is left behind when nothing was shown). */
  done(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) this.stream.write('\r\x1b[K');
  }
}
