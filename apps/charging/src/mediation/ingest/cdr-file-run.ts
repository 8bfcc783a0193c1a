/**
 * Rates one CDR file, streaming: parse (cdr-parser) → resolve to postpaid account and plan
 * (record-resolver, Redis) → rate in the worker pool, batches of `batchRecords`, at most
 * `pool.tasksInFlightMax` tasks outstanding → claim each rated record by its identity
 * (record-claims; a record another file claimed within the window becomes a DUPLICATE reject
 * naming that file and line) → publish the events to JetStream → count. Bad
 * records go to the rejects store (buffered, CDR_REJECTS_INSERT_BATCH rows per insert) and the
 * file goes on. Memory is bounded by the batches in flight, not by the file.
 *
 * Any infrastructure failure (Redis, NATS, ClickHouse, a worker crash) stops the run and is
 * thrown; running the same file again is safe (its claims are its own, same event ids, same
 * reject keys).
 */
import type { Clock } from '@app/observability';
import { CDR_UNITS, CdrFormat, CdrReject, CdrRejectCode } from '../cdr-formats';
import { CDR_REJECT_RAW_MAX_CHARS, CDR_REJECT_REASON_MAX_CHARS, CDR_REJECTS_INSERT_BATCH } from '../cdr.limits';
import type { CdrMetrics } from '../cdr-metrics';
import type { CdrRatingPool } from '../rating/cdr-rating-pool';
import type { RatingResult } from '../rating/rating-task';
import type { CdrRejectRow, CdrStore, CurrencyTotal } from '../storage/cdr-store';
import type { CdrEventPublisher, OutgoingEvent } from '../storage/event-publisher';
import type { FirstSeen, RecordClaim, RecordClaims } from '../storage/record-claims';
import type { SubscriberDirectory } from '../storage/subscriber-directory';
import { parseCdrStream } from './cdr-parser';
import { NumberedRecord, RecordResolver } from './record-resolver';

export interface FileRunDeps {
  directory: SubscriberDirectory;
  pool: CdrRatingPool;
  publisher: CdrEventPublisher;
  claims: RecordClaims;
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
  /** Rejected records, duplicates included. */
  rejected: number;
  /** Records already rated from another file (or line) within the dedup window. */
  duplicates: number;
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
  readonly counts = { rated: 0, rejected: 0, duplicates: 0, eventsStored: 0, eventsDuplicate: 0 };

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

  /** Claims the rated records of one task, publishes those this file owns, records the rejects, counts. */
  private async complete(result: RatingResult, raw: Map<number, string>): Promise<void> {
    const { rated } = result;
    const { fileId, format } = this.input;
    for (const u of result.unrated) await this.reject(u.lineNumber, raw.get(u.lineNumber) ?? '', u);
    const claims = rated.eventId.map((eventId, i) => ({ eventId, fileId, lineNumber: rated.lineNumber[i] }));
    const firstSeen = await this.deps.claims.claim(claims);
    const events: OutgoingEvent[] = [];
    const owned: RecordClaim[] = [];
    for (let i = 0; i < rated.eventId.length; i++) {
      const first = firstSeen[i];
      if (first !== undefined) {
        await this.duplicate(rated.lineNumber[i], raw.get(rated.lineNumber[i]) ?? '', first);
        continue;
      }
      this.totals.set(rated.currency[i], (this.totals.get(rated.currency[i]) ?? 0n) + rated.amountMicros[i]);
      const data = rated.payloadBytes.subarray(i === 0 ? 0 : rated.payloadEnds[i - 1], rated.payloadEnds[i]);
      events.push({ accountId: rated.accountId[i], eventId: rated.eventId[i], data });
      owned.push(claims[i]);
    }
    const published = await this.deps.publisher.publish(events).catch(async (err: unknown) => {
      // Not published (as far as we know): let another file rate these records instead.
      await this.deps.claims.release(owned).catch(() => undefined);
      throw err;
    });
    this.counts.rated += events.length;
    this.counts.eventsStored += published.stored;
    this.counts.eventsDuplicate += published.duplicates;
    const { metrics } = this.deps;
    metrics.recordsRated.inc({ format }, events.length);
    metrics.eventsPublished.inc({ result: 'stored' }, published.stored);
    metrics.eventsPublished.inc({ result: 'duplicate' }, published.duplicates);
    this.input.onProgress?.(events.length, 0);
  }

  /** A record rated before from another file or line: a reject naming where, not rated again. */
  private async duplicate(lineNumber: number, raw: string, first: FirstSeen): Promise<void> {
    this.counts.duplicates++;
    this.deps.metrics.recordsDuplicate.inc({ format: this.input.format });
    const reason = `the record was rated from file ${first.fileId} line ${first.lineNumber} within the de-duplication window`;
    await this.reject(lineNumber, raw, { code: CdrRejectCode.DUPLICATE, reason }, false);
  }

  private async reject(lineNumber: number, raw: string, r: CdrReject, counted = true): Promise<void> {
    this.counts.rejected++;
    if (counted) this.deps.metrics.recordsRejected.inc({ format: this.input.format, reason_code: r.code });
    this.rejectBuffer.push({
      fileId: this.input.fileId,
      lineNumber,
      fileName: this.input.fileName,
      format: this.input.format,
      reasonCode: r.code,
      reason: r.reason.slice(0, CDR_REJECT_REASON_MAX_CHARS),
      rawLine: raw.slice(0, CDR_REJECT_RAW_MAX_CHARS),
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
    const { rated, rejected, duplicates, eventsStored, eventsDuplicate } = this.counts;
    return { records: rated + rejected, rated, rejected, duplicates, totals, eventsStored, eventsDuplicate };
  }
}

function checkBatchRecords(batchRecords: number): void {
  if (!Number.isInteger(batchRecords) || batchRecords < 1)
    throw new RangeError(`batchRecords must be a positive integer, got ${batchRecords}`);
}

export function rateCdrFile(deps: FileRunDeps, input: FileRunInput): Promise<FileRunResult> {
  return new FileRun(deps, input).run();
}
