/**
 * The outbox relay: moves rated events and notifications from the bucket outboxes in Redis
 * (`P{b:N}:outbox`, written by the balance engine in the same script as the balance change) to
 * JetStream, so that every event reaches its stream exactly once (architecture invariant 3).
 *
 * One round: read up to `batchMax` entries from the start of every readable outbox, publish them
 * all with Nats-Msg-Id = event id (`inflightMax` awaiting acks at a time), XDEL exactly those
 * JetStream acknowledged (a duplicate ack included), back off the buckets whose entries failed.
 * A crash anywhere leaves unacknowledged entries in the outbox; the next relay publishes them
 * again and JetStream drops the repeats within its duplicate window. See README "Outbox relay".
 *
 * Usable standalone (relay-main.ts) or through OutboxModule. The relay does not own the Redis
 * command connection nor the NATS connection it is given; it owns a duplicate of the Redis
 * connection for its blocking reads.
 */
import { duplicateClient, perKeyBatch, type RedisClient } from '@app/keyspace';
import type { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { Clock, Logger } from '@app/observability';
import { Waker } from '@app/runtime';
import { BucketBackoff } from './bucket-backoff';
import { JetStreamPublisher, PublishResult } from './jetstream-publisher';
import { ACCOUNT_SLOT_BUCKETS, outboxKey } from './outbox-names';
import { OutboxEntry, OutboxReader } from './outbox-reader';
import { leaseKey, RelayLease } from './relay-lease';
import { assertRelayLimits, DEFAULT_RELAY_LIMITS, RELAY_LEASE_RENEW_FRACTION, RelayLimits, retryDelayMs } from './relay-limits';
import { RelayMetrics, relayMetrics, sampleOutboxes } from './relay-metrics';
import { ensureStreams, StreamLimits, StreamNames, streamNamesFor } from './streams';

export interface OutboxRelayOptions {
  /** Command connection (XDEL, lease, metrics). Not closed by the relay. */
  redis: RedisClient;
  /** Not closed by the relay. Connect it with unlimited reconnects (see createNatsConnection). */
  nc: NatsConnection;
  registry: Registry;
  logger: Logger;
  clock: Clock;
  /** RATEL_REDIS_PREFIX. */
  redisPrefix: string;
  /** Streams to create or update at start; default the production names. */
  streams?: StreamNames;
  streamLimits?: Partial<StreamLimits>;
  limits?: Partial<RelayLimits>;
}

export class OutboxRelay {
  readonly limits: RelayLimits;
  private readonly keys: string[];
  private readonly lease: RelayLease;
  private readonly backoff: BucketBackoff;
  /**
   * Counted on a registry of its own until start(), then on the process's: a process that never runs
   * the relay (a gateway pod with RATEL_RELAY_ENABLED=false) exports no outbox gauges stuck at 0, which
   * would hide the relay's real figures in an alert's max() or avg() across pods.
   */
  private metrics: RelayMetrics;
  private readonly log: Logger;
  private reader?: OutboxReader;
  private publisher?: JetStreamPublisher;
  private loopDone?: Promise<void>;
  private stopDone?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private reading = false;
  private streamsReady = false;
  private errorStreak = 0;
  /** Cuts pause() short on stop() or on taking the lease. */
  private readonly waker = new Waker();
  /** The next batch, read while the current one was being published (see relayBatch). */
  private readAhead?: Promise<OutboxEntry[]>;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.limits = { ...DEFAULT_RELAY_LIMITS, ...opts.limits };
    assertRelayLimits(this.limits);
    this.keys = Array.from({ length: ACCOUNT_SLOT_BUCKETS }, (_, b) => outboxKey(opts.redisPrefix, b));
    this.lease = new RelayLease(opts.redis, leaseKey(opts.redisPrefix), this.limits.leaseMs);
    this.backoff = new BucketBackoff(ACCOUNT_SLOT_BUCKETS, this.limits.retryBackoffBaseMs, this.limits.retryBackoffMaxMs);
    this.metrics = relayMetrics(new Registry());
    this.log = opts.logger.child({ component: 'outbox-relay' });
  }

  get running(): boolean {
    return this.loopDone !== undefined && !this.stopping;
  }

  /** True while this relay holds the lease (it is the one publishing). */
  holdsLease(): boolean {
    return this.lease.held();
  }

  /** Starts relaying in the background; returns at once (streams are ensured by the loop, with retries). */
  start(): void {
    if (this.loopDone) throw new Error('OutboxRelay already started');
    this.metrics = relayMetrics(this.opts.registry);
    this.reader = new OutboxReader(duplicateClient(this.opts.redis), this.keys, this.limits.batchMax);
    this.publisher = new JetStreamPublisher(this.opts.nc, { inflightMax: this.limits.inflightMax, ackTimeoutMs: this.limits.ackTimeoutMs });
    this.every(Math.floor(this.limits.leaseMs / RELAY_LEASE_RENEW_FRACTION), () => this.renewLease());
    this.every(this.limits.metricsSampleMs, () => this.sampleMetrics());
    void this.renewLease();
    void this.sampleMetrics();
    this.loopDone = this.loop();
    this.log.info({ leaseToken: this.lease.token, limits: this.limits }, 'outbox relay started');
  }

  /**
   * Graceful stop (the flush): no new reads; the batch in hand is published, its acks awaited
   * (bounded by the ack timeout) and the acknowledged entries deleted; then the lease is released.
   */
  stop(): Promise<void> {
    if (!this.loopDone) return Promise.resolve();
    this.stopDone ??= this.flushAndStop();
    return this.stopDone;
  }

  private async flushAndStop(): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    // A read still in flight has nothing in hand yet: cut it short instead of waiting out BLOCK.
    if (this.reading) this.reader?.redis.disconnect();
    await this.loopDone;
    for (const t of this.timers) clearInterval(t);
    this.publisher?.close();
    this.reader?.redis.disconnect();
    await this.lease.release().catch((err: unknown) => this.log.warn({ err }, 'lease release failed; it expires by itself'));
    this.log.info('outbox relay stopped');
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => void fn(), ms);
    t.unref();
    this.timers.push(t);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.round();
        this.errorStreak = 0;
      } catch (err) {
        if (this.stopping) break;
        this.errorStreak++;
        const delay = retryDelayMs(this.errorStreak, this.limits.retryBackoffBaseMs, this.limits.retryBackoffMaxMs);
        this.log.warn({ err, delayMs: delay }, 'relay round failed; retrying');
        await this.pause(delay);
      }
    }
  }

  /** One round: wait for something to do, or read a batch and relay it. */
  private async round(): Promise<void> {
    // A read-ahead is used only by the round right after its batch; any pause drops it.
    const ahead = this.readAhead;
    this.readAhead = undefined;
    if (!this.lease.held() || !this.publisher!.connected) return this.pause(this.limits.idlePollMs);
    if (!this.streamsReady) await this.ensureStreams();
    const now = performance.now();
    const buckets = this.backoff.readable(now);
    const nextReadyMs = this.backoff.nextReadyInMs(now);
    if (buckets.length === 0) return this.pause(Math.min(this.limits.idlePollMs, nextReadyMs));
    let entries = ahead ? await ahead : [];
    let blockMs = 0;
    if (entries.length === 0) {
      if (this.stopping) return; // checked in the same tick as the read starts: stop() sees `reading`
      blockMs = Math.max(1, Math.min(this.limits.idleBlockMs, Math.ceil(nextReadyMs)));
      this.reading = true;
      try {
        entries = await this.reader!.read(buckets, blockMs);
      } finally {
        this.reading = false;
      }
    }
    if (entries.length === 0) {
      // A cluster cannot block on 256 slots at once: its empty reads come back at once.
      if (this.reader!.pollsWhenIdle) await this.pause(Math.min(this.limits.clusterIdlePollMs, blockMs));
      return;
    }
    // A small batch: no read-ahead; the outboxes fill a little before the next XREAD over every bucket.
    const linger = entries.length < this.limits.lingerBelow;
    await this.relayBatch(entries, buckets, !linger);
    if (linger) await this.pause(this.limits.lingerMs);
  }

  /**
   * Publishes a batch, deletes what JetStream acknowledged, backs off buckets with failures.
   * While the batch is out and `readAhead` says so, the next one is read from after the entries in hand (Redis works
   * while NATS does); its entries of buckets that fail here are dropped, to be read again from
   * the start after the bucket's delay.
   */
  private async relayBatch(entries: readonly OutboxEntry[], buckets: readonly number[], readAhead: boolean): Promise<void> {
    this.metrics.batchSize.observe(entries.length);
    const publishable = entries.filter((e) => e.message !== undefined);
    const publishing = this.publisher!.publishAll(publishable.map((e) => e.message!));
    const ahead = this.stopping || !readAhead ? undefined : this.readNext(entries, buckets);
    const results = await publishing;
    const outcome = new Map<OutboxEntry, PublishResult>(publishable.map((e, i) => [e, results[i]]));
    const acked: OutboxEntry[] = [];
    const failedBuckets = new Set<number>();
    let duplicates = 0;
    let firstError: { entry: OutboxEntry; error: string } | undefined;
    for (const e of entries) {
      const r: PublishResult = outcome.get(e) ?? { ok: false, error: `malformed outbox entry: ${e.malformed}` };
      if (r.ok) {
        acked.push(e);
        if (r.duplicate) duplicates++;
      } else {
        failedBuckets.add(e.bucket);
        firstError ??= { entry: e, error: r.error };
        if (r.error.startsWith('no responders')) this.streamsReady = false; // re-ensure before the retry
      }
    }
    await this.deleteEntries(acked);
    this.metrics.published.inc(acked.length);
    this.metrics.duplicates.inc(duplicates);
    const failed = entries.length - acked.length;
    if (failed > 0) this.metrics.publishErrors.inc(failed);
    this.updateBackoff(entries, failedBuckets, failed, firstError);
    if (ahead) this.readAhead = ahead.then((next) => next.filter((e) => !failedBuckets.has(e.bucket)));
  }

  /** Reads the batch after `entries` without blocking; a failed read-ahead is just not used. */
  private readNext(entries: readonly OutboxEntry[], buckets: readonly number[]): Promise<OutboxEntry[]> {
    const after = new Map<number, string>();
    for (const e of entries) after.set(e.bucket, e.streamId); // entries are in stream order per bucket
    return this.reader!.read(buckets, 0, after).catch((err: unknown) => {
      this.log.debug({ err }, 'read-ahead failed; reading from the start next round');
      return [];
    });
  }

  private updateBackoff(
    entries: readonly OutboxEntry[],
    failedBuckets: Set<number>,
    failed: number,
    first?: { entry: OutboxEntry; error: string },
  ): void {
    const now = performance.now();
    let delayMs = 0;
    for (const b of new Set(entries.map((e) => e.bucket))) {
      if (failedBuckets.has(b)) delayMs = Math.max(delayMs, this.backoff.failed(b, now));
      else this.backoff.succeeded(b);
    }
    if (first) {
      const { entry, error } = first;
      this.log.warn(
        {
          failed,
          buckets: failedBuckets.size,
          retryInMs: delayMs,
          key: entry.key,
          streamId: entry.streamId,
          eventId: entry.message?.eventId,
          error,
        },
        'outbox entries not published; kept for retry',
      );
    }
  }

  /** XDEL of acknowledged entries, one command per bucket, one round trip (one per bucket on a cluster). */
  private async deleteEntries(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byKey = new Map<string, string[]>();
    for (const e of entries) {
      const ids = byKey.get(e.key);
      if (ids) ids.push(e.streamId);
      else byKey.set(e.key, [e.streamId]);
    }
    // If this fails the entries stay: they are published again and acknowledged as duplicates.
    for (const [err] of await perKeyBatch(this.opts.redis, [...byKey.keys()], (p, key) => p.xdel(key, ...byKey.get(key)!)))
      if (err) throw err;
  }

  private async ensureStreams(): Promise<void> {
    const jsm = await this.opts.nc.jetstreamManager();
    await ensureStreams(jsm, { names: this.opts.streams ?? streamNamesFor(), limits: this.opts.streamLimits });
    this.streamsReady = true;
  }

  private async renewLease(): Promise<void> {
    if (this.stopping) return;
    const wasHeld = this.lease.held();
    try {
      const held = await this.lease.acquireOrRenew();
      if (held && !wasHeld) {
        this.log.info({ leaseToken: this.lease.token }, 'relay lease taken: this relay publishes');
        this.waker.wake();
      } else if (!held && wasHeld) {
        this.log.warn('relay lease lost: another relay publishes');
      }
    } catch (err) {
      this.log.warn({ err }, 'relay lease renewal failed');
    }
  }

  private async sampleMetrics(): Promise<void> {
    try {
      const s = await sampleOutboxes(this.opts.redis, this.keys);
      this.metrics.depth.set(s.depth);
      const ageMs = s.oldestIdMs === undefined ? 0 : Math.max(0, this.opts.clock.nowMs() - s.oldestIdMs);
      this.metrics.oldestAgeSeconds.set(ageMs / 1000);
    } catch (err) {
      this.log.warn({ err }, 'outbox metrics sample failed');
    }
  }

  /** Sleeps `ms`, cut short by stop() or by taking the lease. */
  private pause(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return this.waker.sleep(ms);
  }
}
