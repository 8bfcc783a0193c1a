/** Prometheus metrics of the outbox relay, registered once per registry. */
import { perKeyBatch, type RedisClient } from '@app/keyspace';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface RelayMetrics {
  depth: Gauge;
  oldestAgeSeconds: Gauge;
  published: Counter;
  duplicates: Counter;
  publishErrors: Counter;
  batchSize: Histogram;
}

/** Batch-size histogram buckets, up to RELAY_BATCH_MAX. */
const BATCH_SIZE_BUCKETS = [1, 4, 16, 64, 256, 1024, 2048, 4096, 8192];

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  // prom-client refuses a second metric of one name; relays sharing a registry share the metrics.
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function relayMetrics(registry: Registry): RelayMetrics {
  const registers = [registry];
  return {
    depth: getOrCreate(
      registry,
      'ratel_outbox_depth',
      () =>
        new Gauge({
          name: 'ratel_outbox_depth',
          help: 'Entries in all bucket outboxes (sum of XLEN), sampled periodically',
          registers,
        }),
    ),
    oldestAgeSeconds: getOrCreate(
      registry,
      'ratel_outbox_oldest_age_seconds',
      () =>
        new Gauge({
          name: 'ratel_outbox_oldest_age_seconds',
          help: 'Age of the oldest outbox entry (from its stream ID), 0 when all outboxes are empty',
          registers,
        }),
    ),
    published: getOrCreate(
      registry,
      'ratel_relay_published_total',
      () =>
        new Counter({
          name: 'ratel_relay_published_total',
          help: 'Outbox entries acknowledged by JetStream and deleted from the outbox',
          registers,
        }),
    ),
    duplicates: getOrCreate(
      registry,
      'ratel_relay_duplicate_acks_total',
      () =>
        new Counter({
          name: 'ratel_relay_duplicate_acks_total',
          help: 'Publishes JetStream acknowledged as duplicates (a retry or an overlapping relay)',
          registers,
        }),
    ),
    publishErrors: getOrCreate(
      registry,
      'ratel_relay_publish_errors_total',
      () =>
        new Counter({
          name: 'ratel_relay_publish_errors_total',
          help: 'Outbox entries that failed to publish (kept and retried)',
          registers,
        }),
    ),
    batchSize: getOrCreate(
      registry,
      'ratel_relay_batch_size',
      () =>
        new Histogram({
          name: 'ratel_relay_batch_size',
          help: 'Outbox entries read per relay round',
          buckets: BATCH_SIZE_BUCKETS,
          registers,
        }),
    ),
  };
}

/** Milliseconds part of a stream entry ID `<ms>-<seq>`. */
export function entryIdMs(id: string): number {
  const ms = Number(id.slice(0, id.indexOf('-')));
  if (!Number.isSafeInteger(ms)) throw new Error(`not a stream entry ID: ${id}`);
  return ms;
}

export interface OutboxSample {
  depth: number;
  /** Milliseconds part of the oldest entry ID, undefined when all outboxes are empty. */
  oldestIdMs?: number;
}

/** Sum of XLEN and the oldest first-entry ID over all outbox keys (one pipeline; one per key on a cluster). */
export async function sampleOutboxes(redis: RedisClient, keys: readonly string[]): Promise<OutboxSample> {
  const results = await perKeyBatch(redis, keys, (p, k) => p.xlen(k).xrange(k, '-', '+', 'COUNT', 1));
  let depth = 0;
  let oldestIdMs: number | undefined;
  for (let i = 0; i < results.length; i += 2) {
    const [lenErr, len] = results[i];
    const [rangeErr, first] = results[i + 1];
    if (lenErr || rangeErr) throw lenErr ?? rangeErr;
    depth += len as number;
    const items = first as Array<[string, string[]]>;
    if (items.length > 0) oldestIdMs = Math.min(oldestIdMs ?? Number.POSITIVE_INFINITY, entryIdMs(items[0][0]));
  }
  return { depth, oldestIdMs };
}
