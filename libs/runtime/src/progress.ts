/**
 * Progress of a long run (seeding N subscribers, rebuilding every account, rating CDR files, the
 * phases of a load test): a bar (cli-progress) when the stream is a terminal, else plain lines,
 * one every PROGRESS_LINE_INTERVAL_MS or every tenth of the total (whichever comes first), with
 * the counts and the rate, so a log file or a CI job shows the run moving without escape codes.
 * Progress goes to stderr by default: stdout stays for the command's result.
 *
 *   const p = startProgress({ label: 'seed', total: n, unit: 'subscribers' });
 *   p.increment(batch.length); ... p.stop();
 */
import { SingleBar } from 'cli-progress';

/** Non-TTY: the longest time between two progress lines while items keep coming. */
export const PROGRESS_LINE_INTERVAL_MS = 10_000;
/** Non-TTY: a line at least every total / PROGRESS_LINES_PER_TOTAL_MAX items when the total is known. */
export const PROGRESS_LINES_PER_TOTAL_MAX = 10;
/** TTY: most redraws of the bar per second. */
export const PROGRESS_BAR_FPS_MAX = 5;

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Names the run on every line, e.g. "seed" or "cdr ingest calls.csv". */
  label: string;
  /** Items expected; absent when unknown (then counts and rate only). */
  total?: number;
  /** What an item is, plural: "subscribers", "accounts", "records", "s". */
  unit?: string;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Default: the stream's isTTY. */
  tty?: boolean;
  /** Non-TTY: a line every this many items (default: a tenth of the total; none when unknown). */
  lineEveryItems?: number;
  /** Non-TTY: a line at least this often while items come (default PROGRESS_LINE_INTERVAL_MS). */
  lineIntervalMs?: number;
  /** Milliseconds since some origin; default Date.now (a fake one in tests). */
  nowMs?: () => number;
  /** Show items per second (default true; off when the items are seconds). */
  rate?: boolean;
}

export interface Progress {
  /** Adds `n` (default 1) items done. */
  increment(n?: number): void;
  /** Sets the items done. */
  update(done: number): void;
  /** Sets or changes the total (known late, e.g. after a first pass). */
  setTotal(total: number): void;
  /** Writes a line of its own without breaking the bar. */
  log(line: string): void;
  /** Ends the run: the bar's final state, or a last plain line with the totals. Idempotent. */
  stop(): void;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "12,000/100,000 subscribers (12.0 %), 2,100/s, 5.7 s": counts, share, rate and elapsed time. Pure. */
export function progressText(p: { done: number; total?: number; unit: string; elapsedMs: number; rate?: boolean }): string {
  const seconds = p.elapsedMs / 1000;
  const perSecond = seconds > 0 ? `${integer.format(p.done / seconds)}/s` : '-/s';
  const rate = p.rate === false ? '' : `${perSecond}, `;
  const counts = p.total === undefined ? integer.format(p.done) : `${integer.format(p.done)}/${integer.format(p.total)}`;
  const share = p.total === undefined || p.total === 0 ? '' : ` (${((100 * p.done) / p.total).toFixed(1)} %)`;
  const unit = p.unit === '' ? '' : ` ${p.unit}`;
  return `${counts}${unit}${share}, ${rate}${seconds.toFixed(1)} s`;
}

class PlainProgress implements Progress {
  private done = 0;
  private readonly startMs: number;
  private lastLineMs: number;
  private lastLineDone = 0;
  private stopped = false;

  constructor(
    private readonly o: Required<Pick<ProgressOptions, 'label' | 'unit' | 'stream' | 'nowMs' | 'lineIntervalMs'>> & {
      total?: number;
      lineEveryItems?: number;
      rate?: boolean;
    },
  ) {
    this.startMs = o.nowMs();
    this.lastLineMs = this.startMs;
  }

  private everyItems(): number | undefined {
    if (this.o.lineEveryItems !== undefined) return this.o.lineEveryItems;
    return this.o.total === undefined ? undefined : Math.max(1, Math.ceil(this.o.total / PROGRESS_LINES_PER_TOTAL_MAX));
  }

  private line(now: number): void {
    const { total, unit, rate } = this.o;
    const text = progressText({ done: this.done, total, unit, rate, elapsedMs: now - this.startMs });
    this.o.stream.write(`${this.o.label}: ${text}\n`);
    this.lastLineMs = now;
    this.lastLineDone = this.done;
  }

