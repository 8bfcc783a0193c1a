/**
 * Reads RATEL_NOTIFY with a JetStream durable pull consumer and turns each notification into one
 * delivery (EnqueueNotificationDelivery). A message is acknowledged only after its delivery row is
 * committed (or found): a consumer killed in between gets the message again and finds the row, so
 * each notification is delivered once. A message that is not a valid notification is terminated
 * (never redelivered) and counted; a database failure naks the message with the shared back-off.
 */
import type { Logger } from '@app/observability';
import { validateNotification } from '@app/events';
import { backoffDelayMs, sleep } from '@app/runtime';
import type { JsMsg } from 'nats';
import { JetStreamSource } from '../ingest/jetstream-source';
import { DELIVERY_BACKOFF } from './delivery-worker';
import type { DeliveryMetrics } from './delivery-metrics';
import type { EnqueueNotificationDelivery } from './enqueue-notification-delivery.usecase';

/** Messages fetched per round, and how long a fetch waits for them. */
export const NOTIFY_FETCH_BATCH_MAX = 50;
export const NOTIFY_FETCH_WAIT_MS = 1_000;

export class NotificationConsumer {
  constructor(
    private readonly source: JetStreamSource,
    private readonly enqueue: EnqueueNotificationDelivery,
    private readonly logger: Logger,
    private readonly metrics?: DeliveryMetrics,
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
        this.logger.warn({ err: String(err), failures }, 'notification consumer round failed; retrying');
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
    const v = validateNotification(parsed);
    if (!v.ok) {
      this.metrics?.notifications.inc({ outcome: 'invalid' });
      this.logger.error({ subject: m.subject, seq: m.info.streamSequence, issues: v.issues }, 'not a notification; dropped');
      m.term();
      return;
    }
    try {
      const outcome = await this.enqueue.execute(v.value);
      this.metrics?.notifications.inc({ outcome });
      if (outcome === 'no_recipient')
        this.logger.warn({ accountId: v.value.accountId, eventId: v.value.eventId }, 'no prepaid subscriber to notify');
      m.ack();
    } catch (err) {
      const delayMs = backoffDelayMs(Math.max(1, m.info.deliveryCount), DELIVERY_BACKOFF);
      this.logger.warn({ err: String(err), eventId: v.value.eventId, delayMs }, 'notification not enqueued; redelivered later');
      m.nak(delayMs);
    }
  }
}
