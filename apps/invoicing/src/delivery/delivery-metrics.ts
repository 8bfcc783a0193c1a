/** Prometheus metrics of delivery (prom-client), on the process registry; labels are channel and outcome/status. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DeliveryMetrics {
  /** Attempts by channel and outcome: sent, retry, failed, bounced. */
  attempts: Counter<'channel' | 'outcome'>;
  /** Attempts of a row found maybe sent by a worker that died (sending recorded, no outcome). */
  inDoubt: Counter<'channel'>;
  sendSeconds: Histogram<'channel'>;
  /** Rows per channel and status, refreshed by the worker. */
  deliveries: Gauge<'channel' | 'status'>;
  /** Notifications read from RATEL_NOTIFY by outcome: enqueued, duplicate, no_recipient, invalid. */
  notifications: Counter<'outcome'>;
  dunningNotices: Counter<'outcome'>;
}

export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const registers = [registry];
  return {
    attempts: new Counter({
      name: 'ratel_delivery_attempts_total',
      help: 'Delivery attempts by channel and outcome (sent, retry, failed, bounced)',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    inDoubt: new Counter({
      name: 'ratel_delivery_in_doubt_total',
      help: 'Attempts of deliveries whose previous attempt was recorded as sending by a worker that died before its outcome',
      labelNames: ['channel'],
      registers,
    }),
    sendSeconds: new Histogram({
      name: 'ratel_delivery_send_duration_seconds',
      help: 'Duration of one provider call (SMTP session, gateway request)',
      labelNames: ['channel'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
    deliveries: new Gauge({
      name: 'ratel_deliveries',
      help: 'Deliveries by channel and status',
      labelNames: ['channel', 'status'],
      registers,
    }),
    notifications: new Counter({
      name: 'ratel_delivery_notifications_total',
      help: 'Balance notifications read by the delivery consumer, by outcome (enqueued, duplicate, no_recipient, invalid)',
      labelNames: ['outcome'],
      registers,
    }),
    dunningNotices: new Counter({
      name: 'ratel_delivery_dunning_notices_total',
      help: 'Dunning notices read from collections events, by outcome (enqueued, duplicate, no_recipient, invalid)',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
