/**
 * Rates one CDR file, streaming: parse (cdr-parser) → resolve to postpaid account and plan
 * (record-resolver, Redis) → rate in the worker pool, batches of `batchRecords`, at most
 * `pool.tasksInFlightMax` tasks outstanding → publish the events to JetStream → count. Bad
 * records go to the rejects store (buffered, CDR_REJECTS_INSERT_BATCH rows per insert) and the
 * file goes on. Memory is bounded by the batches in flight, not by the file.
 *
 * Any infrastructure failure (Redis, NATS, ClickHouse, a worker crash) stops the run and is
 * thrown; running the same file again is safe (same event ids, same reject keys).
 */
import type { Clock } from '@app/observability';
import { CDR_UNITS, CdrFormat, CdrReject } from '../cdr-formats';
import { CDR_REJECT_RAW_CHARS_MAX, CDR_REJECT_REASON_CHARS_MAX, CDR_REJECTS_INSERT_BATCH } from '../cdr.limits';
import type { CdrMetrics } from '../cdr-metrics';
import type { CdrRatingPool } from '../rating/cdr-rating-pool';
import type { RatingResult } from '../rating/rating-task';
import type { CdrRejectRow, CdrStore, CurrencyTotal } from '../storage/cdr-store';
import type { CdrEventPublisher, OutgoingEvent } from '../storage/event-publisher';
import type { SubscriberDirectory } from '../storage/subscriber-directory';
import { parseCdrStream } from './cdr-parser';
import { NumberedRecord, RecordResolver } from './record-resolver';

export interface FileRunDeps {
  directory: SubscriberDirectory;
  pool: CdrRatingPool;
  publisher: CdrEventPublisher;
  store: Pick<CdrStore, 'insertRejects'>;
  metrics: CdrMetrics;
  clock: Clock;
}

export interface FileRunInput {
  fileId: string;
  fileName: string;
  format: CdrFormat;
  source: AsyncIterable<Uint8Array>;
  batchRecords: number;
  /** Called as records settle: (rated, rejected) of each step. */
  onProgress?: (rated: number, rejected: number) => void;
}

export interface FileRunResult {
  records: number;
  rated: number;
  rejected: number;
  totals: CurrencyTotal[];
  eventsStored: number;
  eventsDuplicate: number;
}

interface PendingBatch {
  records: NumberedRecord[];
  raw: Map<number, string>;
}

class FileRun {
  private readonly resolver: RecordResolver;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = undefined;
  private rejectBuffer: CdrRejectRow[] = [];
  private readonly totals = new Map<string, bigint>();
  readonly counts = { rated: 0, rejected: 0, eventsStored: 0, eventsDuplicate: 0 };

  constructor(
    private readonly deps: FileRunDeps,
    private readonly input: FileRunInput,
  ) {
    checkBatchRecords(input.batchRecords);
    this.resolver = new RecordResolver(deps.directory, input.fileId, CDR_UNITS[input.format]);
  }

  async run(): Promise<FileRunResult> {
    try {
      await this.feed();
      await this.drain();
    } catch (err) {
      // Let the tasks in flight settle before reporting: nothing keeps publishing behind the caller's back.
      await Promise.allSettled([...this.inFlight]);
      throw err;
    }
    await this.flushRejects();
    return this.result();
  }

  private async feed(): Promise<void> {
    let batch: PendingBatch = { records: [], raw: new Map() };
    for await (const group of parseCdrStream(this.input.source, this.input.format)) {
      for (const line of group) {
        if (!line.result.ok) {
          await this.reject(line.lineNumber, line.raw, line.result);
          continue;
        }
        batch.records.push({ lineNumber: line.lineNumber, record: line.result.record });
        batch.raw.set(line.lineNumber, line.raw);
        if (batch.records.length >= this.input.batchRecords) {
          await this.dispatch(batch);
          batch = { records: [], raw: new Map() };
        }
      }
    }
    if (batch.records.length > 0) await this.dispatch(batch);
  }

  private async dispatch(batch: PendingBatch): Promise<void> {
    this.throwIfFailed();
    const { task, rejects } = await this.resolver.resolve(batch.records);
    for (const r of rejects) await this.reject(r.lineNumber, batch.raw.get(r.lineNumber) ?? '', r);
    if (task.records.lineNumber.length === 0) return;
    while (this.inFlight.size >= this.deps.pool.tasksInFlightMax) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const done: Promise<void> = this.deps.pool
      .run(task)
      .then((result) => this.complete(result, batch.raw))
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Publishes the rated events of one task, records its rejects, counts. */
  private async complete(result: RatingResult, raw: Map<number, string>): Promise<void> {
    const { rated } = result;
    const events: OutgoingEvent[] = rated.eventId.map((eventId, i) => ({
      accountId: rated.accountId[i],
      eventId,
      data: rated.payloadBytes.subarray(i === 0 ? 0 : rated.payloadEnds[i - 1], rated.payloadEnds[i]),
    }));
    rated.currency.forEach((currency, i) => this.totals.set(currency, (this.totals.get(currency) ?? 0n) + rated.amountMicros[i]));
    for (const u of result.unrated) await this.reject(u.lineNumber, raw.get(u.lineNumber) ?? '', u);
    const published = await this.deps.publisher.publish(events);
    this.counts.rated += events.length;
    this.counts.eventsStored += published.stored;
    this.counts.eventsDuplicate += published.duplicates;
    const { metrics } = this.deps;
    metrics.recordsRated.inc({ format: this.input.format }, events.length);
    metrics.eventsPublished.inc({ result: 'stored' }, published.stored);
    metrics.eventsPublished.inc({ result: 'duplicate' }, published.duplicates);
    this.input.onProgress?.(events.length, 0);
  }

  private async reject(lineNumber: number, raw: string, r: CdrReject): Promise<void> {
    this.counts.rejected++;
    this.deps.metrics.recordsRejected.inc({ format: this.input.format, reason_code: r.code });
    this.rejectBuffer.push({
      fileId: this.input.fileId,
      lineNumber,
      fileName: this.input.fileName,
      format: this.input.format,
      reasonCode: r.code,
      reason: r.reason.slice(0, CDR_REJECT_REASON_CHARS_MAX),
      rawLine: raw.slice(0, CDR_REJECT_RAW_CHARS_MAX),
      rejectedAtMs: this.deps.clock.nowMs(),
    });
    this.input.onProgress?.(0, 1);
    if (this.rejectBuffer.length >= CDR_REJECTS_INSERT_BATCH) await this.flushRejects();
  }

  private async flushRejects(): Promise<void> {
    const rows = this.rejectBuffer;
    this.rejectBuffer = [];
    await this.deps.store.insertRejects(rows);
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private result(): FileRunResult {
    const totals = [...this.totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountMicros]) => ({ currency, amountMicros }));
    const { rated, rejected, eventsStored, eventsDuplicate } = this.counts;
    return { records: rated + rejected, rated, rejected, totals, eventsStored, eventsDuplicate };
  }
}

function checkBatchRecords(batchRecords: number): void {
  if (!Number.isInteger(batchRecords) || batchRecords < 1) throw new RangeError(`batchRecords must be a positive integer, got ${batchRecords}`);
}

export function rateCdrFile(deps: FileRunDeps, input: FileRunInput): Promise<FileRunResult> {
  return new FileRun(deps, input).run();
}