  private maybeLine(): void {
    if (this.stopped) return;
    const now = this.o.nowMs();
    const items = this.everyItems();
    const byItems = items !== undefined && this.done - this.lastLineDone >= items;
    if (byItems || now - this.lastLineMs >= this.o.lineIntervalMs) this.line(now);
  }

  increment(n = 1): void {
    this.done += n;
    this.maybeLine();
  }

  update(done: number): void {
    this.done = done;
    this.maybeLine();
  }

  setTotal(total: number): void {
    this.o.total = total;
  }

  log(line: string): void {
    this.o.stream.write(`${line}\n`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const now = this.o.nowMs();
    const { total, unit, rate } = this.o;
    const text = progressText({ done: this.done, total, unit, rate, elapsedMs: now - this.startMs });
    this.o.stream.write(`${this.o.label}: done, ${text}\n`);
  }
}

class BarProgress implements Progress {
  private readonly bar: SingleBar;
  private readonly startMs: number;
  private done = 0;
  private total: number | undefined;
  private stopped = false;

  constructor(
    private readonly o: { label: string; unit: string; stream: ProgressStream; nowMs: () => number; total?: number; rate?: boolean },
  ) {
    this.startMs = o.nowMs();
    this.total = o.total;
    this.bar = new SingleBar({
      stream: o.stream as NodeJS.WritableStream,
      format: (_options, params) => this.format(params.progress),
      barsize: 30,
      fps: PROGRESS_BAR_FPS_MAX,
      hideCursor: false,
      gracefulExit: false, // the process's own signal handling decides what SIGINT/SIGTERM do
      clearOnComplete: false,
    });
    this.bar.start(o.total ?? 0, 0);
  }

  private format(share: number): string {
    const elapsedMs = this.o.nowMs() - this.startMs;
    const text = progressText({ done: this.done, total: this.total, unit: this.o.unit, rate: this.o.rate, elapsedMs });
    if (this.total === undefined) return `${this.o.label} ${text}`;
    const width = 30;
    const full = Math.max(0, Math.min(width, Math.round(share * width)));
    return `${this.o.label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${text}`;
  }

  increment(n = 1): void {
    this.update(this.done + n);
  }

  update(done: number): void {
    if (this.stopped) return;
    this.done = done;
    this.bar.update(done);
  }

  setTotal(total: number): void {
    this.total = total;
    this.bar.setTotal(total);
  }

  log(line: string): void {
    // Clear the bar's line, write ours, and let the next redraw put the bar below it.
    this.o.stream.write(`\r\x1b[2K${line}\n`);
    if (!this.stopped) this.bar.render();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
  }
}

/** A bar on a terminal, plain lines elsewhere (see the file header). */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const nowMs = options.nowMs ?? Date.now;
  const unit = options.unit ?? '';
  const tty = options.tty ?? stream.isTTY === true;
  if (options.total !== undefined && !(Number.isSafeInteger(options.total) && options.total >= 0)) {
    throw new RangeError(`progress total must be a non-negative integer, got ${options.total}`);
  }
  if (tty) return new BarProgress({ label: options.label, unit, stream, nowMs, total: options.total, rate: options.rate });
  return new PlainProgress({
    label: options.label,
    unit,
    stream,
    nowMs,
    total: options.total,
    lineEveryItems: options.lineEveryItems,
    lineIntervalMs: options.lineIntervalMs ?? PROGRESS_LINE_INTERVAL_MS,
    rate: options.rate,
  });
}

/**
 * Progress of a phase measured in time (a load-test measurement of known length): the bar or
 * lines advance every second, in seconds, until `work` settles. Returns what `work` returns.
 */
export async function withTimedProgress<T>(
  options: Omit<ProgressOptions, 'total' | 'unit'> & { expectedMs: number },
  work: Promise<T>,
): Promise<T> {
  const nowMs = options.nowMs ?? Date.now;
  const started = nowMs();
  const total = Math.max(1, Math.round(options.expectedMs / 1000));
  // Lines by time only: the items are seconds already.
  const p = startProgress({ ...options, total, unit: 's', rate: false, lineEveryItems: options.lineEveryItems ?? Infinity });
  // Held at the total when the work runs longer than expected (start-up, shut-down).
  const timer = setInterval(() => p.update(Math.min(total, Math.round((nowMs() - started) / 1000))), 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    p.stop();
  }
}
