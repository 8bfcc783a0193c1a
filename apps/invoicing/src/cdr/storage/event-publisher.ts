/**
 * Publishes rated CDR events to JetStream with `Nats-Msg-Id` = eventId, so a second ingest of a
 * file (or a retried publish) is dropped by the stream's duplicate window.
 *
 * Not `js.publish`: its per-message request machinery is about ten times slower than the protocol
 * (shared/design/baselines.md: 16-19k against 150-200k msgs/s). As the charging outbox relay does,
 * each event is a core publish with a reply subject `<inbox>.<seq>`; the PubAcks come back on one
 * wildcard subscription and are matched by sequence. At most CDR_PUBLISH_IN_FLIGHT_MAX are
 * unacknowledged at a time; one without an ack after CDR_PUBLISH_TIMEOUT_MS, or refused, is sent
 * again with the same id, up to CDR_PUBLISH_ATTEMPTS_MAX times; then the batch fails. Several
 * batches (files, tasks) may publish at once.
 */
import { createInbox, headers, Msg, NatsConnection, NatsError, Subscription } from 'nats';
import { ACCOUNT_ID_PATTERN, parsePubAck, type PubAckResult, RATED_SUBJECT_PREFIX } from '@app/events';
import { CDR_PUBLISH_ATTEMPTS_MAX, CDR_PUBLISH_IN_FLIGHT_MAX, CDR_PUBLISH_RETRY_DELAY_MS, CDR_PUBLISH_TIMEOUT_MS } from '../cdr.limits';

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

type Ack = PubAckResult;

const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** How often pending publishes are checked for their ack timeout. */
const SWEEP_INTERVAL_MS = 250;

interface Pending {
  sentAtMs: number;
  settle(ack: Ack): void;
}

export class JetStreamCdrPublisher implements CdrEventPublisher {
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: (() => void)[] = [];
  private sweeper?: NodeJS.Timeout;
  private seq = 0;

  /** `subjectPrefix`: `ratel.rated.v1` in production; the account id is the last token. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectPrefix: string = RATED_SUBJECT_PREFIX,
  ) {
    if (!SUBJECT_PREFIX.test(subjectPrefix)) throw new RangeError(`not a subject prefix: ${JSON.stringify(subjectPrefix)}`);
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onReply(err, msg) });
  }

  async publish(events: readonly OutgoingEvent[]): Promise<PublishResult> {
    let todo = [...events];
    let stored = 0;
    let duplicates = 0;
    for (let attempt = 1; todo.length > 0; attempt++) {
      const acks = await Promise.all(todo.map((e) => this.send(e)));
      const failed = todo.filter((_, i) => !acks[i].ok);
      for (const a of acks) {
        if (a.ok && a.duplicate) duplicates++;
        else if (a.ok) stored++;
      }
      if (failed.length > 0 && attempt >= CDR_PUBLISH_ATTEMPTS_MAX) {
        const first = acks.find((a): a is { ok: false; error: string } => !a.ok)!;
        throw new Error(`${failed.length} events not acknowledged by JetStream after ${attempt} attempts: ${first.error}`);
      }
      if (failed.length > 0) await new Promise((r) => setTimeout(r, CDR_PUBLISH_RETRY_DELAY_MS * 2 ** (attempt - 1)));
      todo = failed;
    }
    return { stored, duplicates };
  }

  /** Stops listening for acks; publishes still pending fail. */
  close(): void {
    this.expire(Number.POSITIVE_INFINITY, 'publisher closed');
    if (this.sweeper) clearInterval(this.sweeper);
    if (!this.nc.isClosed()) this.sub.unsubscribe();
  }

  private async send(e: OutgoingEvent): Promise<Ack> {
    if (!ACCOUNT_ID_PATTERN.test(e.accountId)) throw new RangeError(`accountId is not a subject token: ${JSON.stringify(e.accountId)}`);
    while (this.pending.size >= CDR_PUBLISH_IN_FLIGHT_MAX) await new Promise<void>((r) => this.waiting.push(r));
    this.startSweeper();
    const seq = ++this.seq;
    const h = headers();
    h.set('Nats-Msg-Id', e.eventId);
    return new Promise<Ack>((settle) => {
      this.pending.set(seq, { sentAtMs: performance.now(), settle });
      try {
        this.nc.publish(`${this.subjectPrefix}.${e.accountId}`, e.data, { reply: `${this.inbox}.${seq}`, headers: h });
      } catch (err) {
        this.pending.delete(seq);
        settle({ ok: false, error: `publish failed: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    const seq = Number(msg.subject.slice(this.inbox.length + 1));
    const p = this.pending.get(seq);
    if (p === undefined) return; // a late ack of a publish already retried: JetStream de-duplicates the retry
    this.pending.delete(seq);
    p.settle(err ? { ok: false, error: err.message } : parsePubAck(msg.data, msg.headers?.code));
    this.waiting.shift()?.();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      this.expire(performance.now() - CDR_PUBLISH_TIMEOUT_MS, `no ack within ${CDR_PUBLISH_TIMEOUT_MS} ms`);
      if (this.pending.size === 0 && this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Fails every publish sent before `sentBeforeMs` (Map order is send order). */
  private expire(sentBeforeMs: number, reason: string): void {
    for (const [seq, p] of this.pending) {
      if (p.sentAtMs > sentBeforeMs) break;
      this.pending.delete(seq);
      p.settle({ ok: false, error: reason });
      this.waiting.shift()?.();
    }
  }
}
