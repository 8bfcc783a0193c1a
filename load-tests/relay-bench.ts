/**
 * Outbox relay throughput: fills N entries into the bucket outboxes (contract format, spread over
 * many accounts), starts an OutboxRelay and times the drain (publish + ack + XDEL until every
 * outbox is empty). In the same run, the same N messages are published straight to JetStream
 * with no Redis at all, two ways: `js.publish` awaited per message with a window of in-flight
 * publishes, and plain publishes with a reply inbox and acks counted on one subscription (what the
 * relay does). The relay's rate is printed as a ratio of the best raw rate. Each phase uses a
 * stream of its own, so nothing is a duplicate of an earlier phase.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/relay-bench.ts \
 *     [--n 100000] [--accounts 10000] [--runs 3] [--batch-max 4096] [--inflight-max 1024]
 *
 * Uses REDIS_URL / NATS_URL when set, else starts a throwaway Redis and nats-server (libs/devstack)
 * and stops them at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, startRedis, StartedServer, uniqueId } from '@app/devstack';
import { createLogger, systemClock } from '@app/observability';
import Redis from 'ioredis';
import { JetStreamClient, NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { OutboxMessage } from '../apps/charging/src/outbox/jetstream-publisher';
import { createNatsConnection, drainNats } from '@app/runtime';
import { OutboxRelay } from '../apps/charging/src/outbox/outbox-relay';
import { DEFAULT_RELAY_LIMITS } from '../apps/charging/src/outbox/relay-limits';
import { ensureStreams, StreamNames, streamNamesFor } from '../apps/charging/src/outbox/streams';
import { deleteStreams, fillOutbox, FilledEntry, outboxDepth, waitFor } from '../apps/charging/src/outbox/testing/outbox-fixtures';
import { Args } from './lib/args';
import { publishLikeTheRelay } from './lib/jetstream-publish';

/** Longest a drain may take before the bench gives up. */
const DRAIN_TIMEOUT_MS = 600_000;
/** Bench streams are deleted at the end; their reservation on the server is kept small. */
const BENCH_STREAM_LIMITS = { ratedMaxBytes: 2 * 1024 ** 3, notifyMaxBytes: 1024 ** 2 };

interface Servers {
  redisUrl: string;
  natsUrl: string;
  started: StartedServer[];
  dir?: string;
}

async function servers(): Promise<Servers> {
  if (process.env.REDIS_URL && process.env.NATS_URL) return { redisUrl: process.env.REDIS_URL, natsUrl: process.env.NATS_URL, started: [] };
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  const [redis, nats] = await Promise.all([startRedis({ dir: join(dir, 'redis'), persist: false }), startNats({ dir: join(dir, 'nats') })]);
  return { redisUrl: redis.url, natsUrl: nats.url, started: [redis, nats], dir };
}

function toMessages(entries: readonly FilledEntry[], subjectRoot: string): OutboxMessage[] {
  return entries.map((e) => ({
    eventId: e.eventId,
    subject: `${subjectRoot}.${(JSON.parse(e.data) as { accountId: string }).accountId}`,
    data: Buffer.from(e.data, 'utf8'),
  }));
}

async function rawJsPublish(js: JetStreamClient, msgs: readonly OutboxMessage[], inflight: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < msgs.length) {
      const m = msgs[next++];
      await js.publish(m.subject, m.data, { msgID: m.eventId });
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
}

async function freshStreams(nc: NatsConnection, made: StreamNames[]): Promise<StreamNames> {
  const names = streamNamesFor(uniqueId('bench'));
  made.push(names);
  await ensureStreams(await nc.jetstreamManager(), { names, limits: BENCH_STREAM_LIMITS });
  return names;
}

async function expectStored(nc: NatsConnection, stream: string, n: number): Promise<void> {
  const stored = (await (await nc.jetstreamManager()).streams.info(stream)).state.messages;
  if (stored !== n) throw new Error(`expected ${n} messages in ${stream}, found ${stored}`);
}

/** Runs `fn` against fresh streams; returns messages per second. */
async function rawRate(nc: NatsConnection, made: StreamNames[], n: number, fn: (names: StreamNames) => Promise<void>): Promise<number> {
  const names = await freshStreams(nc, made);
  const t0 = performance.now();
  await fn(names);
  const rate = n / ((performance.now() - t0) / 1000);
  await expectStored(nc, names.rated.name, n);
  return rate;
}

