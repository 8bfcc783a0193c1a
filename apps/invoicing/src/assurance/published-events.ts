/**
 * What the charging side published: the rated events of a period read back from the JetStream
 * stream with an ordered (ephemeral, unacknowledged, in-memory) consumer filtered by subject, from
 * the period's start (less the clock skew) until the stream's end or the last publish time an
 * event of the period can have (`to` + the longest publish delay). Every event is kept once by
 * eventId; invalid messages are counted, as the sink dead-letters them.
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
  /** Most messages read; more makes the scan fail with LIMIT_EXCEEDED. */
  messagesMax: number;
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
  /** Valid events published in the scanned window that occurred outside the period. */
  outsidePeriod: number;
  /** False when the stream no longer holds messages from the start of the scan window (retention). */
  streamCoversPeriod: boolean;
}

export interface PublishedEventSource {
  scan(request: ScanRequest): Promise<PublishedScan>;
}

export interface JetStreamPublishedOptions {
  stream: string;
  subjectPrefix: string;
  publishDelayMaxMs: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The event in a message, or undefined when the sink would dead-letter it. Pure. */
export function decodePublished(
  subject: string,
  data: Uint8Array,
): ({ eventId: string; occurredAtMs: number } & PublishedEvent) | undefined {
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
    const endMs = request.toMs + this.opts.publishDelayMaxMs + ASSURANCE_CLOCK_SKEW_MS;
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
      const consumer = await this.nc.jetstream().consumers.get(this.opts.stream, {
        filterSubjects: subjectFilter,
        opt_start_time: new Date(startMs).toISOString(),
      });
      try {
        await this.readAll(consumer, request, endMs, scan);
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

  private async readAll(
    consumer: { fetch(o: { max_messages: number; expires: number }): Promise<AsyncIterable<JsMsg>> },
    request: ScanRequest,
    endMs: number,
    scan: PublishedScan,
  ): Promise<void> {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: ASSURANCE_FETCH_BATCH, expires: ASSURANCE_FETCH_WAIT_MS });
      let received = 0;
      let atEnd = false;
      for await (const m of batch) {
        received++;
        if (m.info.timestampNanos / 1e6 > endMs) {
          atEnd = true;
          break;
        }
        if (++scan.messages > request.messagesMax) {
          throw new InvoicingError(
            InvoicingErrorCode.LIMIT_EXCEEDED,
            `more than ${request.messagesMax} messages to scan (ASSURANCE_EVENTS_MAX); narrow the period or pass accountId`,
            { limit: request.messagesMax },
          );
        }
        this.take(m, request, scan);
        if (m.info.pending === 0) {
          atEnd = true;
          break;
        }
      }
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
      scan.events.set(e.eventId, { accountId: e.accountId, type: e.type, amountMicros: e.amountMicros });
    } else if (seen.accountId === e.accountId && seen.type === e.type && seen.amountMicros === e.amountMicros) {
      scan.duplicates++;
    } else {
      scan.conflictingDuplicates++;
    }
  }
}
