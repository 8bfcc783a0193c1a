/** The relay in-process against the test Redis and JetStream (no mocks). */
import { requireEnv, uniqueId } from '@app/devstack';
import { createLogger, FakeClock } from '@app/observability';
import Redis from 'ioredis';
import { DiscardPolicy, NatsConnection, nanos, StorageType } from 'nats';
import { Registry } from 'prom-client';
import { createNatsConnection, drainNats } from '@app/runtime';
import { DUPLICATE_WINDOW_MS, outboxKey, slotBucketOf } from './outbox-names';
import { OutboxRelay, OutboxRelayOptions } from './outbox-relay';
import { leaseKey } from './relay-lease';
import { ensureStreams, RATED_AGE_MAX_MS, StreamNames, streamNamesFor } from './streams';
import {
  countByMsgId,
  deleteStreams,
  fillOutbox,
  outboxDepth,
  outboxEventIds,
  readStream,
  TEST_STREAM_LIMITS,
  waitFor,
} from './testing/outbox-fixtures';

const DRAIN_TIMEOUT_MS = 30_000;
const FAST = {
  ackTimeoutMs: 1_000,
  retryBackoffBaseMs: 20,
  retryBackoffMaxMs: 200,
  idleBlockMs: 100,
  idlePollMs: 20,
  metricsSampleMs: 100,
};

async function metric(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => !('le' in v.labels))?.value ?? NaN;
}

