/**
 * Ingests one CDR file that is on disk: scan (hash, size, header; a bad file changes nothing),
 * skip it if the same content is already DONE, else record it RUNNING, rate and publish it
 * (cdr-file-run.ts), and record the summary DONE, or FAILED with the error.
 *
 * Idempotency: the file id is the content hash; a DONE file is not rated again at all. Within and
 * across files, each record is claimed by its identity (storage/record-claims.ts) before it is
 * published: a record another file (or line) claimed within RATEL_CDR_DEDUP_WINDOW_MS is a
 * DUPLICATE reject. A second run of the same file (after a crash) owns its claims and publishes
 * the same event ids again; JetStream drops them within its duplicate window and ClickHouse
 * readers collapse them after it.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import type { Clock, Logger } from '@app/observability';
import { CdrError } from '../cdr-error';
import { CDR_METRICS, CdrMetrics } from '../cdr-metrics';
import { CDR_PROGRESS, CdrProgress } from '../cdr-progress';
import { CDR_READ_CHUNK_BYTES } from '../cdr.limits';
import { CDR_CLOCK, CDR_LOGGER, CDR_OPTIONS, CdrModuleOptions } from '../cdr.tokens';
import { rateCdrFile } from '../ingest/cdr-file-run';
import { FileScan, scanFile } from '../ingest/file-scan';
import { CDR_RATING_POOL, CdrRatingPool } from '../rating/cdr-rating-pool';
import { CDR_STORE, CdrFileSummary, CdrStore } from '../storage/cdr-store';
import { CDR_EVENT_PUBLISHER, CdrEventPublisher } from '../storage/event-publisher';
import { CDR_RECORD_CLAIMS, RecordClaims } from '../storage/record-claims';
import { CDR_SUBSCRIBER_DIRECTORY, SubscriberDirectory } from '../storage/subscriber-directory';
import { IngestCdrFileCommand } from './cdr-commands';

export interface IngestResult {
  summary: CdrFileSummary;
  /** The same content was ingested before: nothing was rated or published this time. */
  duplicate: boolean;
}

@Injectable()
export class IngestCdrFileUseCase {
  constructor(
    @Inject(CDR_STORE) private readonly store: CdrStore,
    @Inject(CDR_SUBSCRIBER_DIRECTORY) private readonly directory: SubscriberDirectory,
    @Inject(CDR_EVENT_PUBLISHER) private readonly publisher: CdrEventPublisher,
    @Inject(CDR_RECORD_CLAIMS) private readonly claims: RecordClaims,
    @Inject(CDR_RATING_POOL) private readonly pool: CdrRatingPool,
    @Inject(CDR_PROGRESS) private readonly progress: CdrProgress,
    @Inject(CDR_METRICS) private readonly metrics: CdrMetrics,
    @Inject(CDR_CLOCK) private readonly clock: Clock,
    @Inject(CDR_LOGGER) private readonly logger: Logger,
    @Inject(CDR_OPTIONS) private readonly options: Pick<CdrModuleOptions, 'config'>,
  ) {}

  async execute(cmd: IngestCdrFileCommand): Promise<IngestResult> {
    const scan = cmd.scan ?? (await scanFile(cmd.path, cmd.format));
    const existing = await this.store.getFile(scan.fileId);
    if (existing?.status === 'DONE') {
      this.metrics.files.inc({ format: existing.format, status: 'DUPLICATE' });
      this.logger.info({ fileId: scan.fileId, name: cmd.name }, 'CDR file already ingested; nothing to do');
      return { summary: existing, duplicate: true };
    }
    const progress = this.progress.begin(scan.fileId, cmd.format, scan.lines);
    try {
      return { summary: await this.rate(cmd, scan, progress), duplicate: false };
    } finally {
      this.progress.end(progress);
    }
  }

  private async rate(cmd: IngestCdrFileCommand, scan: FileScan, progress: ReturnType<CdrProgress['begin']>): Promise<CdrFileSummary> {
    const startedAtMs = this.clock.nowMs();
    const running: CdrFileSummary = {
      ...scan,
      name: cmd.name,
      format: cmd.format,
      source: cmd.source,
      status: 'RUNNING',
      records: 0,
      rated: 0,
      rejected: 0,
      totals: [],
      error: '',
      startedAtMs,
      finishedAtMs: 0,
      revision: startedAtMs * 1000,
    };
    await this.store.putFile(running);
    this.logger.info({ fileId: scan.fileId, name: cmd.name, format: cmd.format, lines: scan.lines }, 'rating CDR file');
    try {
      const r = await rateCdrFile(
        {
          directory: this.directory,
          pool: this.pool,
          publisher: this.publisher,
          claims: this.claims,
          store: this.store,
          metrics: this.metrics,
          clock: this.clock,
        },
        {
          fileId: scan.fileId,
          fileName: cmd.name,
          format: cmd.format,
          batchRecords: this.options.config.CDR_BATCH_RECORDS,
          source: createReadStream(cmd.path, { highWaterMark: CDR_READ_CHUNK_BYTES }),
          onProgress: (rated, rejected) => this.progress.add(progress, rated, rejected),
        },
      );
      const done: CdrFileSummary = {
        ...running,
        ...this.finish(running),
        status: 'DONE',
        records: r.records,
        rated: r.rated,
        rejected: r.rejected,
        totals: r.totals,
      };
      await this.store.putFile(done);
      this.metrics.files.inc({ format: cmd.format, status: 'DONE' });
      this.logger.info(
        {
          fileId: scan.fileId,
          records: r.records,
          rated: r.rated,
          rejected: r.rejected,
          duplicates: r.duplicates,
          eventsDuplicate: r.eventsDuplicate,
        },
        'CDR file done',
      );
      return done;
    } catch (err) {
      await this.recordFailure(running, progress, err);
      throw err;
    }
  }

  private finish(running: CdrFileSummary): Pick<CdrFileSummary, 'finishedAtMs' | 'revision'> {
    const finishedAtMs = this.clock.nowMs();
    return { finishedAtMs, revision: Math.max(finishedAtMs * 1000, running.revision + 1) };
  }

  private async recordFailure(running: CdrFileSummary, progress: ReturnType<CdrProgress['begin']>, err: unknown): Promise<void> {
    this.metrics.files.inc({ format: running.format, status: 'FAILED' });
    const error = err instanceof CdrError ? `${err.code}: ${err.message}` : `internal: ${err instanceof Error ? err.message : String(err)}`;
    this.logger.error({ fileId: running.fileId, err: String(err) }, 'CDR file failed');
    const { records, rated, rejected } = progress;
    const failed: CdrFileSummary = { ...running, ...this.finish(running), status: 'FAILED', records, rated, rejected, error };
    await this.store
      .putFile(failed)
      .catch((e: unknown) => this.logger.error({ fileId: running.fileId, err: String(e) }, 'recording the failure failed'));
  }
}
