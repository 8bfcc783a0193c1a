/**
 * Publishes many messages to JetStream at once and reports, per message, whether JetStream
 * stored it. Plain core publishes carry a reply subject `<inbox>.<seq>`; the PubAcks come back on
 * one wildcard subscription and are matched by sequence. This avoids the per-message request
 * machinery of `js.publish`: with a Nats-Msg-Id header on every message, 3.5-5.5 times the rate of
 * `js.publish` with the same window (load-tests/relay-bench.ts; shared/design/baselines.md saw
 * about ten times without headers).
 */
import { parsePubAck, type PubAckResult } from '@app/events';
import { createInbox, Events, headers, Msg, NatsConnection, NatsError, Status, Subscription } from 'nats';

export interface OutboxMessage {
  subject: string;
  /** Sent as Nats-Msg-Id: JetStream drops a repeat within the stream's duplicate window. */
  eventId: string;
  data: Uint8Array;
}

export type PublishResult = PubAckResult;

export interface JetStreamPublisherOptions {
  inflightMax: number;
  ackTimeoutMs: number;
}

/** The reply-timeout sweep runs this often relative to the ack timeout. */
const SWEEPS_PER_ACK_TIMEOUT = 5;
const SWEEP_INTERVAL_MIN_MS = 10;

interface Pending {
  /** performance.now() at send: monotonic, unlike the wall clock. */
  sentAtMs: number;
  settle(result: PublishResult): void;
}

export class JetStreamPublisher {
  private readonly inbox: string;
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private slotFreed?: () => void;
  private sweeper?: NodeJS.Timeout;
  private busy = false;
  private closed = false;
  private disconnected = false;
  private readonly statusEvents: AsyncIterable<Status>;
  /** Set when a publish of the current batch timed out: JetStream is not answering, the rest is not sent. */
  private timedOut = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: JetStreamPublisherOptions,
  ) {
    this.inbox = createInbox();
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onReply(err, msg) });
    this.statusEvents = nc.status();
    void this.watchStatus();
  }

  /**
   * False while the client is reconnecting. nats.js buffers publishes without limit while
   * disconnected, so the relay does not publish then (what it sent before simply times out).
   */
  get connected(): boolean {
    return !this.disconnected && !this.nc.isClosed();
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.statusEvents) {
      if (s.type === Events.Disconnect) this.disconnected = true;
      else if (s.type === Events.Reconnect) this.disconnected = false;
    }
  }

  /** Publishes every message, at most `inflightMax` unacknowledged at a time; resolves when each has an outcome. */
  async publishAll(messages: readonly OutboxMessage[]): Promise<PublishResult[]> {
    if (this.busy) throw new Error('JetStreamPublisher.publishAll is not re-entrant');
    this.busy = true;
    this.timedOut = false;
    try {
      const results = new Array<PublishResult>(messages.length);
      let remaining = messages.length;
      let allSettled!: () => void;
      const done = new Promise<void>((resolve) => (allSettled = resolve));
      if (remaining === 0) return results;
      for (let i = 0; i < messages.length; i++) {
        while (this.pending.size >= this.opts.inflightMax) await new Promise<void>((r) => (this.slotFreed = r));
        const settle = (r: PublishResult) => {
          results[i] = r;
          if (--remaining === 0) allSettled();
        };
        if (this.timedOut || this.disconnected) settle({ ok: false, error: 'not sent: NATS disconnected or an earlier publish of this batch got no ack' });
        else this.send(messages[i], settle);
      }
      await done;
      return results;
    } finally {
      this.busy = false;
    }
  }

  /** Stops listening for acks; anything still pending counts as failed. */
  close(): void {
    this.closed = true;
    this.expire(Number.POSITIVE_INFINITY, 'publisher closed');
    this.stopSweeper();
    // nats.js returns a QueuedIterator (with stop()) typed as AsyncIterable.
    (this.statusEvents as Partial<{ stop(): void }>).stop?.();
    if (!this.nc.isClosed()) this.sub.unsubscribe();
  }

  private send(m: OutboxMessage, settle: (r: PublishResult) => void): void {
    if (this.closed) return settle({ ok: false, error: 'publisher closed' });
    this.startSweeper();
    const seq = ++this.seq;
    const h = headers();
    h.set('Nats-Msg-Id', m.eventId);
    this.pending.set(seq, { sentAtMs: performance.now(), settle });
    try {
      this.nc.publish(m.subject, m.data, { reply: `${this.inbox}.${seq}`, headers: h });
    } catch (err) {
      // Closed connection or a full reconnect buffer: the entry stays in the outbox.
      this.pending.delete(seq);
      settle({ ok: false, error: `publish failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    const seq = Number(msg.subject.slice(this.inbox.length + 1));
    const p = this.pending.get(seq);
    if (!p) return; // late ack of a publish already counted as timed out: it is retried, JetStream de-duplicates
    this.pending.delete(seq);
    p.settle(err ? { ok: false, error: err.message } : parsePubAck(msg.data, msg.headers?.code));
    this.wakeSender();
  }

  private wakeSender(): void {
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(SWEEP_INTERVAL_MIN_MS, Math.floor(this.opts.ackTimeoutMs / SWEEPS_PER_ACK_TIMEOUT));
    this.sweeper = setInterval(() => {
      if (this.expire(performance.now() - this.opts.ackTimeoutMs, `no ack within ${this.opts.ackTimeoutMs} ms`) > 0) this.timedOut = true;
      if (this.pending.size === 0) this.stopSweeper(); // the next send starts it again
    }, every);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Fails every publish sent before `sentBeforeMs`; returns how many. */
  private expire(sentBeforeMs: number, reason: string): number {
    let n = 0;
    for (const [seq, p] of this.pending) {
      if (p.sentAtMs > sentBeforeMs) break; // Map order is send order: the rest are younger
      this.pending.delete(seq);
      p.settle({ ok: false, error: reason });
      n++;
    }
    this.wakeSender();
    return n;
  }
}
