/**
 * The NATS side of the sink: a durable pull consumer on the rated stream. Creating it is
 * idempotent; an existing consumer gets its ack wait and ack-pending limit brought up to date.
 */
import { AckPolicy, Consumer, DeliverPolicy, JetStreamClient, JetStreamManager, JsMsg, NatsConnection, NatsError, nanos } from 'nats';
import { InboundMessage } from './decode-batch';

/** JetStream API error code: consumer not found. */
const JS_CONSUMER_NOT_FOUND = 10014;

export interface SourceOptions {
  stream: string;
  consumer: string;
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
}

export interface ConsumerLag {
  pending: number;
  ackPending: number;
  /** Age of the oldest unacknowledged message, 0 when there is none. */
  oldestAgeMs: number;
}

export function toInbound(m: JsMsg): InboundMessage {
  return {
    streamSeq: m.info.streamSequence,
    subject: m.subject,
    data: m.data,
    publishedAtMs: Math.floor(m.info.timestampNanos / 1e6),
    deliveryCount: m.info.deliveryCount,
  };
}

export class JetStreamSource {
  private consumer?: Consumer;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: SourceOptions,
  ) {}

  static async open(nc: NatsConnection, opts: SourceOptions): Promise<JetStreamSource> {
    return new JetStreamSource(nc, nc.jetstream(), await nc.jetstreamManager(), opts);
  }

  /** Creates the durable consumer or updates its limits. Throws when the stream does not exist. */
  async ensureConsumer(): Promise<void> {
    const { stream, consumer } = this.opts;
    const limits = { ack_wait: nanos(this.opts.ackWaitMs), max_ack_pending: this.opts.maxAckPending, max_deliver: -1 };
    const exists = await this.jsm.consumers.info(stream, consumer).then(
      () => true,
      (err: unknown) => {
        if (err instanceof NatsError && err.api_error?.err_code === JS_CONSUMER_NOT_FOUND) return false;
        throw err;
      },
    );
    if (exists) {
      await this.jsm.consumers.update(stream, consumer, limits);
    } else {
      await this.jsm.consumers.add(stream, {
        durable_name: consumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...(this.opts.filterSubject ? { filter_subject: this.opts.filterSubject } : {}),
        ...limits,
      });
    }
    this.consumer = await this.js.consumers.get(stream, consumer);
  }

  /** Up to `max` messages, waiting at most `expiresMs` for the batch to fill. */
  async fetch(max: number, expiresMs: number): Promise<JsMsg[]> {
    if (!this.consumer) await this.ensureConsumer();
    const iter = await this.consumer!.fetch({ max_messages: max, expires: expiresMs });
    const msgs: JsMsg[] = [];
    for await (const m of iter) msgs.push(m);
    return msgs;
  }

  /** Makes sure the acks written so far reached the server. */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  /** Forget the consumer handle (after an error), so the next fetch looks it up again. */
  reset(): void {
    this.consumer = undefined;
  }

  async lag(nowMs: number): Promise<ConsumerLag> {
    const info = await this.jsm.consumers.info(this.opts.stream, this.opts.consumer);
    const lag = { pending: info.num_pending, ackPending: info.num_ack_pending, oldestAgeMs: 0 };
    if (info.num_pending + info.num_ack_pending === 0) return lag;
    try {
      const oldest = await this.jsm.streams.getMessage(this.opts.stream, { seq: info.ack_floor.stream_seq + 1 });
      lag.oldestAgeMs = Math.max(0, nowMs - oldest.time.getTime());
    } catch {
      // The message was removed by the stream's limits in the meantime: the age is unknown for now.
    }
    return lag;
  }
}
