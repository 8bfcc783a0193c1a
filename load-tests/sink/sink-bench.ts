/**
 * Rated-event sink throughput and lag, against its two raw ceilings, in one run:
 *
 *   (a) raw ClickHouse insert of N rated-event rows: the sink's store (JSONEachRow, bigint money
 *       unquoted) in batches of --batch-max, one batch at a time as the sink inserts;
 *   (b) raw JetStream consume of the same N messages: a durable pull consumer, fetches of
 *       --batch-max, every message acked, acks flushed per batch (as the sink does);
 *   (c) the sink's sustained rate: the real invoicing process (main.ts, RATEL_INVOICING_ROLES=sink,
 *       a child process) started on the stream holding the N events, timed from "sink running"
 *       until ClickHouse holds all N rows;
 *   (d) end-to-end lag at half the rate measured in (c): events published at that pace for
 *       --lag-seconds, every --sample-every-th one a probe of its own account; lag = publish call
 *       -> the probe's row is returned by a ClickHouse query (polled every 50 ms).
 *
 * It prints the figures, sink / min(raw insert, raw consume) (issue target >= 0.5) and whether the
 * lag p99 is under 2 s.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/sink/sink-bench.ts \
 *     [--n 500000] [--accounts 1000] [--batch-max 1000] [--lag-seconds 20] [--sample-every 50]
 *
 * Uses NATS_URL / CLICKHOUSE_URL when set, else starts a throwaway nats-server and ClickHouse
 * (libs/devstack) in a temporary directory and stops them at the end. Everything it creates (stream,
 * databases, the sink process) is removed or stopped at the end.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClickHouseClient,
  ClickhouseRatedEventStore,
  createClickhouseClient,
  dropClickhouseDatabase,
  migrateClickhouse,
  qualified,
  RATED_EVENTS_TABLE,
  sql,
  str,
  toRatedEventRow,
} from '@app/analytics';
import { startClickhouse, startNats, StartedServer, uniqueId } from '@app/devstack';
import { DUPLICATE_WINDOW_MS } from '@app/events';
import { AckPolicy, connect, DeliverPolicy, nanos, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { Args } from '../lib/args';
import { benchEvent, FastPublisher, PROBE_ACCOUNT, toMessage } from './bench-events';
import {
  COUNT_POLL_INTERVAL_MS,
  DRAIN_TIMEOUT_MS,
  PACE_TICK_MS,
  PROBE_POLL_INTERVAL_MS,
  PUBLISH_INFLIGHT_MAX,
  SINK_START_TIMEOUT_MS,
  STREAM_DELETE_TIMEOUT_MS,
  TARGET_LAG_P99_MS,
  TARGET_RATIO,
} from './bench-limits';

const REPO_ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface BenchArgs {
  n: number;
  accounts: number;
  batchMax: number;
  lagSeconds: number;
  sampleEvery: number;
}

interface Servers {
  natsUrl: string;
  clickhouseUrl: string;
  started: StartedServer[];
  dir?: string;
}

async function servers(): Promise<Servers> {
  const dir = mkdtempSync(join(tmpdir(), 'sink-bench-'));
  const started: StartedServer[] = [];
  const start = async (server: Promise<StartedServer>): Promise<string> => {
    const s = await server;
    started.push(s);
    return s.url;
  };
  const natsUrl = process.env.NATS_URL || (await start(startNats({ dir: join(dir, 'nats') })));
  const clickhouseUrl = process.env.CLICKHOUSE_URL || (await start(startClickhouse({ dir: join(dir, 'clickhouse') })));
  return { natsUrl, clickhouseUrl, started, dir };
}

async function scalar(client: ClickHouseClient, query: string): Promise<number> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string }>();
  return Number(row.v);
}

/** (a) Rows per second of the sink's store inserting pre-built rows, batch after batch. */
async function rawInsert(chUrl: string, client: ClickHouseClient, runId: string, a: BenchArgs): Promise<number> {
  const db = uniqueId('bench_raw_');
  await migrateClickhouse(chUrl, db);
  try {
    const store = new ClickhouseRatedEventStore(client, db);
    let insertMs = 0;
    for (let i = 0; i < a.n; i += a.batchMax) {
      const rows = [];
      for (let j = i; j < Math.min(a.n, i + a.batchMax); j++)
        rows.push(toRatedEventRow(benchEvent(runId, j, a.accounts), { streamSeq: j + 1, ingestedAtMs: Date.now() }));
      const t0 = performance.now();
      await store.insertRatedEvents(rows);
      insertMs += performance.now() - t0;
    }
    const stored = await scalar(client, sql`SELECT toString(count()) AS v FROM ${qualified(db, RATED_EVENTS_TABLE)}`.text);
    if (stored !== a.n) throw new Error(`raw insert: ${stored} rows stored, expected ${a.n}`);
    return a.n / (insertMs / 1000);
  } finally {
    await dropClickhouseDatabase(chUrl, db);
  }
}

