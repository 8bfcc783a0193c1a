/**
 * What the charging side published: the rated events of a period read back from the JetStream
 * stream with an ordered (ephemeral, unacknowledged, in-memory) consumer filtered by subject. The
 * period is one of event time (occurredAtMs), like ClickHouse's side of the comparison, so the
 * scan starts at the period's start (less the clock skew: nothing of the period can have been
 * published before) and reads to the stream's last message when it started, however long after
 * the period that is: a CDR file rated weeks late still belongs to its period. Every event is
 * kept once by eventId, with the time its first copy was published; invalid messages are
 * counted, as the sink dead-letters them.
 */
import { RatedEventType, validateRatedEvent } from '@app/events';
import { JsMsg, NatsConnection, NatsError } from 'nats';
import { InvoicingError, InvoicingErrorCode } from '../api/invoicing-error';
import { ASSURANCE_CLOCK_SKEW_MS, ASSURANCE_FETCH_BATCH, ASSURANCE_FETCH_WAIT_MS } from './assurance-limits';
import type { PublishedEvent } from './reconcile';

export const PUBLISHED_EVENT_SOURCE = Symbol('PUBLISHED_EVENT_SOURCE');

export interface ScanRequest {
  fromMs: number;
  toMs: number;
  /** Absent = every account of the stream. */
  accountId?: string;
  /** Most distinct events of the period held; more makes the scan fail with LIMIT_EXCEEDED. */
  eventsMax: number;
  /** Most messages read (of any period); more makes the scan fail with LIMIT_EXCEEDED. */
  messagesMax: number;
  /** Hears the messages read so far against those to read (for a progress display). */
  onProgress?: (read: number, toRead: number) => void;
}

export interface PublishedScan {
  subjectFilter: string;
  /** Distinct events of the period, by eventId. */
  events: Map<string, PublishedEvent>;
  messages: number;
  /** Messages that repeat an event already seen (same id, same content). */
  duplicates: number;
  /** Messages that repeat an event id with other content (the first copy is kept). */
  conflictingDuplicates: number;
  /** Messages the sink would dead-letter (not JSON, not a valid event, account not the subject's). */
  invalid: number;
  /** Valid events read that occurred outside the period. */
  outsidePeriod: number;
  /** False when the stream no longer holds every message published since the period start (retention). */
  streamCoversPeriod: boolean;
}

export interface PublishedEventSource {
  scan(request: ScanRequest): Promise<PublishedScan>;
}

export interface JetStreamPublishedOptions {
  stream: string;
  subjectPrefix: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The event in a message, or undefined when the sink would dead-letter it. Pure. */
export function decodePublished(
  subject: string,
  data: Uint8Array,
): ({ eventId: string; occurredAtMs: number } & Omit<PublishedEvent, 'publishedAtMs'>) | undefined {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(data));
  } catch {
    return undefined;
  }
  const v = validateRatedEvent(json);
  if (!v.ok || subject.slice(subject.lastIndexOf('.') + 1) !== v.value.accountId) return undefined;
  const e = v.value;
  return {
    eventId: e.eventId,
    occurredAtMs: e.occurredAtMs,
    accountId: e.accountId,
    type: e.type as RatedEventType,
    amountMicros: BigInt(e.amountMicros),
  };
}

export class JetStreamPublishedEvents implements PublishedEventSource {
  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: JetStreamPublishedOptions,
  ) {}

  async scan(request: ScanRequest): Promise<PublishedScan> {
    const subjectFilter = `${this.opts.subjectPrefix}.${request.accountId ?? '>'}`;
    const startMs = Math.max(0, request.fromMs - ASSURANCE_CLOCK_SKEW_MS);
    const scan: PublishedScan = {
      subjectFilter,
      events: new Map(),
      messages: 0,
      duplicates: 0,
      conflictingDuplicates: 0,
      invalid: 0,
      outsidePeriod: 0,
      streamCoversPeriod: true,
    };
    try {
      const jsm = await this.nc.jetstreamManager();
      const state = (await jsm.streams.info(this.opts.stream)).state;
      scan.streamCoversPeriod = state.first_seq <= 1 || Date.parse(state.first_ts) <= startMs;
      if (state.messages === 0) return scan;
      const consumer = await this.nc.jetstream().consumers.get(this.opts.stream, {
        filterSubjects: subjectFilter,
        opt_start_time: new Date(startMs).toISOString(),
      });
      try {
        await this.readAll(consumer, request, state.last_seq, scan);
      } finally {
        await consumer.delete().catch(() => undefined);
      }
    } catch (err) {
      if (err instanceof InvoicingError) throw err;
      if (err instanceof NatsError && err.api_error?.err_code === 10059) {
        throw new InvoicingError(InvoicingErrorCode.UNAVAILABLE, `stream ${this.opts.stream} does not exist`);
      }
      throw InvoicingError.unavailable('NATS JetStream', err);
    }
    return scan;
  }

  private tooMany(what: string, limit: number, variable: string): InvoicingError {
    return new InvoicingError(
      InvoicingErrorCode.LIMIT_EXCEEDED,
      `more than ${limit} ${what} (${variable}); narrow the period or pass accountId`,
      { limit },
    );
  }

  /** Reads up to `lastSeq`, the stream's end when the scan started (later messages may keep coming). */
  private async readAll(
    consumer: { fetch(o: { max_messages: number; expires: number }): Promise<AsyncIterable<JsMsg>> },
    request: ScanRequest,
    lastSeq: number,
    scan: PublishedScan,
  ): Promise<void> {
    let pending = 0;
    for (;;) {
      const batch = await consumer.fetch({ max_messages: ASSURANCE_FETCH_BATCH, expires: ASSURANCE_FETCH_WAIT_MS });
      let received = 0;
      let atEnd = false;
      for await (const m of batch) {
        received++;
        if (m.seq > lastSeq) {
          atEnd = true;
          break;
        }
        if (++scan.messages > request.messagesMax) {
          throw this.tooMany('messages to scan', request.messagesMax, 'ASSURANCE_SCAN_MESSAGES_MAX');
        }
        this.take(m, request, scan);
        if (scan.events.size > request.eventsMax) {
          throw this.tooMany('events in the period', request.eventsMax, 'ASSURANCE_EVENTS_MAX');
        }
        pending = m.info.pending;
        if (m.info.pending === 0 || m.seq === lastSeq) {
          atEnd = true;
          break;
        }
      }
      request.onProgress?.(scan.messages, scan.messages + pending);
      if (atEnd || received === 0) return;
    }
  }

  private take(m: JsMsg, request: ScanRequest, scan: PublishedScan): void {
    const e = decodePublished(m.subject, m.data);
    if (e === undefined) {
      scan.invalid++;
      return;
    }
    if (e.occurredAtMs < request.fromMs || e.occurredAtMs >= request.toMs) {
      scan.outsidePeriod++;
      return;
    }
    const seen = scan.events.get(e.eventId);
    if (seen === undefined) {
      const publishedAtMs = Math.floor(m.info.timestampNanos / 1e6);
      scan.events.set(e.eventId, { accountId: e.accountId, type: e.type, amountMicros: e.amountMicros, publishedAtMs });
    } else if (seen.accountId === e.accountId && seen.type === e.type && seen.amountMicros === e.amountMicros) {
      scan.duplicates++;
    } else {
      scan.conflictingDuplicates++;
    }
  }
}
