/**
 * journal-main.ts as a child process, the way k8s/journal.yaml runs it: it follows the rated-event
 * stream into PostgreSQL, serves /metrics, stops on SIGTERM with exit 0, and exits 2 naming a
 * missing variable. The stream is the spec's own (RATEL_STREAM_PREFIX) on the test NATS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { createTestDatabase, freePort, requireEnv, uniqueId, waitFor } from '@app/devstack';
import { migrate } from '@app/db';
import type { RatedEvent } from '@app/events';
import { ensureStreams, streamNamesFor } from '../src/outbox/streams';
import { journalEvent, openingEvent } from '../src/journal/testing/rated-events';
import { REPO_ROOT } from './system.helpers';

/** Publishes in flight at once while the backlog is written, and how long one waits for its ack. */
const PUBLISH_SLICE_MAX = 1_000;
const PUBLISH_ACK_WAIT_MS = 30_000;
const EXIT_TIMEOUT_MS = 60_000; // ts-node compiles the entry first: slow on a busy 2-core box

function spawnJournal(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/journal-main.ts'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RATEL_LOG_LEVEL: 'warn', ...env },
    },
  );
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${EXIT_TIMEOUT_MS} ms`)), EXIT_TIMEOUT_MS).unref(),
    ),
  ]);
}

describe('journal-main.ts', () => {
  let nc: NatsConnection;
  let pg: Client;
  let databaseUrl: string;

  beforeAll(async () => {
    nc = await connect({ servers: requireEnv('NATS_URL') });
    databaseUrl = await createTestDatabase('jproc');
    await migrate(databaseUrl);
    pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await nc?.close();
  });

  it('follows the stream into PostgreSQL, serves /metrics and stops on SIGTERM with exit 0', async () => {
    const prefix = uniqueId('jp');
    const names = streamNamesFor(prefix);
    await ensureStreams(await nc.jetstreamManager(), { names, limits: { ratedMaxBytes: 8 * 1024 * 1024, notifyMaxBytes: 1024 * 1024 } });
    const js = nc.jetstream();
    const publish = async (e: RatedEvent) =>
      void (await js.publish(`${names.rated.subjectRoot}.${e.accountId}`, JSON.stringify(e), { msgID: e.eventId }));
    await publish(openingEvent('acc-p', 3_000_000));

    const metricsPort = await freePort();
    const child = spawnJournal({
      DATABASE_URL: databaseUrl,
      NATS_URL: requireEnv('NATS_URL'),
      RATEL_STREAM_PREFIX: prefix,
      RATEL_JOURNAL_METRICS_PORT: String(metricsPort),
    });
    const balance = async () =>
      (await pg.query<{ b: string }>(`select balance_micros as b from account_journal where account_id = 'acc-p'`)).rows[0]?.b;
    await waitFor('the opening in the journal', async () => (await balance()) === '3000000', 20_000, 100);
    await publish(journalEvent({ accountId: 'acc-p', amountMicros: '250000', balanceAfterMicros: '2750000', billableUnits: 1 }));
    await waitFor('the debit in the journal', async () => (await balance()) === '2750000', 20_000, 100);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^ratel_journal_events_total\{outcome="applied",app="journal"\} 2$/m);
    expect(metrics).toMatch(/^ratel_journal_leader\{app="journal"\} 1$/m);
    expect(metrics).toMatch(/^ratel_journal_position\{app="journal"\} 2$/m);
    // The libs/runtime ops server: liveness, and readiness naming PostgreSQL and NATS.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    child.proc.kill('SIGTERM');
    expect(await within(child.exited, 'exit after SIGTERM')).toBe(0);
    expect(child.output()).not.toMatch(/"level":50/);
  });

  it('SIGKILLed in the middle of a backlog and started again, applies every event exactly once', async () => {
    const prefix = uniqueId('jk');
    const names = streamNamesFor(prefix);
    await ensureStreams(await nc.jetstreamManager(), { names, limits: { ratedMaxBytes: 64 * 1024 * 1024, notifyMaxBytes: 1024 * 1024 } });
    const js = nc.jetstream();
    const accounts = 50;
    const perAccount = 400;
    const events: RatedEvent[] = [];
    for (let a = 0; a < accounts; a++) events.push(openingEvent(`acc-k${a}`, 1_000_000));
    for (let i = 1; i <= perAccount; i++) {
      for (let a = 0; a < accounts; a++) {
        events.push(
          journalEvent({
            accountId: `acc-k${a}`,
            amountMicros: '100',
            balanceAfterMicros: String(1_000_000 - i * 100),
            billableUnits: 1,
            allowanceUnits: 1,
            allowances: [{ bucketId: 'b', units: 1 }],
          }),
        );
      }
    }
    // In slices: 20,050 publishes in flight at once time out on a busy 2-core box (JetStream acks late).
    for (let i = 0; i < events.length; i += PUBLISH_SLICE_MAX) {
      await Promise.all(
        events
          .slice(i, i + PUBLISH_SLICE_MAX)
          .map((e) =>
            js.publish(`${names.rated.subjectRoot}.${e.accountId}`, JSON.stringify(e), { msgID: e.eventId, timeout: PUBLISH_ACK_WAIT_MS }),
          ),
      );
    }
    const total = events.length;
    const db = await createTestDatabase('jkill');
    await migrate(db);
    const check = new Client({ connectionString: db });
    await check.connect();
    try {
      const position = async () => Number((await check.query('select coalesce(max(last_seq), 0) as s from journal_position')).rows[0].s);
      const env = { DATABASE_URL: db, NATS_URL: requireEnv('NATS_URL'), RATEL_STREAM_PREFIX: prefix };
      const first = spawnJournal(env);
      await waitFor('some progress', async () => (await position()) > 0, 20_000, 5);
      first.proc.kill('SIGKILL');
      await within(first.exited, 'exit after SIGKILL');
      expect(await position()).toBeLessThan(total);
      const second = spawnJournal(env);
      await waitFor('the whole backlog', async () => (await position()) === total, 60_000, 50);
      second.proc.kill('SIGTERM');
      expect(await within(second.exited, 'exit after SIGTERM')).toBe(0);
      expect((await check.query('select events_applied, events_lost, events_invalid from journal_position')).rows).toEqual([
        { events_applied: String(total), events_lost: '0', events_invalid: '0' },
      ]);
      const balances = await check.query<{ n: string; b: string }>(
        "select count(*) as n, min(balance_micros) || '/' || max(balance_micros) as b from account_journal",
      );
      expect(balances.rows[0]).toEqual({ n: String(accounts), b: `${1_000_000 - perAccount * 100}/${1_000_000 - perAccount * 100}` });
      expect((await check.query(`select distinct consumed_units from bucket_journal`)).rows).toEqual([
        { consumed_units: String(perAccount) },
      ]);
    } finally {
      await check.end();
    }
  });

  it('exits 2 naming a missing variable', async () => {
    const child = spawnJournal({ DATABASE_URL: '', NATS_URL: requireEnv('NATS_URL') });
    expect(await within(child.exited, 'exit on bad configuration')).toBe(2);
    expect(child.output()).toContain('DATABASE_URL');
  });
});
