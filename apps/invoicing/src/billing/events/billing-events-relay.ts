/**
 * The billing events' way out: the `billing_outbox` rows FINALIZE (and the notes) write in the
 * transaction of the change, published in order to the RATEL_BILLING stream by the shared
 * PgOutboxRelay (one relay at a time per table, each row once; @app/events/pg-outbox-relay), with
 * their backlog as metrics. Runs in the invoicing process that serves the billing API.
 */
import { BILLING_STREAM, BILLING_SUBJECTS, DUPLICATE_WINDOW_MS } from '@app/events';
import { PgOutboxRelay } from '@app/events/pg-outbox-relay';
import type { Logger } from '@app/observability';
import { DiscardPolicy, type JetStreamManager, nanos, type NatsConnection, RetentionPolicy, StorageType } from 'nats';
import type { Pool } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';

/** How long the stream keeps billing events: a consumer may replay a year of documents. */
export const BILLING_STREAM_MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000;

/** Creates the stream when it is missing (its subjects, retention and duplicate window); an existing one is left as it is. */
export async function ensureBillingStream(jsm: JetStreamManager, name = BILLING_STREAM, subjects = BILLING_SUBJECTS): Promise<void> {
  const exists = await jsm.streams.info(name).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await jsm.streams.add({
    name,
    subjects: [subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(BILLING_STREAM_MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
}

export async function startBillingEventsRelay(p: {
  pool: Pool;
  nats: NatsConnection;
  registry: Registry;
  logger: Logger;
  nowMs(): number;
}): Promise<PgOutboxRelay> {
  await ensureBillingStream(await p.nats.jetstreamManager());
  const relay = new PgOutboxRelay({ pool: p.pool, nats: p.nats, table: 'billing_outbox', logger: p.logger, nowMs: p.nowMs });
  let published = 0;
  const registers = [p.registry];
  new Gauge({
    name: 'ratel_billing_outbox_pending',
    help: 'Billing events written and not yet published (as of the relay’s last round; at most one batch)',
    registers,
    collect() {
      this.set(relay.snapshot.pending);
    },
  });
  new Gauge({
    name: 'ratel_billing_outbox_oldest_age_seconds',
    help: 'Age of the oldest billing event not yet published',
    registers,
    collect() {
      this.set(relay.snapshot.oldestPendingAgeMs / 1000);
    },
  });
  new Counter({
    name: 'ratel_billing_events_published_total',
    help: 'Billing events published to JetStream',
    registers,
    collect() {
      const now = relay.snapshot.published;
      this.inc(now - published);
      published = now;
    },
  });
  relay.start();
  return relay;
}
