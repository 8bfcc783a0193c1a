/**
 * The billing events' way out: the `billing_outbox` rows FINALIZE (and the notes) write in the
 * transaction of the change, published in order to the RATEL_BILLING stream by the shared
 * PgOutboxRelay (one relay at a time per table, each row once; @app/events/pg-outbox-relay), with
 * their backlog as metrics (`ratel_billing_outbox_pending`, `..._oldest_age_seconds`,
 * `ratel_billing_events_published_total`: @app/events/outbox-stream). The stream keeps a year of
 * documents (EVENT_STREAM_MAX_AGE_MS). Runs in the invoicing process that serves the billing API.
 */
import { BILLING_STREAM, BILLING_SUBJECTS } from '@app/events';
import { startOutboxStream } from '@app/events/outbox-stream';
import type { PgOutboxRelay } from '@app/events/pg-outbox-relay';
import type { Logger } from '@app/observability';
import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';

export async function startBillingEventsRelay(p: {
  pool: Pool;
  nats: NatsConnection;
  registry: Registry;
  logger: Logger;
  nowMs(): number;
}): Promise<PgOutboxRelay> {
  return startOutboxStream({
    ...p,
    name: 'billing',
    table: 'billing_outbox',
    stream: { name: BILLING_STREAM, subjects: BILLING_SUBJECTS },
  });
}
