/**
 * Publishes a batch of outbox entries to JetStream and reports, per message, whether JetStream
 * stored it, over a PubAckChannel (@app/events: core publishes with a reply inbox, acks matched by
 * sequence, at most `inflightMax` in flight). What the relay adds: once a publish of the batch got
 * no ack, or the client is reconnecting, the rest of the batch is not sent (it stays in the outbox
 * for the next round).
 */
import { PubAckChannel, type PubAckResult } from '@app/events';
import { Events, NatsConnection, Status } from 'nats';

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

export class JetStreamPublisher {
  private readonly channel: PubAckChannel;
  private busy = false;
  private disconnected = false;
  private readonly statusEvents: AsyncIterable<Status>;
  /** Set when a publish of the current batch timed out: JetStream is not answering, the rest is not sent. */
  private timedOut = false;

  constructor(
    private readonly nc: NatsConnection,
    opts: JetStreamPublisherOptions,
  ) {
    this.channel = new PubAckChannel(nc, opts);
    this.channel.onTimeout = () => (this.timedOut = true);
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
        if (!this.channel.hasSlot) await this.channel.slot();
        const settle = (r: PublishResult) => {
          results[i] = r;
          if (--remaining === 0) allSettled();
        };
        const m = messages[i];
        if (this.timedOut || this.disconnected)
          settle({ ok: false, error: 'not sent: NATS disconnected or an earlier publish of this batch got no ack' });
        else this.channel.send(m.subject, m.data, m.eventId, settle);
      }
      await done;
      return results;
    } finally {
      this.busy = false;
    }
  }

  /** Stops listening for acks; anything still pending counts as failed. */
  close(): void {
    this.channel.close();
    // nats.js returns a QueuedIterator (with stop()) typed as AsyncIterable.
    (this.statusEvents as Partial<{ stop(): void }>).stop?.();
  }
}
