/**
 * The watched directory: `<CDR_WATCH_DIR>/voice/` and `<CDR_WATCH_DIR>/data/`, listed every
 * CDR_POLL_INTERVAL_MS. Only complete files are taken: names ending in `.csv`, which a producer
 * must write under another name (`x.csv.part`, `.x.csv`) and rename into place when complete
 * (rename is atomic within a filesystem). Files are ingested one at a time, oldest name first,
 * at most CDR_WATCH_FILES_PER_POLL_MAX per poll, then moved to `processed/` (also when they were
 * duplicates) or, when the file itself is bad, to `failed/` with `<name>.reason.txt` beside it.
 * An infrastructure failure (NATS, Redis, ClickHouse down) leaves the file where it is for the
 * next poll, up to CDR_WATCH_ATTEMPTS_MAX attempts.
 */
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@app/observability';
import { CdrError, CdrErrorCode, FILE_ERROR_CODES } from '../cdr-error';
import { CDR_FORMATS, CdrFormat } from '../cdr-formats';
import { CDR_WATCH_ATTEMPTS_MAX, CDR_WATCH_FILES_PER_POLL_MAX } from '../cdr.limits';
import type { CdrMetrics } from '../cdr-metrics';
import { IngestCdrFileCommand } from '../usecases/cdr-commands';
import type { IngestCdrFileUseCase } from '../usecases/ingest-cdr-file.usecase';

export const PROCESSED_DIR = 'processed';
export const FAILED_DIR = 'failed';

export class CdrDirectoryWatcher {
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly root: string,
    private readonly pollIntervalMs: number,
    private readonly ingest: IngestCdrFileUseCase,
    private readonly deps: { logger: Logger; clock: Clock; metrics: CdrMetrics },
  ) {}

  async start(): Promise<void> {
    for (const format of CDR_FORMATS) {
      for (const sub of [PROCESSED_DIR, FAILED_DIR]) await mkdir(join(this.root, format, sub), { recursive: true });
    }
    this.schedule(0);
    this.deps.logger.info({ dir: this.root, pollIntervalMs: this.pollIntervalMs }, 'watching for CDR files');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .catch((err: unknown) => this.deps.logger.error({ err: String(err) }, 'polling the CDR directory failed'))
        .finally(() => this.schedule(this.pollIntervalMs));
    }, delayMs);
  }

  /** One pass over both format directories. */
  async poll(): Promise<void> {
    let taken = 0;
    for (const format of CDR_FORMATS) {
      const dir = join(this.root, format);
      const names = (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.endsWith('.csv') && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
      for (const name of names) {
        if (this.stopped || taken++ >= CDR_WATCH_FILES_PER_POLL_MAX) return;
        await this.take(format, name);
      }
    }
  }

  private async take(format: CdrFormat, name: string): Promise<void> {
    const path = join(this.root, format, name);
    try {
      const r = await this.ingest.execute(IngestCdrFileCommand.create({ path, name, format, source: 'WATCH' }));
      this.attempts.delete(path);
      await this.moveTo(format, PROCESSED_DIR, name);
      this.deps.logger.info({ name, fileId: r.summary.fileId, duplicate: r.duplicate }, 'watched CDR file processed');
    } catch (err) {
      await this.onFailure(format, name, path, err);
    }
  }

  private async onFailure(format: CdrFormat, name: string, path: string, err: unknown): Promise<void> {
    if (err instanceof CdrError && (err.code === CdrErrorCode.FILE_IN_PROGRESS || err.code === CdrErrorCode.BUSY)) return;
    const fileIsBad = err instanceof CdrError && (FILE_ERROR_CODES.has(err.code) || err.code === CdrErrorCode.INVALID_ARGUMENT);
    const attempts = (this.attempts.get(path) ?? 0) + 1;
    this.attempts.set(path, attempts);
    if (!fileIsBad && attempts < CDR_WATCH_ATTEMPTS_MAX) {
      this.deps.logger.warn({ name, attempts, err: String(err) }, 'watched CDR file failed; will retry at the next poll');
      return;
    }
    this.attempts.delete(path);
    const reason = err instanceof CdrError ? `${err.code}: ${err.message}` : `failed ${attempts} times; last error: ${String(err)}`;
    if (fileIsBad) this.deps.metrics.files.inc({ format, status: 'FAILED' });
    const target = await this.moveTo(format, FAILED_DIR, name);
    // Written aside and renamed, so whoever sees the reason file sees all of it.
    await writeFile(`${target}.reason.txt.part`, `${reason}\n`);
    await rename(`${target}.reason.txt.part`, `${target}.reason.txt`);
    this.deps.logger.warn({ name, reason }, 'watched CDR file moved to failed/');
  }

  /** Moves a file into `processed/` or `failed/`, suffixing the time when that name is taken. */
  private async moveTo(format: CdrFormat, sub: string, name: string): Promise<string> {
    let target = join(this.root, format, sub, name);
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      target = `${target}.${this.deps.clock.nowMs()}`;
    await rename(join(this.root, format, name), target);
    return target;
  }
}
