/** Every bound of the outbox relay, with its unit. Each can be overridden per relay (tests, bench). */
import { backoffDelayMs } from '@app/runtime';

/** Most outbox entries read, published and deleted in one round. */
export const RELAY_BATCH_MAX = 4_096;
/** Most publishes awaiting their JetStream ack at any moment. */
export const RELAY_INFLIGHT_MAX = 1_024;
/** A publish not acknowledged within this time counts as failed (the entry stays and is retried). */
export const RELAY_ACK_TIMEOUT_MS = 5_000;
/** Retry delay after the first failure of a bucket; doubles per consecutive failure... */
export const RELAY_RETRY_BACKOFF_BASE_MS = 100;
/** ...up to this cap. Retries never stop: an event is never dropped (alert on oldest age instead). */
export const RELAY_RETRY_BACKOFF_MAX_MS = 5_000;
/** An XREAD over empty outboxes blocks at most this long before the relay looks around again. */
export const RELAY_IDLE_BLOCK_MS = 1_000;
/**
 * After a batch of fewer entries than this, the relay waits RELAY_LINGER_MS before it reads again
 * (and reads no batch ahead): an XREAD over every bucket costs Redis ~250 µs at 256 buckets
 * whatever it returns, so at a steady trickle reading at once would pay it for a handful of
 * entries. A backlog (full batches) is read back to back.
 */
export const RELAY_LINGER_BELOW = 256;
/** ...and how long it waits: the most publish latency this adds to an event. */
export const RELAY_LINGER_MS = 10;
/**
 * On a Redis Cluster an empty round (256 non-blocking XREADs, one per bucket slot) is followed by
 * this pause instead of a blocking read: the most publish latency idleness adds there, against
 * 256 XREADs per pause spread over the masters while nothing happens.
 */
export const RELAY_CLUSTER_IDLE_POLL_MS = 50;
/** Pause between attempts when there is nothing the relay may do (no lease, every bucket backing off). */
export const RELAY_IDLE_POLL_MS = 250;
/** Lifetime of the relay lease; a relay that dies holds it at most this long. */
export const RELAY_LEASE_MS = 10_000;
/** The holder renews the lease this often (a third of its lifetime: two renewals may fail). */
export const RELAY_LEASE_RENEW_FRACTION = 3;
/** How often ratel_outbox_depth and ratel_outbox_oldest_age_seconds are sampled. */
export const RELAY_METRICS_SAMPLE_MS = 5_000;
/** Longest wait for the publishes in hand when the relay stops (acks are bounded by the ack timeout). */
export const RELAY_STOP_TIMEOUT_MS = RELAY_ACK_TIMEOUT_MS + 5_000;

export interface RelayLimits {
  batchMax: number;
  inflightMax: number;
  ackTimeoutMs: number;
  retryBackoffBaseMs: number;
  retryBackoffMaxMs: number;
  idleBlockMs: number;
  lingerBelow: number;
  lingerMs: number;
  clusterIdlePollMs: number;
  idlePollMs: number;
  leaseMs: number;
  metricsSampleMs: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  batchMax: RELAY_BATCH_MAX,
  inflightMax: RELAY_INFLIGHT_MAX,
  ackTimeoutMs: RELAY_ACK_TIMEOUT_MS,
  retryBackoffBaseMs: RELAY_RETRY_BACKOFF_BASE_MS,
  retryBackoffMaxMs: RELAY_RETRY_BACKOFF_MAX_MS,
  idleBlockMs: RELAY_IDLE_BLOCK_MS,
  lingerBelow: RELAY_LINGER_BELOW,
  lingerMs: RELAY_LINGER_MS,
  clusterIdlePollMs: RELAY_CLUSTER_IDLE_POLL_MS,
  idlePollMs: RELAY_IDLE_POLL_MS,
  leaseMs: RELAY_LEASE_MS,
  metricsSampleMs: RELAY_METRICS_SAMPLE_MS,
};

/** Delay before retry number `failures` (1 = first retry): capped exponential, no jitter (one relay, nothing to de-synchronise). */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number): number {
  return failures <= 0 ? 0 : backoffDelayMs(failures, { initialMs: baseMs, maxMs });
}

/** Checks a set of limits; a bad one is a programmer error. */
export function assertRelayLimits(l: RelayLimits): void {
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`relay limit ${k} must be a positive integer, got ${v}`);
  }
  if (l.inflightMax > l.batchMax) throw new Error('relay limit inflightMax must not exceed batchMax');
  if (l.lingerBelow > l.batchMax) throw new Error('relay limit lingerBelow must not exceed batchMax');
  if (l.leaseMs < 3 * RELAY_LEASE_RENEW_FRACTION) throw new Error('relay limit leaseMs too small');
}
