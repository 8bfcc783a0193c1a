/**
 * Publishes rated CDR events to JetStream with `Nats-Msg-Id` = eventId, so a second ingest of a
 * file (or a retried publish) is dropped by the stream's duplicate window.
 *
 * Not `js.publish`: its per-message request machinery is about ten times slower than the protocol
 * (shared/design/baselines.md: 16-19k against 150-200k msgs/s). As the charging outbox relay does,
 * events go over a PubAckChannel (@app/events: core publishes with a reply inbox, acks matched by
 * sequence). At most CDR_PUBLISH_IN_FLIGHT_MAX are unacknowledged at a time; one without an ack
 * after CDR_PUBLISH_TIMEOUT_MS, or refused, is sent again with the same id, up to
 * CDR_PUBLISH_ATTEMPTS_MAX times; then the batch fails. Several batches (files, tasks) may publish
 * at once.
 */
import type { NatsConnection } from 'nats';
import { ACCOUNT_ID_PATTERN, PubAckChannel, RATED_SUBJECT_PREFIX } from '@app/events';
import { backoffDelayMs, type BackoffPolicy, sleep } from '@app/runtime';
import {
  CDR_PUBLISH_ATTEMPTS_MAX,
  CDR_PUBLISH_IN_FLIGHT_MAX,
  CDR_PUBLISH_RETRY_DELAY_MAX_MS,
  CDR_PUBLISH_RETRY_DELAY_MS,
  CDR_PUBLISH_TIMEOUT_MS,
} from '../cdr.limits';

/** Back-off between publish attempts of the events JetStream did not acknowledge. */
const CDR_PUBLISH_BACKOFF: BackoffPolicy = { initialMs: CDR_PUBLISH_RETRY_DELAY_MS, maxMs: CDR_PUBLISH_RETRY_DELAY_MAX_MS };

export const CDR_EVENT_PUBLISHER = Symbol('CDR_EVENT_PUBLISHER');

export interface OutgoingEvent {
  accountId: string;
  eventId: string;
  /** The event JSON, UTF-8. */
  data: Uint8Array;
}

export interface PublishResult {
  /** Events the stream stored now. */
  stored: number;
  /** Events the stream already had (its duplicate window dropped them). */
  duplicates: number;
}

export interface CdrEventPublisher {
  publish(events: readonly OutgoingEvent[]): Promise<PublishResult>;
}

const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export class JetStreamCdrPublisher implements CdrEventPublisher {
  private readonly channel: PubAckChannel;

  /** `subjectPrefix`: `ratel.rated.v1` in production; the account id is the last token. */
  constructor(
    nc: NatsConnection,
    private readonly subjectPrefix: string = RATED_SUBJECT_PREFIX,
  ) {
    if (!SUBJECT_PREFIX.test(subjectPrefix)) throw new RangeError(`not a subject prefix: ${JSON.stringify(subjectPrefix)}`);
    this.channel = new PubAckChannel(nc, { inflightMax: CDR_PUBLISH_IN_FLIGHT_MAX, ackTimeoutMs: CDR_PUBLISH_TIMEOUT_MS });
  }

  async publish(events: readonly OutgoingEvent[]): Promise<PublishResult> {
    for (const e of events) {
      if (!ACCOUNT_ID_PATTERN.test(e.accountId)) throw new RangeError(`accountId is not a subject token: ${JSON.stringify(e.accountId)}`);
    }
    let todo = [...events];
    let stored = 0;
    let duplicates = 0;
    for (let attempt = 1; todo.length > 0; attempt++) {
      const acks = await Promise.all(todo.map((e) => this.channel.publish(`${this.subjectPrefix}.${e.accountId}`, e.data, e.eventId)));
      const failed = todo.filter((_, i) => !acks[i].ok);
      for (const a of acks) {
        if (a.ok && a.duplicate) duplicates++;
        else if (a.ok) stored++;
      }
      if (failed.length > 0 && attempt >= CDR_PUBLISH_ATTEMPTS_MAX) {
        const first = acks.find((a): a is { ok: false; error: string } => !a.ok)!;
        throw new Error(`${failed.length} events not acknowledged by JetStream after ${attempt} attempts: ${first.error}`);
      }
      if (failed.length > 0) await sleep(backoffDelayMs(attempt, CDR_PUBLISH_BACKOFF));
      todo = failed;
    }
    return { stored, duplicates };
  }

  /** Stops listening for acks; publishes still pending fail. */
  close(): void {
    this.channel.close();
  }
}
