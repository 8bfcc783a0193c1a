/**
 * An app's outbox relayed to its own JetStream stream, as a process runs it: the stream created when
 * missing (its subjects, file storage, retention, duplicate window), a PgOutboxRelay on the app's
 * outbox table, and the backlog as metrics (OUTBOX_STREAM_METRICS: `ratel_<name>_outbox_pending`,
 * `ratel_<name>_outbox_oldest_age_seconds`, `ratel_<name>_events_published_total`). Invoicing runs it
 * for billing_outbox, collections for collections_outbox.
 */
import { DiscardPolicy, type JetStreamManager, nanos, type NatsConnection, RetentionPolicy, StorageType } from 'nats';
import type { Pool } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '@app/observability';
import { PgOutboxRelay } from './pg-outbox-relay';
import { DUPLICATE_WINDOW_MS } from './subjects';

/** How long an app's event stream keeps its events by default: a consumer may replay a year. */
export const EVENT_STREAM_MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000;

export interface EventStream {
  name: string;
  subjects: string;
  maxAgeMs?: number;
}

/** Creates the stream when it is missing; an existing one is left as it is. */
export async function ensureEventStream(jsm: JetStreamManager, s: EventStream): Promise<void> {
  const exists = await jsm.streams.info(s.name).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await jsm.streams.add({
    name: s.name,
    subjects: [s.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(s.maxAgeMs ?? EVENT_STREAM_MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
}

/**
 * Each app outbox's metric names, spelled out: the alert rules in k8s/monitoring name them, and
 * monitoring.spec checks every name a rule uses against the names written in the code.
 */
export const OUTBOX_STREAM_METRICS = {
  billing: {
    pending: 'ratel_billing_outbox_pending',
    oldestAge: 'ratel_billing_outbox_oldest_age_seconds',
    published: 'ratel_billing_events_published_total',
  },
  collections: {
    pending: 'ratel_collections_outbox_pending',
    oldestAge: 'ratel_collections_outbox_oldest_age_seconds',
    published: 'ratel_collections_events_published_total',
  },
} as const;

export type OutboxStreamName = keyof typeof OUTBOX_STREAM_METRICS;

export async function startOutboxStream(p: {
  /** Whose outbox: its metric names (OUTBOX_STREAM_METRICS). */
  name: OutboxStreamName;
  table: string;
  stream: EventStream;
  pool: Pool;
  nats: NatsConnection;
  registry: Registry;
  logger: Logger;
  nowMs(): number;
  /** Outbox rows read per round (PgOutboxRelay's batchMax; default OUTBOX_BATCH_MAX): fewer for an outbox whose rows hold many events. */
  rowsPerRound?: number;
}): Promise<PgOutboxRelay> {
  await ensureEventStream(await p.nats.jetstreamManager(), p.stream);
  const relay = new PgOutboxRelay({
    pool: p.pool,
    nats: p.nats,
    table: p.table,
    logger: p.logger,
    nowMs: p.nowMs,
    ...(p.rowsPerRound === undefined ? {} : { batchMax: p.rowsPerRound }),
  });
  let published = 0;
  const registers = [p.registry];
  const names = OUTBOX_STREAM_METRICS[p.name];
  new Gauge({
    name: names.pending,
    help: `${p.name} events written and not yet published (as of the relay’s last round; at most one batch)`,
    registers,
    collect() {
      this.set(relay.snapshot.pending);
    },
  });
  new Gauge({
    name: names.oldestAge,
    help: `Age of the oldest ${p.name} event not yet published`,
    registers,
    collect() {
      this.set(relay.snapshot.oldestPendingAgeMs / 1000);
    },
  });
  new Counter({
    name: names.published,
    help: `${p.name} events published to JetStream`,
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