/** Publishes events [from, to) of the run; returns messages per second. */
async function publishRange(nc: NatsConnection, root: string, runId: string, from: number, to: number, accounts: number): Promise<number> {
  const pub = new FastPublisher(nc, PUBLISH_INFLIGHT_MAX);
  const t0 = performance.now();
  for (let i = from; i < to; i++) await pub.publish(toMessage(root, benchEvent(runId, i, accounts)));
  await pub.close();
  return (to - from) / ((performance.now() - t0) / 1000);
}

/** (b) Messages per second of a durable pull consumer fetching batches and acking every message. */
async function rawConsume(nc: NatsConnection, stream: string, a: BenchArgs): Promise<number> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(stream, {
    durable_name: 'bench-raw',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(60_000),
    max_ack_pending: a.batchMax * 2,
  });
  const consumer = await nc.jetstream().consumers.get(stream, 'bench-raw');
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let got = 0;
  const t0 = performance.now();
  while (got < a.n) {
    if (Date.now() > deadline) throw new Error(`raw consume: ${got} of ${a.n} after ${DRAIN_TIMEOUT_MS} ms`);
    const batch = await consumer.fetch({ max_messages: a.batchMax, expires: 1_000 });
    for await (const m of batch) {
      m.ack();
      got++;
    }
    await nc.flush();
  }
  const rate = a.n / ((performance.now() - t0) / 1000);
  await jsm.consumers.delete(stream, 'bench-raw');
  return rate;
}

interface SinkChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  runningAt: number;
  stop(): Promise<number | null>;
}

/** The real invoicing process with the sink role only; resolves once it logs that the sink runs. */
function startSink(env: Record<string, string>): Promise<SinkChild> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/invoicing/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sink not running after ${SINK_START_TIMEOUT_MS} ms:\n${out}`));
    }, SINK_START_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      out = (out + c.toString()).slice(-20_000);
      if (out.includes('rated-event sink running')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, exited, runningAt: performance.now(), stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sink exited (${code}) before running:\n${out}`));
    });
  });
}

/** (c) Events per second from "sink running" until ClickHouse holds all N rows. */
async function sinkRate(client: ClickHouseClient, db: string, sink: SinkChild, n: number): Promise<number> {
  const count = sql`SELECT toString(count()) AS v FROM ${qualified(db, RATED_EVENTS_TABLE)}`.text;
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const stored = await scalar(client, count).catch(() => 0); // the table appears with the sink's migrations
    if (stored >= n) return n / ((performance.now() - sink.runningAt) / 1000);
    if (Date.now() > deadline) throw new Error(`sink: ${stored} of ${n} rows after ${DRAIN_TIMEOUT_MS} ms`);
    await sleep(COUNT_POLL_INTERVAL_MS);
  }
}

interface Lag {
  published: number;
  publishedPerS: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Polls the probe account's rows until every probe is visible; records each probe's lag. */
async function watchProbes(
  client: ClickHouseClient,
  db: string,
  probes: Map<string, number>,
  publishing: () => boolean,
  lags: number[],
): Promise<void> {
  const query = sql`SELECT eventId AS v FROM ${qualified(db, RATED_EVENTS_TABLE)} WHERE accountId = ${str(PROBE_ACCOUNT)}`.text;
  const seen = new Set<string>();
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (publishing() || seen.size < probes.size) {
    if (Date.now() > deadline) throw new Error(`lag: ${probes.size - seen.size} probes never became visible`);
    const rs = await client.query({ query, format: 'JSONEachRow' });
    const now = Date.now();
    for (const { v } of await rs.json<{ v: string }>()) {
      const sentAt = probes.get(v);
      if (sentAt === undefined || seen.has(v)) continue;
      seen.add(v);
      lags.push(now - sentAt);
    }
    await sleep(PROBE_POLL_INTERVAL_MS);
  }
}

/** (d) Publishes at `ratePerS` for the lag phase while the sink runs; lag of the sampled probes. */
async function lagAt(
  nc: NatsConnection,
  client: ClickHouseClient,
  db: string,
  root: string,
  runId: string,
  ratePerS: number,
  a: BenchArgs,
): Promise<Lag> {
  const pub = new FastPublisher(nc, PUBLISH_INFLIGHT_MAX);
  const probes = new Map<string, number>();
  const lags: number[] = [];
  let publishing = true;
  const watcher = watchProbes(client, db, probes, () => publishing, lags);
  const t0 = performance.now();
  const durationMs = a.lagSeconds * 1000;
  let sent = 0;
  try {
    while (performance.now() - t0 < durationMs) {
      const target = Math.floor((ratePerS * (performance.now() - t0)) / 1000);
      for (; sent < target; sent++) {
        const i = a.n + sent; // after the N events of (c): new ids
        const probe = sent % a.sampleEvery === 0;
        const e = benchEvent(runId, i, a.accounts, probe ? PROBE_ACCOUNT : undefined);
        if (probe) probes.set(e.eventId, Date.now());
        await pub.publish(toMessage(root, e));
      }
      await sleep(PACE_TICK_MS);
    }
    await pub.close();
  } finally {
    publishing = false;
  }
  const publishedPerS = sent / ((performance.now() - t0) / 1000);
  await watcher;
  const sorted = lags.sort((x, y) => x - y);
  return {
    published: sent,
    publishedPerS,
    samples: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1],
  };
}