describe('OutboxRelay (integration)', () => {
  let redis: Redis;
  let nc: NatsConnection;
  let prefix: string;
  let names: StreamNames;
  let relays: OutboxRelay[];

  beforeEach(async () => {
    redis = new Redis(requireEnv('REDIS_URL'));
    nc = await createNatsConnection(requireEnv('NATS_URL'), 'relay-spec');
    prefix = `${uniqueId('r')}:`;
    names = streamNamesFor(uniqueId('s'));
    relays = [];
  });

  afterEach(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await deleteStreams(nc, [names.rated.name, names.notify.name]);
    await drainNats(nc);
    redis.disconnect();
  });

  function relay(over: Partial<OutboxRelayOptions> = {}, registry = new Registry(), clock = new FakeClock(Date.now())): OutboxRelay {
    const r = new OutboxRelay({
      redis,
      nc,
      registry,
      clock,
      logger: createLogger('relay-spec', 'silent'),
      redisPrefix: prefix,
      streams: names,
      streamLimits: TEST_STREAM_LIMITS,
      limits: FAST,
      ...over,
    });
    relays.push(r);
    return r;
  }

  it('creates both streams with file storage, the duplicate window and the limits, and updates limits later', async () => {
    const jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, { names, limits: TEST_STREAM_LIMITS });
    const rated = (await jsm.streams.info(names.rated.name)).config;
    expect(rated).toMatchObject({
      subjects: [`${names.rated.subjectRoot}.>`],
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(RATED_AGE_MAX_MS),
      max_bytes: TEST_STREAM_LIMITS.ratedMaxBytes,
    });
    expect((await jsm.streams.info(names.notify.name)).config.subjects).toEqual([`${names.notify.subjectRoot}.>`]);
    await ensureStreams(jsm, { names, limits: { ...TEST_STREAM_LIMITS, ratedMaxBytes: 128 * 1024 * 1024 } });
    expect((await jsm.streams.info(names.rated.name)).config.max_bytes).toBe(128 * 1024 * 1024);
  });

  it('publishes every entry once with Nats-Msg-Id, in bucket order, deletes it, and counts it', async () => {
    const filled = await fillOutbox(redis, 5_000, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 300, label: 'a' });
    const registry = new Registry();
    relay({}, registry).start();
    await waitFor('outbox drained', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    const stored = await readStream(nc, names.rated.name);
    expect(stored).toHaveLength(5_000);
    const byId = new Map(stored.map((m) => [m.msgId, m]));
    for (const f of filled) expect(byId.get(f.eventId)?.data).toBe(f.data);
    // Entries of one account (so of one bucket) keep their outbox order in the stream.
    const lastSeqOfAccount = new Map<string, number>();
    for (const m of stored) {
      const { accountId, seq } = JSON.parse(m.data) as { accountId: string; seq: number };
      expect(m.subject).toBe(`${names.rated.subjectRoot}.${accountId}`);
      expect(seq).toBeGreaterThan(lastSeqOfAccount.get(accountId) ?? -1);
      lastSeqOfAccount.set(accountId, seq);
    }
    expect(await metric(registry, 'ratel_relay_published_total')).toBe(5_000);
    expect(await metric(registry, 'ratel_relay_publish_errors_total')).toBe(0);
    await waitFor('depth gauge at 0', async () => (await metric(registry, 'ratel_outbox_depth')) === 0, 2_000);
  });

  it('moves a hot bucket a whole batch per round, not batchMax/256', async () => {
    await fillOutbox(redis, 3_000, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 1, label: 'hot' });
    const registry = new Registry();
    relay({ limits: { ...FAST, batchMax: 1_024, inflightMax: 256 } }, registry).start();
    await waitFor('outbox drained', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    const hist = (await registry.getSingleMetric('ratel_relay_batch_size')!.get()).values as Array<{ metricName?: string; value: number }>;
    const count = hist.find((v) => v.metricName === 'ratel_relay_batch_size_count')!.value;
    expect(count).toBeLessThanOrEqual(6); // 3,000 entries at most 1,024 a round, plus a little slack for rounds that raced the fill
    expect(hist.find((v) => v.metricName === 'ratel_relay_batch_size_sum')!.value).toBe(3_000);
  });

  it('at a trickle, lingers after a small batch so the next XREAD carries more entries', async () => {
    const registry = new Registry();
    const lingerMs = 1_000;
    relay({ limits: { ...FAST, lingerBelow: 64, lingerMs } }, registry).start();
    // 40 entries, one every 10 ms: read at once, every entry would be a batch of its own.
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) {
      await fillOutbox(redis, 1, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 1, label: `t${i}` });
      await new Promise((r) => setTimeout(r, 10));
    }
    const arrivalMs = Date.now() - t0;
    await waitFor('outbox drained', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    const hist = (await registry.getSingleMetric('ratel_relay_batch_size')!.get()).values as Array<{ metricName?: string; value: number }>;
    expect(hist.find((v) => v.metricName === 'ratel_relay_batch_size_sum')!.value).toBe(40);
    // Rounds are at least lingerMs apart, so the arrivals span at most one round per lingerMs plus the first and the
    // last; measured against the real span, a loaded machine (ci: writes slower than 10 ms apart) cannot fail it.
    const rounds = Math.ceil(arrivalMs / lingerMs) + 2;
    expect(hist.find((v) => v.metricName === 'ratel_relay_batch_size_count')!.value).toBeLessThanOrEqual(rounds);
    expect((await readStream(nc, names.rated.name)).length).toBe(40);
  });

  it('stops at once while lingering, with nothing left behind', async () => {
    relay({ limits: { ...FAST, lingerBelow: 64, lingerMs: 60_000 } }).start();
    await fillOutbox(redis, 3, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 1, label: 'stop' });
    await waitFor('outbox drained', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    const t0 = Date.now();
    await relays[0].stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await readStream(nc, names.rated.name)).length).toBe(3);
  });

  it('treats a duplicate PubAck as acknowledged: the entry is deleted, the stream keeps one copy', async () => {
    const filled = await fillOutbox(redis, 200, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 20, label: 'dup' });
    await ensureStreams(await nc.jetstreamManager(), { names, limits: TEST_STREAM_LIMITS });
    const js = nc.jetstream();
    for (const f of filled.slice(0, 50)) {
      const accountId = (JSON.parse(f.data) as { accountId: string }).accountId;
      await js.publish(`${names.rated.subjectRoot}.${accountId}`, Buffer.from(f.data), { msgID: f.eventId });
    }
    const registry = new Registry();
    relay({}, registry).start();
    await waitFor('outbox drained', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    const counts = countByMsgId(await readStream(nc, names.rated.name));
    expect(counts.size).toBe(200);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await metric(registry, 'ratel_relay_duplicate_acks_total')).toBe(50);
  });

  it('keeps entries it cannot publish, relays the rest of their bucket, and reports their age', async () => {
    const accountId = 'acct-poison';
    const key = outboxKey(prefix, slotBucketOf(accountId));
    const orphanId = await redis.xadd(
      key,
      '1700000000000-0',
      'id',
      'orphan',
      'subject',
      `${names.rated.subjectRoot}x.${accountId}`,
      'data',
      '{}',
    );
    await redis.xadd(key, '*', 'id', 'broken', 'subject', 'a.>', 'data', '{}');
    const good = await Promise.all(
      [1, 2, 3].map((i) =>
        redis.xadd(key, '*', 'id', `good${i}`, 'subject', `${names.rated.subjectRoot}.${accountId}`, 'data', `{"i":${i}}`),
      ),
    );
    expect(good).toHaveLength(3);
    const registry = new Registry();
    const clock = new FakeClock(1_700_000_042_000);
    relay({}, registry, clock).start();
    await waitFor('good entries relayed', async () => (await outboxDepth(redis, prefix)) === 2, DRAIN_TIMEOUT_MS);
    await waitFor('a few retries', async () => (await metric(registry, 'ratel_relay_publish_errors_total')) >= 6, DRAIN_TIMEOUT_MS);
    expect((await outboxEventIds(redis, prefix)).sort()).toEqual(['broken', 'orphan']);
    expect([...countByMsgId(await readStream(nc, names.rated.name)).keys()].sort()).toEqual(['good1', 'good2', 'good3']);
    expect(orphanId).toBe('1700000000000-0');
    // The orphan is the oldest entry from the first sample on, so wait for a sample taken after the
    // drain (depth 2), not just for the age: the two gauges of an earlier sample said depth 5.
    await waitFor('metrics sampled after the drain', async () => (await metric(registry, 'ratel_outbox_depth')) === 2, 2_000);
    expect(await metric(registry, 'ratel_outbox_oldest_age_seconds')).toBe(42);
    expect(await metric(registry, 'ratel_outbox_depth')).toBe(2);
  });

  it('keeps its lease by renewing it, and a standby never gets it meanwhile', async () => {
    const leaseMs = 600;
    const a = relay({ limits: { ...FAST, leaseMs } });
    const b = relay({ limits: { ...FAST, leaseMs } });
    a.start();
    await waitFor('a holds the lease', () => a.holdsLease(), 5_000);
    b.start();
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, leaseMs / 3));
      expect(a.holdsLease()).toBe(true);
      expect(b.holdsLease()).toBe(false);
    }
    const ttl = await redis.pttl(leaseKey(prefix));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(leaseMs);
  });

  it('publishes only while it holds the lease; stop() releases it so a standby takes over', async () => {
    const a = relay();
    const b = relay();
    a.start();
    await waitFor('a holds the lease', () => a.holdsLease(), 5_000);
    b.start();
    await fillOutbox(redis, 1_000, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 50, label: 'lease' });
    await waitFor('drained by a', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    expect(b.holdsLease()).toBe(false);
    await a.stop();
    // a released the lease: b takes it at its next attempt (a third of the 10 s lease), not after expiry.
    await waitFor('b takes over', () => b.holdsLease(), 5_000);
    await fillOutbox(redis, 500, { prefix, subjectRoot: names.rated.subjectRoot, accounts: 50, label: 'lease', from: 1_000 });
    await waitFor('drained by b', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    const counts = countByMsgId(await readStream(nc, names.rated.name));
    expect(counts.size).toBe(1_500);
    await b.stop();
    expect(await redis.get(leaseKey(prefix))).toBe(null);
  });
});
