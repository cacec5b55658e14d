/**
 * Progress for long runs: a live bar with rate and ETA on a terminal, plain
 * periodic lines otherwise (logs, CI). Writes to stderr so stdout stays clean.
 */
export interface ProgressOptions {
  /** Units expected; absent when unknown (a live count, no bar or ETA). */
  readonly total?: number;
  readonly unit: string;
  /** Secondary counter shown beside the rate, e.g. variants. */
  readonly secondaryUnit?: string;
  readonly stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not on a terminal. */
  readonly plainInterval?: number;
}

export class Progress {
  private done = 0;
  private secondary = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  /** Shown after the counts (e.g. a training's epoch, loss and held-out ECE). */
  private status = '';
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  tick(count = 1, secondary = 0): void {
    this.done += count;
    this.secondary += secondary;
    const now = performance.now();
    const interval = this.tty ? 100 : (this.options.plainInterval ?? 10) * 1000;
    if (now - this.lastDraw >= interval || (this.options.total !== undefined && this.done === this.options.total)) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** Text shown after the counts from the next draw on. */
  setStatus(text: string): void { this.status = text ? `  ${text}` : ''; }

  /** Elapsed seconds. */
  get elapsed(): number { return (performance.now() - this.started) / 1000; }

  private draw(): void {
    const { total, unit, secondaryUnit } = this.options;
    const t = this.elapsed;
    const rate = this.done / Math.max(t, 1e-9);
    const sec = secondaryUnit ? `  ${this.secondary} ${secondaryUnit} (${(this.secondary / Math.max(t, 1e-9)).toFixed(1)}/s)` : '';
    if (total === undefined) {
      const text = `${this.done} ${unit}${sec}  ${rate.toFixed(2)} ${unit}/s  ${formatSeconds(t)} elapsed`;
      this.stream.write(this.tty ? `\r${text}\x1b[K` : `progress: ${text}\n`);
      return;
    }
    const eta = rate > 0 ? (total - this.done) / rate : NaN;
    const text = `${this.done}/${total} ${unit}${sec}  ${rate.toFixed(2)} ${unit}/s  ETA ${formatSeconds(eta)}${this.status}`;
    if (this.tty) {
      const width = 24, filled = total > 0 ? Math.min(width, Math.round((width * this.done) / total)) : width;
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (this.done === total) this.stream.write('\n');
    } else {
      this.stream.write(`progress: ${text}\n`);
    }
  }

  /** A message between progress lines (clears a live bar first; it is redrawn on the next tick). */
  note(message: string): void {
    this.stream.write(this.tty ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  /** Ends a live bar's line (when stopping early). */
  end(): void { if (this.tty && this.done !== this.options.total) this.stream.write('\n'); }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
