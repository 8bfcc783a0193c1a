/**
 * The outbox relay end to end: relay-main.ts as a child process (in-process where its metrics are
 * read), the real balance engine writing the outbox (top-ups, debits, low-balance notifications),
 * real Redis, and a nats-server of each test's own, so the production stream names and subjects
 * the engine writes can be used without touching other specs' streams.
 * Invariant 3: every event reaches its stream exactly once, whatever happens to the relay or to
 * NATS, and an outbox entry is deleted only once its event is stored.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { notifySubject, parseNotification, parseRatedEvent, ratedSubject } from '@app/events';
import { freePort, requireEnv, startNats, StartedServer, uniqueId } from '@app/devstack';
import { createLogger, systemClock } from '@app/observability';
import Redis from 'ioredis';
import type { NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { RedisBalanceEngine } from '../src/balance/redis-balance-engine';
import { createNatsConnection, drainNats } from '@app/runtime';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { leaseKey } from '../src/outbox/relay-lease';
import { streamNamesFor } from '../src/outbox/streams';
import {
  EngineRequest,
  engineTraffic,
  openAccounts,
  outboxDepth,
  outboxEntriesAdded,
  outboxEventIds,
  readStream,
  StoredMessage,
  TEST_STREAM_LIMITS,
  waitFor,
} from '../src/outbox/testing/outbox-fixtures';

const REPO_ROOT = resolve(__dirname, '../../..');
const DRAIN_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 30_000;
/** Short lease so a SIGKILLed relay's successor starts within a second. */
const CHILD_LEASE_MS = 1_000;
const CHILD_OUTPUT_MAX_CHARS = 20_000;
/** Production names: each test has a nats-server of its own. */
const STREAMS = streamNamesFor();

