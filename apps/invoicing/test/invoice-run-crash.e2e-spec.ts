/**
 * Kill and re-run: a COMPUTE worker SIGKILLed in mid-shard (after its first page of drafts) and a
 * FINALIZE worker SIGKILLed in mid-run (after its first block of numbers), each redone by another
 * worker once the dead one's lease has run out. The run ends as an uninterrupted one would: one
 * document per account with the expected totals, numbers 1..N in account order with no gap and no
 * duplicate, one ledger transaction and one billing event per document, every transaction balanced.
 * Workers are the CLI's own processes (`ratel invoice-run work`), against real PostgreSQL,
 * JetStream, the sink and ClickHouse.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import { connect, type NatsConnection } from 'nats';
import { dropClickhouseDatabase } from '@app/analytics';
import { createTestDatabase, ensureClickhouse, requireEnv, type TestClickhouse, uniqueId, waitFor } from '@app/devstack';
import { migrate } from '@app/db';
import { ratedEvent } from '@app/events/testing';
import { createLogger, systemClock } from '@app/observability';
import { loadInvoicingConfig } from '../src/config';
import { seedPostpaidAccounts } from '../src/billing/testing/billing-fixtures';
import { PgCycleService } from '../src/billing/cycles/cycle-service';
import { PgRunStore } from '../src/billing/run/run-store';
import { type SinkProcess, startSinkProcess } from '../src/ingest/sink-process';
import { createRatedStream, publishAll } from './sink-test-helpers';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const CYCLE = 'MONTHLY_1-2026-11-01';
const RUN = `run-${CYCLE}`;
/** Three pages of COMPUTE (1,000 accounts each) and five blocks of FINALIZE (500 each). */
const ACCOUNTS = 2_500;
const LEASE_MS = 2_000;
const TIMEOUT_MS = 600_000;

