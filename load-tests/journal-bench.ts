/**
 * Balance journal throughput: publishes N realistic rated events (DEBITs with an allowance, over
 * many accounts; an opening first for each account) to a stream of the bench's own, then, on a
 * fresh database each run, times `BalanceJournal.catchUp()` (ordered consumer, JSON + schema, fold,
 * one PostgreSQL transaction per batch). In the same run the baseline reads the same stream with
 * the same ordered consumer and only JSON-parses each message (the NATS read ceiling), and the
 * journal's rate is printed as a ratio of it, with the CPU per event of this process and of
 * PostgreSQL. The load test's traffic mix produces about one rated event per request (a session
 * start none, each update one DEBIT, a terminate one DEBIT and possibly a RELEASE, an SMS one), so
 * the journal keeps up with a gateway answering about as many requests a second as it applies events.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/journal-bench.ts \
 *     [--n 100000] [--accounts 10000] [--runs 3] [--batch-max 1000]
 *
 * Starts a throwaway nats-server and PostgreSQL (libs/devstack) in a temporary directory and stops
 * them at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { DeliverPolicy, type NatsConnection } from 'nats';
import { migrate } from '@app/db';
import { startNats, startPostgres, type StartedServer } from '@app/devstack';
import type { RatedEvent } from '@app/events';
import { createLogger, systemClock } from '@app/observability';
import { BalanceJournal } from '../apps/charging/src/journal/balance-journal';
import { JOURNAL_BATCH_MAX } from '../apps/charging/src/journal/journal-limits';
import { journalEvent, openingEvent } from '../apps/charging/src/journal/testing/rated-events';
import { createNatsConnection, drainNats } from '@app/runtime';
import { ensureStreams, streamNamesFor } from '../apps/charging/src/outbox/streams';
import { Args } from './lib/args';
import { cpuSecondsOfTree } from './lib/proc';

/** Publishes in flight while filling the stream. */
const FILL_INFLIGHT = 512;
const STREAM_LIMITS = { ratedMaxBytes: 2 * 1024 ** 3, notifyMaxBytes: 1024 ** 2 };

function events(n: number, accounts: number): RatedEvent[] {
  const out: RatedEvent[] = [];
  for (let a = 0; a < Math.min(accounts, n); a++) out.push(openingEvent(`acct-${a}`, 100_000_000));
  const balance = new Array<number>(accounts).fill(100_000_000);
  for (let i = out.length; i < n; i++) {
    const a = i % accounts;
    balance[a] -= 12_000;
    out.push(
      journalEvent({
        accountId: `acct-${a}`,
        subscriberId: String(4915100000000 + a),
        sessionId: `sess-${i}`,
        requestNumber: 1,
        ratingGroup: 10,
        serviceId: 1,
        unit: 'SECONDS',
        usedUnits: 60,
        billableUnits: 60,
        allowanceUnits: 30,
        allowances: [{ bucketId: `voice-${a}`, units: 30 }],
        amountMicros: '12000',
        balanceAfterMicros: String(balance[a]),
        tariffId: 'voice-national',
        cycleId: '2026-11',
      }),
    );
  }
  return out;
}

async function fill(nc: NatsConnection, subjectRoot: string, list: readonly RatedEvent[]): Promise<void> {
  const js = nc.jetstream();
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const e = list[next++];
      await js.publish(`${subjectRoot}.${e.accountId}`, JSON.stringify(e), { msgID: e.eventId });
    }
  };
  await Promise.all(Array.from({ length: FILL_INFLIGHT }, worker));
}

/** Reads the whole stream with an ordered consumer, JSON-parsing each message: the read ceiling. */
async function baseline(nc: NatsConnection, stream: string, n: number, batchMax: number): Promise<{ perS: number; cpuUsPerEvent: number }> {
  const c = await nc.jetstream().consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let seen = 0;
  let sink = 0;
  while (seen < n) {
    for await (const m of await c.fetch({ max_messages: batchMax, expires: 1000 })) {
      sink += (JSON.parse(m.string()) as { usedUnits: number }).usedUnits;
      seen++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await c.delete();
  if (sink < 0) throw new Error('unreachable');
  return { perS: n / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / n };
}

async function journalRun(nc: NatsConnection, pg: StartedServer, stream: string, n: number, batchMax: number, run: number) {
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  const db = `journal_bench_${run}`;
  await admin.query(`drop database if exists ${db}`);
  await admin.query(`create database ${db}`);
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = `/${db}`;
  await migrate(url.toString());
  const journal = new BalanceJournal({
    nc,
    databaseUrl: url.toString(),
    stream,
    registry: new Registry(),
    logger: createLogger('journal-bench', 'warn'),
    clock: systemClock,
    batchMax,
  });
  const cpu0 = process.cpuUsage();
  const pg0 = cpuSecondsOfTree(pg.pid);
  const t0 = performance.now();
  const report = await journal.catchUp();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgSeconds = cpuSecondsOfTree(pg.pid) - pg0;
  await journal.stop();
  if (report.position.eventsApplied !== n) throw new Error(`journal applied ${report.position.eventsApplied} of ${n}`);
  return { perS: n / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / n, pgUsPerEvent: (pgSeconds * 1e6) / n };
}

async function main(): Promise<void> {
  const a = new Args();
  const n = a.num('n', 100_000);
  const accounts = a.num('accounts', 10_000);
  const runs = a.num('runs', 3);
  const batchMax = a.num('batch-max', JOURNAL_BATCH_MAX);
  const dir = mkdtempSync(join(tmpdir(), 'journal-bench-'));
  const servers: StartedServer[] = [];
  try {
    const [nats, pg] = await Promise.all([startNats({ dir: join(dir, 'nats') }), startPostgres({ dir: join(dir, 'pg'), durable: true })]);
    servers.push(nats, pg);
    const nc = await createNatsConnection(nats.url, 'journal-bench');
    const names = streamNamesFor('bench');
    await ensureStreams(await nc.jetstreamManager(), { names, limits: STREAM_LIMITS });
    const list = events(n, accounts);
    const f0 = performance.now();
    await fill(nc, names.rated.subjectRoot, list);
    const bytes = list.reduce((s, e) => s + JSON.stringify(e).length, 0) / list.length;
    console.log(
      `journal-bench n=${n} accounts=${accounts} batchMax=${batchMax} runs=${runs} (event ~${bytes.toFixed(0)} bytes; filled at ${(n / ((performance.now() - f0) / 1000)).toFixed(0)}/s)`,
    );
    const k = (x: number) => `${(x / 1000).toFixed(1)}k/s`;
    for (let r = 1; r <= runs; r++) {
      const base = await baseline(nc, names.rated.name, n, batchMax);
      const j = await journalRun(nc, pg, names.rated.name, n, batchMax, r);
      console.log(
        `run ${r}: journal ${k(j.perS)} (node ${j.cpuUsPerEvent.toFixed(1)} µs + PostgreSQL ${j.pgUsPerEvent.toFixed(1)} µs CPU per event) | ` +
          `baseline read+parse ${k(base.perS)} (${base.cpuUsPerEvent.toFixed(1)} µs) | journal/baseline ${(j.perS / base.perS).toFixed(2)}`,
      );
    }
    await drainNats(nc);
  } finally {
    for (const s of servers.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