/** Deterministic random numbers (mulberry32) so a failing run can be replayed with its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RelayChild {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: RelayChild[] = [];

function spawnRelay(redisPrefix: string, natsUrl: string): RelayChild {
  const proc = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/relay-main.ts'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        REDIS_URL: requireEnv('REDIS_URL'),
        NATS_URL: natsUrl,
        RATEL_REDIS_PREFIX: redisPrefix,
        RATEL_RELAY_LEASE_MS: String(CHILD_LEASE_MS),
        RATEL_RATED_MAX_BYTES: String(TEST_STREAM_LIMITS.ratedMaxBytes),
        RATEL_NOTIFY_MAX_BYTES: String(TEST_STREAM_LIMITS.notifyMaxBytes),
        RATEL_LOG_LEVEL: 'warn',
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
    },
  );
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-CHILD_OUTPUT_MAX_CHARS));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal })),
  );
  const child = { proc, output: () => out, exited };
  children.push(child);
  return child;
}

async function waitExit(c: RelayChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`relay ${c.proc.pid} did not exit:\n${c.output()}`)), EXIT_TIMEOUT_MS).unref(),
  );
  return Promise.race([c.exited, timeout]);
}

async function storedCount(nc: NatsConnection): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const count = (name: string) =>
    jsm.streams.info(name).then(
      (i) => i.state.messages,
      () => 0,
    );
  return (await count(STREAMS.rated.name)) + (await count(STREAMS.notify.name));
}

/** Both streams, every message checked against its schema, Nats-Msg-Id = eventId, subject = the account's. */
async function readJournal(
  nc: NatsConnection,
): Promise<{ messages: StoredMessage[]; eventIds: string[]; requestKeys: string[]; notifications: number }> {
  const rated = await readStream(nc, STREAMS.rated.name);
  const notify = await readStream(nc, STREAMS.notify.name).catch(() => []);
  const eventIds: string[] = [];
  const requestKeys: string[] = [];
  const wrong: string[] = [];
  for (const m of rated) {
    const e = parseRatedEvent(JSON.parse(m.data));
    eventIds.push(e.eventId);
    if (e.reason !== 'INITIAL_BALANCE') requestKeys.push(`${e.type}|${e.accountId}|${e.requestId}`);
    if (m.msgId !== e.eventId || m.subject !== ratedSubject(e.accountId)) wrong.push(`${m.seq}`);
  }
  for (const m of notify) {
    const n = parseNotification(JSON.parse(m.data));
    eventIds.push(n.eventId);
    if (m.msgId !== n.eventId || m.subject !== notifySubject(n.accountId)) wrong.push(`${m.seq}`);
  }
  expect(wrong).toEqual([]);
  return { messages: [...rated, ...notify], eventIds, requestKeys, notifications: notify.length };
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

/**
 * Exactly once: no event id twice, as many stored as the engine ever wrote to the outboxes
 * (so none missing: the relay publishes nothing else), every accepted request's event there once,
 * and the outboxes empty.
 */
async function expectExactlyOnce(nc: NatsConnection, redis: Redis, prefix: string, requests: readonly EngineRequest[]): Promise<void> {
  const journal = await readJournal(nc);
  const written = await outboxEntriesAdded(redis, prefix);
  const stored = new Set(journal.requestKeys);
  const accepted = requests.filter((r) => r.ok).map((r) => `${r.kind}|${r.accountId}|${r.requestId}`);
  expect({
    doubledEvents: duplicates(journal.eventIds).length,
    stored: journal.eventIds.length,
    missingRequests: accepted.filter((k) => !stored.has(k)).length,
    leftInOutbox: await outboxDepth(redis, prefix),
  }).toEqual({ doubledEvents: 0, stored: written, missingRequests: 0, leftInOutbox: 0 });
  expect(journal.notifications).toBeGreaterThan(0); // both streams were exercised
}

describe('outbox relay end to end', () => {
  let dir: string;
  let natsPort: number;
  let nats: StartedServer;
  let redis: Redis;
  let nc: NatsConnection;
  let engine: RedisBalanceEngine;
  let prefix: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-e2e-'));
    natsPort = await freePort();
    nats = await startNats({ dir, port: natsPort });
    nc = await createNatsConnection(nats.url, 'outbox-e2e');
    redis = new Redis(requireEnv('REDIS_URL'));
    prefix = `${uniqueId('e2e')}:`;
    engine = new RedisBalanceEngine(redis, { prefix });
  });

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await drainNats(nc);
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1_000 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
    redis.disconnect();
  });

  it('delivers every event exactly once although the relay is SIGKILLed again and again while the engine keeps writing', async () => {
    const seed = Number(process.env.RELAY_E2E_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const total = 20_000;
    const accounts = await openAccounts(engine, 'kill', 1_000);
    const requests = await engineTraffic(engine, accounts, 'kill', 0, 4_000);
    let writerDone = false;
    const writer = (async () => {
      for (let from = 4_000; from < total; from += 250) {
        requests.push(...(await engineTraffic(engine, accounts, 'kill', from, 250)));
        await new Promise((r) => setTimeout(r, 100));
      }
      writerDone = true;
    })();
    const depthAtKills: number[] = [];
    for (let i = 0; i < 6; i++) {
      const relay = spawnRelay(prefix, nats.url);
      const before = await storedCount(nc);
      const progress = 1 + Math.floor(random() * 3_000);
      await waitFor(
        `relay ${i} to publish ${progress} (seed ${seed})`,
        async () => (await storedCount(nc)) >= before + progress || (writerDone && (await outboxDepth(redis, prefix)) === 0),
        DRAIN_TIMEOUT_MS,
        5,
      );
      await new Promise((r) => setTimeout(r, Math.floor(random() * 30)));
      relay.proc.kill('SIGKILL');
      expect((await waitExit(relay)).signal).toBe('SIGKILL');
      depthAtKills.push(await outboxDepth(redis, prefix));
    }
    await writer;
    const last = spawnRelay(prefix, nats.url);
    await waitFor(`final drain (seed ${seed})`, async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    last.proc.kill('SIGTERM');
    expect(await waitExit(last)).toEqual({ code: 0, signal: null });
    expect(depthAtKills.filter((d) => d > 0).length).toBeGreaterThanOrEqual(3); // the kills hit a relay with work in hand
    expect(requests).toHaveLength(total);
    await expectExactlyOnce(nc, redis, prefix, requests);
  }, 240_000);

  it('flushes on SIGTERM: everything it published is deleted, everything else is still in the outbox', async () => {
    const accounts = await openAccounts(engine, 'term', 2_000);
    await engineTraffic(engine, accounts, 'term', 0, 30_000);
    const relay = spawnRelay(prefix, nats.url);
    await waitFor('relay publishing', async () => (await storedCount(nc)) >= 2_000, DRAIN_TIMEOUT_MS, 5);
    relay.proc.kill('SIGTERM');
    expect(await waitExit(relay)).toEqual({ code: 0, signal: null });
    const journal = await readJournal(nc);
    const stored = new Set(journal.eventIds);
    const left = await outboxEventIds(redis, prefix);
    expect({
      doubledEvents: duplicates(journal.eventIds).length,
      publishedButNotDeleted: left.filter((id) => stored.has(id)).length,
      storedPlusLeft: stored.size + left.length,
    }).toEqual({ doubledEvents: 0, publishedButNotDeleted: 0, storedPlusLeft: await outboxEntriesAdded(redis, prefix) });
    expect(left.length).toBeGreaterThan(0); // it really was stopped mid-way
    expect(await redis.get(leaseKey(prefix))).toBe(null); // and released its lease
  }, 120_000);

  it('two relays at once, with the lease taken from under them repeatedly: both finish, each event once', async () => {
    const a = spawnRelay(prefix, nats.url);
    const b = spawnRelay(prefix, nats.url);
    const accounts = await openAccounts(engine, 'two', 1_000);
    const requests: EngineRequest[] = [];
    let stealing = true;
    // Deleting the lease key is what an expiry under a paused holder looks like: the other relay
    // takes it while the first still finishes its batch, so the two overlap.
    const thief = (async () => {
      while (stealing) {
        await redis.del(leaseKey(prefix));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    for (let from = 0; from < 20_000; from += 2_000) {
      requests.push(...(await engineTraffic(engine, accounts, 'two', from, 2_000)));
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor('drained', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    stealing = false;
    await thief;
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
    expect(await Promise.all([waitExit(a), waitExit(b)])).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    await expectExactlyOnce(nc, redis, prefix, requests);
  }, 120_000);

  it('keeps the entries while NATS is frozen and then down, retries, and loses or doubles nothing', async () => {
    const registry = new Registry();
    const relay = new OutboxRelay({
      redis,
      nc,
      registry,
      clock: systemClock,
      logger: createLogger('relay-e2e', 'silent'),
      redisPrefix: prefix,
      streams: STREAMS,
      streamLimits: TEST_STREAM_LIMITS,
      limits: { ackTimeoutMs: 1_000, retryBackoffBaseMs: 50, retryBackoffMaxMs: 500 },
    });
    const publishErrors = async () => (await registry.getSingleMetric('ratel_relay_publish_errors_total')!.get()).values[0].value;
    const accounts = await openAccounts(engine, 'down', 2_000);
    const requests = await engineTraffic(engine, accounts, 'down', 0, 30_000);
    relay.start();
    try {
      await waitFor('relay publishing', async () => (await storedCount(nc)) >= 1_000, DRAIN_TIMEOUT_MS, 5);
      // Frozen (our own server, by its PID): the connection looks alive, acks never come, so
      // publishes time out and are retried with backoff while the entries stay in the outbox.
      process.kill(nats.pid, 'SIGSTOP');
      await waitFor('publishes failing', async () => (await publishErrors()) > 0, DRAIN_TIMEOUT_MS);
      await new Promise((r) => setTimeout(r, 1_500));
      process.kill(nats.pid, 'SIGCONT');
      await nats.stop(); // then down: what it received while frozen may or may not have been acknowledged
      requests.push(...(await engineTraffic(engine, accounts, 'down', 30_000, 5_000)));
      await new Promise((r) => setTimeout(r, 2_000));
      expect(await outboxDepth(redis, prefix)).toBeGreaterThanOrEqual(5_000);
      nats = await startNats({ dir, port: natsPort }); // same port and store: streams and their de-dup state come back
      await waitFor('drained after NATS came back', async () => (await outboxDepth(redis, prefix)) === 0, DRAIN_TIMEOUT_MS);
    } finally {
      await relay.stop();
    }
    await expectExactlyOnce(nc, redis, prefix, requests);
  }, 180_000);
});