describe('invoice run: workers killed in mid-shard and in mid-finalize, then redone', () => {
  let pool: Pool;
  let databaseUrl: string;
  let ch: TestClickhouse;
  let nc: NatsConnection;
  let sink: SinkProcess;
  const chDb = uniqueId('crash').replace(/-/g, '_');
  const stream = uniqueId('RATED').toUpperCase().replace(/-/g, '_');
  const root = `${stream}.ratel.rated.v1`;
  const id = (i: number) => `k-${String(i).padStart(5, '0')}`;
  /** Account i is charged (i % 97 + 1) x 1.234567 EUR in one event. */
  const micros = (i: number) => 1_234_567 * ((i % 97) + 1);

  function worker(phase: string, shard?: number): { child: ChildProcess; exited: Promise<number | null> } {
    const args = [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'scripts/ratel.ts',
      'invoice-run',
      'work',
      '--run',
      RUN,
      '--phase',
      phase,
    ];
    if (shard !== undefined) args.push('--shard', String(shard));
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        NATS_URL: requireEnv('NATS_URL'),
        CLICKHOUSE_URL: ch.url,
        CLICKHOUSE_DATABASE: chDb,
        SINK_STREAM: stream,
        SINK_CONSUMER: 'sink',
        INVOICE_RUN_LEASE_MS: String(LEASE_MS),
        RATEL_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  }
  /** Takes a lock in its own transaction, kills the worker (which then waits on it, or will), and lets go. */
  async function killHolding(w: { child: ChildProcess; exited: Promise<number | null> }, lockSql: string): Promise<void> {
    const c = await pool.connect();
    try {
      await c.query('begin');
      await c.query(lockSql);
      await new Promise((r) => setTimeout(r, 300)); // the worker reaches the lock
      w.child.kill('SIGKILL');
      await w.exited;
      await c.query('rollback');
    } finally {
      c.release();
    }
  }

  /** Workers on a phase until its step is DONE (a worker finding the step under a dead worker's lease exits; the next one takes it over). */
  async function untilDone(phase: string, shard?: number): Promise<void> {
    await waitFor(
      `${phase} done`,
      async () => {
        expect(await worker(phase, shard).exited).toBe(0);
        return (await step(phase, shard ?? 0)).status === 'DONE';
      },
      (done) => done,
      300_000,
      LEASE_MS,
    );
  }

  const step = async (phase: string, shard = 0) =>
    (
      await pool.query(
        `select status, items_done::int as done from billing_run_step where run_id = $1 and phase = $2 and shard_index = $3`,
        [RUN, phase, shard],
      )
    ).rows[0] as { status: string; done: number };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('crash');
    await migrate(databaseUrl);
    pool = new Pool({ connectionString: databaseUrl, max: 4 });
    const at = new Date(Date.UTC(2026, 9, 1));
    await seedPostpaidAccounts(pool, { accounts: ACCOUNTS, prefix: 'k-', pad: 5, at });
    const cycles = new PgCycleService(pool);
    await cycles.ensureCycles(Date.UTC(2026, 10, 10), 1);
    await cycles.advance(Date.UTC(2026, 11, 5));

    ch = await ensureClickhouse();
    nc = await connect({ servers: requireEnv('NATS_URL') });
    await createRatedStream(await nc.jetstreamManager(), stream, root);
    sink = await startSinkProcess(
      loadInvoicingConfig({
        NATS_URL: requireEnv('NATS_URL'),
        CLICKHOUSE_URL: ch.url,
        CLICKHOUSE_DATABASE: chDb,
        SINK_STREAM: stream,
        SINK_CONSUMER: 'sink',
        SINK_METRICS_PORT: '0',
      }),
      createLogger('crash-e2e', 'silent'),
    );
    const events = Array.from({ length: ACCOUNTS }, (_, i) =>
      ratedEvent(`${chDb}-${i}`, { accountId: id(i), amountMicros: String(micros(i)), occurredAtMs: Date.UTC(2026, 10, 1 + (i % 28), 12) }),
    );
    await publishAll(
      nc.jetstream(),
      events.map((e) => ({ subject: `${root}.${e.accountId}`, data: Buffer.from(JSON.stringify(e)), msgId: e.eventId })),
    );
    await waitFor(
      'the sink to store everything',
      async () => (await nc.jetstreamManager()).consumers.info(stream, 'sink'),
      (i) => i.num_pending === 0 && i.num_ack_pending === 0,
      120_000,
    );
    // One shard, so the killed COMPUTE worker holds every account.
    await new PgRunStore(pool, systemClock).openRun({ runId: RUN, cycleId: CYCLE, shardCount: 1 });
  }, TIMEOUT_MS);

  afterAll(async () => {
    await sink?.stop();
    await (await nc?.jetstreamManager())?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await dropClickhouseDatabase(ch.url, chDb).catch(() => undefined);
    await ch?.stop();
    await pool?.end();
  });

  it(
    'ends with the documents, numbers, ledger and events of an uninterrupted run',
    async () => {
      await untilDone('PLAN');

      // COMPUTE: once its first page of 1,000 drafts is written, the test holds a lock that stops the next
      // page's write, and kills the worker there: in mid-shard, for certain.
      const compute = worker('COMPUTE', 0);
      await waitFor('a first page of drafts', async () => (await step('COMPUTE')).done >= 1_000, 300_000, 10);
      await killHolding(compute, 'lock table billing_document in share mode');
      expect(await step('COMPUTE')).toMatchObject({ status: 'RUNNING' });
      expect((await pool.query(`select count(*)::int as n from billing_document`)).rows[0].n).toBeLessThan(ACCOUNTS);
      await untilDone('COMPUTE', 0); // a new worker waits out the dead one's lease, then redoes the shard
      expect(await step('COMPUTE')).toEqual({ status: 'DONE', done: ACCOUNTS });
      await untilDone('VALIDATE');

      // FINALIZE: killed while it waits for the series lock the test took after a first block of 500.
      const finalize = worker('FINALIZE');
      await waitFor('a first block of numbers', async () => (await step('FINALIZE')).done >= 500, 300_000, 5);
      await killHolding(finalize, `select * from number_series for update`);
      const issuedAtKill = (await pool.query(`select count(*)::int as n from billing_document where status = 'ISSUED'`)).rows[0].n;
      expect(issuedAtKill % 500).toBe(0); // whole blocks only
      expect(issuedAtKill).toBeLessThan(ACCOUNTS);
      await untilDone('FINALIZE');

      const docs = (
        await pool.query(
          `select account_id, number, number_text, net_minor::bigint as net, tax_minor, gross_minor from billing_document order by number`,
        )
      ).rows;
      expect(docs).toHaveLength(ACCOUNTS);
      expect(docs.map((d) => Number(d.number))).toEqual(Array.from({ length: ACCOUNTS }, (_, i) => i + 1));
      expect(docs.map((d) => d.account_id)).toEqual(Array.from({ length: ACCOUNTS }, (_, i) => id(i)));
      for (const [i, d] of docs.entries()) {
        const net = Math.round(micros(i) / 10_000);
        const tax = Math.round(net * 0.2);
        if (d.net !== String(net) || d.gross_minor !== String(net + tax))
          throw new Error(`account ${d.account_id}: ${JSON.stringify(d)}, expected net ${net}, gross ${net + tax}`);
      }
      const ledger = (
        await pool.query(
          `select count(distinct t.id)::int as transactions, count(*)::int as postings, sum(p.amount_minor)::text as total,
             sum(case when p.account_code = 'AR' then p.amount_minor else 0 end)::text as ar from ledger_transaction t join ledger_posting p on p.transaction_id = t.id`,
        )
      ).rows[0];
      const gross = docs.reduce((s, d) => s + BigInt(d.gross_minor), 0n);
      expect(ledger).toEqual({ transactions: ACCOUNTS, postings: 3 * ACCOUNTS, total: '0', ar: gross.toString() });
      expect((await pool.query(`select count(*)::int as n, count(distinct event_id)::int as d from billing_outbox`)).rows[0]).toEqual({
        n: ACCOUNTS,
        d: ACCOUNTS,
      });
      expect((await pool.query(`select next_number::int as n from number_series where id = 'INVOICE|default|2026'`)).rows[0].n).toBe(
        ACCOUNTS + 1,
      );
    },
    TIMEOUT_MS,
  );
});