interface BenchArgs {
  n: number;
  accounts: number;
  batchMax: number;
  inflightMax: number;
}
interface RunResult {
  fillPerS: number;
  relayPerS: number;
  jsPublishPerS: number;
  inboxPerS: number;
}

async function runOnce(redis: Redis, nc: NatsConnection, args: BenchArgs, made: StreamNames[]): Promise<RunResult> {
  const label = uniqueId('e');
  const prefix = `${uniqueId('bench')}:`;
  const names = await freshStreams(nc, made);
  const f0 = performance.now();
  const filled = await fillOutbox(redis, args.n, { prefix, subjectRoot: names.rated.subjectRoot, accounts: args.accounts, label });
  const fillPerS = args.n / ((performance.now() - f0) / 1000);
  const registry = new Registry();
  const relay = new OutboxRelay({
    redis,
    nc,
    registry,
    logger: createLogger('relay-bench', 'warn'),
    clock: systemClock,
    redisPrefix: prefix,
    streams: names,
    streamLimits: BENCH_STREAM_LIMITS,
    limits: { batchMax: args.batchMax, inflightMax: args.inflightMax },
  });
  const t0 = performance.now();
  relay.start();
  // The relay's own counter (in-process, free) says when all are acknowledged and deleted;
  // polling the outboxes instead would compete with the relay for Redis.
  const published = async () => (await registry.getSingleMetric('ratel_relay_published_total')!.get()).values[0]?.value ?? 0;
  await waitFor('outbox drained', async () => (await published()) >= args.n, DRAIN_TIMEOUT_MS, 2);
  const relayPerS = args.n / ((performance.now() - t0) / 1000);
  await relay.stop();
  const left = await outboxDepth(redis, prefix);
  if (left !== 0) throw new Error(`relay: ${left} entries left in the outbox`);
  await expectStored(nc, names.rated.name, args.n);
  const msgsFor = (s: StreamNames) => toMessages(filled, s.rated.subjectRoot);
  const jsPublishPerS = await rawRate(nc, made, args.n, (s) => rawJsPublish(nc.jetstream(), msgsFor(s), args.inflightMax));
  const inboxPerS = await rawRate(nc, made, args.n, (s) => publishLikeTheRelay(nc, msgsFor(s), args.batchMax, args.inflightMax));
  return { fillPerS, relayPerS, jsPublishPerS, inboxPerS };
}

async function main(): Promise<void> {
  const a = new Args();
  const args: BenchArgs = {
    n: a.num('n', 100_000),
    accounts: a.num('accounts', 10_000),
    batchMax: a.num('batch-max', DEFAULT_RELAY_LIMITS.batchMax),
    inflightMax: a.num('inflight-max', DEFAULT_RELAY_LIMITS.inflightMax),
  };
  const runs = a.num('runs', 3);
  const srv = await servers();
  const redis = new Redis(srv.redisUrl);
  const nc = await createNatsConnection(srv.natsUrl, 'relay-bench');
  const made: StreamNames[] = [];
  const k = (x: number) => `${(x / 1000).toFixed(1)}k/s`;
  try {
    console.log(`relay-bench n=${args.n} accounts=${args.accounts} batchMax=${args.batchMax} inflightMax=${args.inflightMax} runs=${runs}`);
    for (let r = 1; r <= runs; r++) {
      const x = await runOnce(redis, nc, args, made);
      const best = Math.max(x.jsPublishPerS, x.inboxPerS);
      console.log(
        `run ${r}: relay drain ${k(x.relayPerS)} | raw inbox publish ${k(x.inboxPerS)} | raw js.publish ${k(x.jsPublishPerS)} | relay/best raw ${(x.relayPerS / best).toFixed(2)} | (outbox fill ${k(x.fillPerS)})`,
      );
      await deleteStreams(
        nc,
        made.splice(0).flatMap((s) => [s.rated.name, s.notify.name]),
      );
    }
  } finally {
    await deleteStreams(
      nc,
      made.flatMap((s) => [s.rated.name, s.notify.name]),
    );
    await drainNats(nc);
    redis.disconnect();
    await Promise.all(srv.started.map((s) => s.stop()));
    if (srv.dir) rmSync(srv.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