async function createStream(nc: NatsConnection, stream: string, root: string): Promise<void> {
  await (
    await nc.jetstreamManager()
  ).streams.add({
    name: stream,
    subjects: [`${root}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
}

function parseArgs(): BenchArgs {
  const a = new Args();
  const args = {
    n: a.num('n', 500_000),
    accounts: a.num('accounts', 1_000),
    batchMax: a.num('batch-max', 1_000),
    lagSeconds: a.num('lag-seconds', 20),
    sampleEvery: a.num('sample-every', 50),
  };
  a.rejectUnknown();
  if (args.batchMax < 1 || args.batchMax > 10_000) throw new Error('--batch-max: 1..10000 (the sink accepts at most 10,000)');
  return args;
}

async function run(
  a: BenchArgs,
  srv: Servers,
  nc: NatsConnection,
  client: ClickHouseClient,
  cleanup: (() => Promise<unknown>)[],
): Promise<void> {
  const runId = uniqueId('run');
  const stream = uniqueId('BENCH');
  const root = `${stream}.ratel.rated.v1`;
  const sinkDb = uniqueId('bench_sink_');
  const k = (x: number) => `${(x / 1000).toFixed(1)}k/s`;
  console.log(`sink-bench n=${a.n} accounts=${a.accounts} batchMax=${a.batchMax} lagSeconds=${a.lagSeconds} sampleEvery=${a.sampleEvery}`);

  const insertPerS = await rawInsert(srv.clickhouseUrl, client, runId, a);
  console.log(`(a) raw ClickHouse insert (JSONEachRow, batches of ${a.batchMax}): ${k(insertPerS)}`);
  await createStream(nc, stream, root);
  // Deleting a stream of N file-stored messages can take longer than the default 5 s API timeout.
  cleanup.push(async () => (await nc.jetstreamManager({ timeout: STREAM_DELETE_TIMEOUT_MS })).streams.delete(stream));
  const publishPerS = await publishRange(nc, root, runId, 0, a.n, a.accounts);
  console.log(`    (published ${a.n} events at ${k(publishPerS)})`);
  const consumePerS = await rawConsume(nc, stream, a);
  console.log(`(b) raw JetStream consume (pull, batches of ${a.batchMax}, ack each): ${k(consumePerS)}`);

  cleanup.push(() => dropClickhouseDatabase(srv.clickhouseUrl, sinkDb));
  const sink = await startSink({
    NATS_URL: srv.natsUrl,
    CLICKHOUSE_URL: srv.clickhouseUrl,
    CLICKHOUSE_DATABASE: sinkDb,
    RATEL_INVOICING_ROLES: 'sink',
    SINK_STREAM: stream,
    SINK_CONSUMER: 'bench-sink',
    SINK_BATCH_MAX: String(a.batchMax),
    SINK_METRICS_PORT: '0',
    RATEL_LOG_LEVEL: 'info', // the start is recognised by its "rated-event sink running" line
  });
  cleanup.push(() => sink.stop());
  const sinkPerS = await sinkRate(client, sinkDb, sink, a.n);
  const ceiling = Math.min(insertPerS, consumePerS);
  console.log(
    `(c) sink sustained, end to end: ${k(sinkPerS)}  ratio sink/min(raw insert, raw consume) = ${(sinkPerS / ceiling).toFixed(2)} (target >= ${TARGET_RATIO}: ${sinkPerS / ceiling >= TARGET_RATIO ? 'met' : 'NOT met'})`,
  );

  const lag = await lagAt(nc, client, sinkDb, root, runId, sinkPerS / 2, a);
  console.log(
    `(d) lag at ${k(lag.publishedPerS)} (half of (c)), ${lag.samples} probes: p50 ${lag.p50Ms} ms, p99 ${lag.p99Ms} ms, max ${lag.maxMs} ms ` +
      `(p99 < ${TARGET_LAG_P99_MS} ms: ${lag.p99Ms < TARGET_LAG_P99_MS ? 'yes' : 'NO'})`,
  );
  const uniq = await scalar(client, sql`SELECT toString(uniqExact(eventId)) AS v FROM ${qualified(sinkDb, RATED_EVENTS_TABLE)}`.text);
  console.log(`    (ClickHouse holds ${uniq} distinct events of ${a.n + lag.published} published)`);
  const code = await sink.stop();
  if (code !== 0) throw new Error(`sink exited with ${code} after SIGTERM`);
}

async function main(): Promise<void> {
  const a = parseArgs();
  const srv = await servers();
  const nc = await connect({ servers: srv.natsUrl, name: 'sink-bench' });
  const client = createClickhouseClient({ url: srv.clickhouseUrl });
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    await run(a, srv, nc, client, cleanup);
  } finally {
    for (const c of cleanup.reverse()) await c().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
    await nc.drain();
    await client.close();
    await Promise.all(srv.started.map((s) => s.stop()));
    if (srv.dir) rmSync(srv.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
