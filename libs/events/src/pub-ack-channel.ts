/**
 * What the JetStream publishers of the outbox relay and of CDR mediation share: plain core
 * publishes carrying `Nats-Msg-Id` and a reply subject `<inbox>.<seq>`, their PubAcks collected on
 * one wildcard subscription and matched by sequence, at most `inflightMax` unacknowledged at a
 * time, and a sweep that fails a publish with no ack after `ackTimeoutMs`. This avoids the
 * per-message request machinery of `js.publish` (3.5-5.5 times its rate with headers,
 * load-tests/relay-bench.ts). A late ack of a publish already failed is ignored: the caller sends it
 * again and JetStream drops the repeat within its duplicate window.
 */
import { createInbox, headers, type Msg, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { parsePubAck, type PubAckResult } from './pub-ack';

export interface PubAckChannelOptions {
  /** Publishes awaiting their ack at most. */
  inflightMax: number;
  /** A publish without an ack after this long fails (and `onTimeout` is called). */
  ackTimeoutMs: number;
}

/** The reply-timeout sweep runs this often relative to the ack timeout... */
const SWEEPS_PER_ACK_TIMEOUT = 5;
/** ...but not more often than this. */
const SWEEP_INTERVAL_MIN_MS = 10;

interface Pending {
  /** performance.now() at send: monotonic, unlike the wall clock. */
  sentAtMs: number;
  settle(result: PubAckResult): void;
}

export class PubAckChannel {
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Array<() => void> = [];
  private sweeper?: NodeJS.Timeout;
  private seq = 0;
  private closed = false;
  /** Called after a sweep failed publishes for want of an ack. */
  onTimeout?: () => void;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: PubAckChannelOptions,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onReply(err, msg) });
  }

  /** Whether a publish can go out now without exceeding `inflightMax`. */
  get hasSlot(): boolean {
    return this.pending.size < this.opts.inflightMax;
  }

  /** Resolves once a publish can go out (FIFO among waiters). */
  async slot(): Promise<void> {
    while (!this.hasSlot) await new Promise<void>((r) => this.waiting.push(r));
  }

  /** `send` once a slot is free; resolves with the outcome. */
  async publish(subject: string, data: Uint8Array, msgId: string): Promise<PubAckResult> {
    while (!this.hasSlot) await new Promise<void>((r) => this.waiting.push(r));
    return new Promise<PubAckResult>((settle) => this.send(subject, data, msgId, settle));
  }

  /**
   * Publishes now (the caller keeps to `inflightMax` with `hasSlot`/`slot()`); `settle` gets the
   * outcome once: the ack, a refusal, a timeout, or the channel's close.
   */
  send(subject: string, data: Uint8Array, msgId: string, settle: (r: PubAckResult) => void): void {
    if (this.closed) return settle({ ok: false, error: 'publisher closed' });
    this.startSweeper();
    const seq = ++this.seq;
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    this.pending.set(seq, { sentAtMs: performance.now(), settle });
    try {
      this.nc.publish(subject, data, { reply: `${this.inbox}.${seq}`, headers: h });
    } catch (err) {
      // A closed connection or a full reconnect buffer.
      this.pending.delete(seq);
      settle({ ok: false, error: `publish failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /** Stops listening for acks; every publish still pending fails. */
  close(): void {
    this.closed = true;
    this.expire(Number.POSITIVE_INFINITY, 'publisher closed');
    this.stopSweeper();
    if (!this.nc.isClosed()) this.sub.unsubscribe();
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    const seq = Number(msg.subject.slice(this.inbox.length + 1));
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    p.settle(err ? { ok: false, error: err.message } : parsePubAck(msg.data, msg.headers?.code));
    this.waiting.shift()?.();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(SWEEP_INTERVAL_MIN_MS, Math.floor(this.opts.ackTimeoutMs / SWEEPS_PER_ACK_TIMEOUT));
    this.sweeper = setInterval(() => {
      if (this.expire(performance.now() - this.opts.ackTimeoutMs, `no ack within ${this.opts.ackTimeoutMs} ms`) > 0) this.onTimeout?.();
      if (this.pending.size === 0) this.stopSweeper(); // the next send starts it again
    }, every);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Fails every publish sent before `sentBeforeMs` (Map order is send order); returns how many. */
  private expire(sentBeforeMs: number, reason: string): number {
    let n = 0;
    for (const [seq, p] of this.pending) {
      if (p.sentAtMs > sentBeforeMs) break;
      this.pending.delete(seq);
      p.settle({ ok: false, error: reason });
      this.waiting.shift()?.();
      n++;
    }
    return n;
  }
}
