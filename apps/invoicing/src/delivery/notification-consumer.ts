/**
 * Reads a JetStream stream with a durable pull consumer and turns each event into deliveries: the
 * balance notifications of RATEL_NOTIFY (EnqueueNotificationDelivery) and the dunning notices of
 * collections' DUNNING_STEP_TAKEN events on RATEL_COLLECTIONS (EnqueueDunningNotices). A message is
 * acknowledged only after its delivery rows are committed (or found): a consumer killed in between
 * gets the message again and finds the rows, so each event is delivered once per channel. A message
 * that is not a valid event is terminated (never redelivered) and counted; a database failure naks
 * the message with the shared back-off.
 */
import type { Logger } from '@app/observability';
import { backoffDelayMs, sleep } from '@app/runtime';
import type { Counter } from 'prom-client';
import type { JsMsg } from 'nats';
import { JetStreamSource } from '../ingest/jetstream-source';
import { DELIVERY_BACKOFF } from './delivery-worker';

/** Messages fetched per round, and how long a fetch waits for them. */
export const NOTIFY_FETCH_BATCH_MAX = 50;
export const NOTIFY_FETCH_WAIT_MS = 1_000;

export interface DeliveryEventHandler<T> {
  /** What the events are, for logs ("notification", "dunning notice"). */
  what: string;
  validate(x: unknown): { ok: true; value: T } | { ok: false; issues: unknown[] };
  /** Writes the event's deliveries; returns the outcomes to count (enqueued, duplicate, no_recipient). */
  enqueue(value: T): Promise<string[]>;
  /** Counts outcomes by label (and `invalid`). */
  counter?: Counter<'outcome'>;
  idOf(value: T): string;
}

export class DeliveryEventConsumer<T> {
  constructor(
    private readonly source: JetStreamSource,
    private readonly handler: DeliveryEventHandler<T>,
    private readonly logger: Logger,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const msgs = await this.source.fetch(NOTIFY_FETCH_BATCH_MAX, NOTIFY_FETCH_WAIT_MS);
        for (const m of msgs) await this.handle(m);
        await this.source.flush();
        failures = 0;
      } catch (err) {
        failures++;
        this.source.reset();
        this.logger.warn({ err: String(err), failures }, `${this.handler.what} consumer round failed; retrying`);
        await sleep(backoffDelayMs(failures, DELIVERY_BACKOFF), signal).catch(() => undefined);
      }
    }
  }

  /** One message: enqueue, then ack; invalid: term; failure: nak with a delay. */
  async handle(m: JsMsg): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(m.data));
    } catch {
      parsed = undefined;
    }
    const v = this.handler.validate(parsed);
    if (!v.ok) {
      this.handler.counter?.inc({ outcome: 'invalid' });
      this.logger.error({ subject: m.subject, seq: m.info.streamSequence, issues: v.issues }, `not a ${this.handler.what}; dropped`);
      m.term();
      return;
    }
    try {
      const outcomes = await this.handler.enqueue(v.value);
      for (const outcome of outcomes) this.handler.counter?.inc({ outcome });
      if (outcomes.includes('no_recipient'))
        this.logger.warn({ id: this.handler.idOf(v.value), subject: m.subject }, `${this.handler.what}: no recipient on a channel`);
      m.ack();
    } catch (err) {
      const delayMs = backoffDelayMs(Math.max(1, m.info.deliveryCount), DELIVERY_BACKOFF);
      this.logger.warn(
        { err: String(err), id: this.handler.idOf(v.value), delayMs },
        `${this.handler.what} not enqueued; redelivered later`,
      );
      m.nak(delayMs);
    }
  }
}
