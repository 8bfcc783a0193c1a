/**
 * The month-end invoice run at scale, phase by phase, on throwaway PostgreSQL and ClickHouse (or
 * DATABASE_URL / CLICKHOUSE_URL): N postpaid accounts with 2 subscriptions each (a mobile line with a
 * monthly fee in advance, a fibre line with a fee in arrears and a reduced-rate press fee; every 10th
 * account's second line is a handset lease in 24 instalments instead; every 10th account activated
 * its mobile line in mid-cycle and pays its activation fee), a line discount, a cross-product
 * discount and an invoice discount, two tax rates, E rated events each in ClickHouse, then the
 * real executors of PLAN, COMPUTE (every shard), VALIDATE and FINALIZE, in this process, timed. The
 * baseline in the same run: a raw PostgreSQL COPY of the same document and line rows into tables of
 * the same columns (no triggers, no indexes beyond the keys), so the ratio says what the run costs
 * beyond writing its output.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/billing/month-end-bench.ts \
 *     [--accounts 20000] [--events 5] [--shards 4] [--workers 2] [--in-process] [--without-balance-trigger] [--profile-compute] [--profile-finalize]
 *
 * --workers: COMPUTE runs in this many worker processes (this script again, with --compute-worker), each
 * taking every N-th shard, as the CLI's `invoice-run work` processes or the Indexed Job's pods do.
 * --in-process runs them as that many concurrent steps of this one process instead (for --profile-compute).
 *
 * --profile-compute writes a V8 CPU profile of this process during COMPUTE (open it in Chrome DevTools);
 * --profile-finalize one during FINALIZE.
 *
 * --without-balance-trigger is an experiment, not a mode of the product: it disables the ledger's
 * statement-level balance and reference check of postings for the run, to show what that check costs.
 *
 * RENDER (PDF) and DELIVER are measured apart (the PDF renderer is the slow phase); REPORT is one
 * query set.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ClickhouseRatedEventStore, createClickhouseClient, migrateClickhouse, toRatedEventRow } from '@app/analytics';
import { ratedEvent } from '@app/events/testing';
import { createLogger, systemClock } from '@app/observability';
import { seedPostpaidAccounts } from '../../apps/invoicing/src/billing/testing/billing-fixtures';
import { PgCycleService } from '../../apps/invoicing/src/billing/cycles/cycle-service';
import { Finalizer } from '../../apps/invoicing/src/billing/documents/finalize';
import { PgDocumentStore } from '../../apps/invoicing/src/billing/documents/pg-document-store';
import type { BillingDeps } from '../../apps/invoicing/src/billing/phases/billing-deps';
import { ComputeExecutor } from '../../apps/invoicing/src/billing/phases/compute.executor';
import { FinalizeExecutor } from '../../apps/invoicing/src/billing/phases/finalize.executor';
import { PlanExecutor } from '../../apps/invoicing/src/billing/phases/plan.executor';
import { ValidateExecutor } from '../../apps/invoicing/src/billing/phases/validate.executor';
import { WORKER_V8_FLAGS } from '../../apps/invoicing/src/billing/run/local-workers';
import { PgRunStore, type RunRecord } from '../../apps/invoicing/src/billing/run/run-store';
import type { PhaseExecutor, StepContext } from '../../apps/invoicing/src/billing/run/run-worker';
import { VALIDATION_LIMITS_DEFAULT } from '../../apps/invoicing/src/billing/validate/draft-checks';
import { cpuSecondsOfTree } from '../lib/proc';
import { startProfile } from '../lib/cpu-profile';

const INSERT_BATCH = 50_000;
const CYCLE = 'MONTHLY_1-2026-11-01';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function main(): Promise<void> {
  const accounts = arg('accounts', 20_000);
  const perAccount = arg('events', 5);
  const shards = arg('shards', 4);
  const workers = arg('workers', 2);
  // Set-up only, loaded by this main process alone: a COMPUTE worker loads what the CLI's `work` loads, no more
  // (the ORM behind @app/db's barrel is 0.3-0.45 s of a process's start).
  const { migrate } = await import('@app/db');
  const { startClickhouse, startPostgres } = await import('@app/devstack');
  const dir = mkdtempSync(join(tmpdir(), 'ratel-month-end-'));
  const pg = process.env.DATABASE_URL ? undefined : await startPostgres({ dir: join(dir, 'pg'), durable: false });
  const ch = process.env.CLICKHOUSE_URL ? undefined : await startClickhouse({ dir: join(dir, 'ch') });
  const databaseUrl = process.env.DATABASE_URL ?? pg!.url;
  const chUrl = process.env.CLICKHOUSE_URL ?? ch!.url;
  const chDb = `month_end_${process.pid}`;
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const clickhouse = createClickhouseClient({ url: chUrl, requestTimeoutMs: 600_000 });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    await migrate(databaseUrl);
    await migrateClickhouse(chUrl, chDb);
    const at = new Date(Date.UTC(2026, 9, 1));
    await seedPostpaidAccounts(pool, { accounts: accounts, prefix: 'a-', pad: 7, at });
    await seedCatalog(pool, accounts, at);
    const cycles = new PgCycleService(pool);
    await cycles.ensureCycles(Date.UTC(2026, 10, 10), 0);
    await cycles.advance(Date.UTC(2026, 11, 5));

    // Usage: E events per account over two rating groups, in ClickHouse with stream positions 1..N.
    const store = new ClickhouseRatedEventStore(clickhouse, chDb);
    const total = accounts * perAccount;
    let seq = 0;
    const t0 = process.hrtime.bigint();
    for (let from = 0; from < total; from += INSERT_BATCH) {
      const rows = [];
      for (let k = from; k < Math.min(total, from + INSERT_BATCH); k++) {
        const a = k % accounts;
        const e = ratedEvent(`me-${k}`, {
          accountId: `a-${String(a).padStart(7, '0')}`,
          subscriberId: `336${String(a).padStart(7, '0')}${1 + (k % 2)}`,
          ratingGroup: 10 + (k % 2),
          amountMicros: String(1_000_000 + (k % 997) * 1_234),
          occurredAtMs: Date.UTC(2026, 10, 1 + (k % 30), 12),
        });
        rows.push(toRatedEventRow(e, { streamSeq: ++seq, ingestedAtMs: Date.now() }));
      }
      await store.insertRatedEvents(rows);
    }
    out(`setup: ${accounts} accounts, ${total} events in ClickHouse in ${seconds(t0).toFixed(1)} s`);

    if (process.argv.includes('--without-balance-trigger')) {
      await pool.query(`alter table ledger_posting disable trigger ledger_postings_checked`);
      out('experiment: the ledger balance trigger is disabled for this run');
    }
    const runs = new PgRunStore(pool, systemClock);
    let run: RunRecord = await runs.openRun({ runId: `run-${CYCLE}`, cycleId: CYCLE, shardCount: shards });
    const deps: BillingDeps = {
      pool,
      runs,
      cycles,
      documents: new PgDocumentStore(pool),
      finalizer: new Finalizer(pool),
      clickhouse,
      clickhouseDatabase: chDb,
      watermark: { read: async () => BigInt(seq) },
      validation: VALIDATION_LIMITS_DEFAULT,
      clock: systemClock,
      logger: createLogger('month-end-bench', 'warn'),
    };
    const ctxOf = (phase: string, shardIndex: number): StepContext => stepContext(run, phase, shardIndex);
    // Where the time goes: CPU seconds of this process, of PostgreSQL's process tree and of ClickHouse's, per phase
    // (only for servers the bench started; their pids are known).
    const cpu = (): CpuReading => ({
      node: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      pg: pg ? cpuSecondsOfTree(pg.pid) : NaN,
      ch: ch ? cpuSecondsOfTree(ch.pid) : NaN,
    });
    const cpuLines: string[] = [];
    const timed = async (name: string, executor: PhaseExecutor, steps: number, concurrency = 1): Promise<number> => {
      const t = process.hrtime.bigint();
      const c0 = cpu();
      let next = 0;
      const worker = async () => {
        for (let s = next++; s < steps; s = next++) await executor.execute(ctxOf(name, s));
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, steps) }, worker));
      const wall = seconds(t);
      const c1 = cpu();
      cpuLines.push(
        `${name.padEnd(9)} CPU s: this process ${(c1.node - c0.node).toFixed(2)}, PostgreSQL ${(c1.pg - c0.pg).toFixed(2)}, ` +
          `ClickHouse ${(c1.ch - c0.ch).toFixed(2)} (wall ${wall.toFixed(2)} s)`,
      );
      return wall;
    };
    const plan = await timed('PLAN', new PlanExecutor(deps), 1);
    run = await runs.getRun(run.id);
    const inProcess = process.argv.includes('--in-process');
    const profile = process.argv.includes('--profile-compute') && inProcess ? await startProfile('month-end', 'compute') : undefined;
    const compute = inProcess
      ? await timed('COMPUTE', new ComputeExecutor(deps), shards, workers)
      : await computeInWorkers({ workers, shards, runId: run.id, databaseUrl, chUrl, chDb, cpu, cpuLines });
    if (profile) out(`COMPUTE CPU profile of this process: ${await profile()}`);
    const validate = await timed('VALIDATE', new ValidateExecutor(deps), 1);
    const finalizeProfile = process.argv.includes('--profile-finalize') ? await startProfile('month-end', 'finalize') : undefined;
    const finalize = await timed('FINALIZE', new FinalizeExecutor(deps), 1);
    if (finalizeProfile) out(`FINALIZE CPU profile of this process: ${await finalizeProfile()}`);
    const docs = (await pool.query(`select count(*)::int as n from billing_document where status = 'ISSUED'`)).rows[0].n as number;
    const lines = (await pool.query(`select count(*)::int as n from billing_document_line`)).rows[0].n as number;
    const statuses = (
      await pool.query(
        `select status, coalesce(hold_reasons->0->>'code', '') as reason, count(*)::int as n from billing_document group by 1, 2 order by 1, 2`,
      )
    ).rows;
    out(`documents by status: ${statuses.map((r) => `${r.status}${r.reason ? ` (${r.reason})` : ''} ${r.n}`).join(', ')}`);

    // Baseline: COPY the same document and line rows (exported as CSV) into plain tables of the same columns.
    const docsCsv = join(dir, 'documents.csv');
    const linesCsv = join(dir, 'lines.csv');
    writeFileSync(docsCsv, '');
    const psql = (sql: string) => execFileSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
    psql(`\\copy (select * from billing_document) to '${docsCsv}' csv`);
    psql(`\\copy (select * from billing_document_line) to '${linesCsv}' csv`);
    psql(`create table copy_document (like billing_document); create table copy_line (like billing_document_line)`);
    const tc = process.hrtime.bigint();
    psql(`\\copy copy_document from '${docsCsv}' csv`);
    psql(`\\copy copy_line from '${linesCsv}' csv`);
    const copy = seconds(tc);

    const run4 = compute + validate + finalize;
    out(`accounts ${accounts}, events ${total}, shards ${shards}, workers ${workers}, documents issued ${docs}, lines ${lines}`);
    out(`PLAN      ${plan.toFixed(2)} s`);
    out(
      `COMPUTE   ${compute.toFixed(2)} s   ${(accounts / compute).toFixed(0)} documents/s (one ClickHouse query per shard, ` +
        `${workers} ${inProcess ? 'shards at a time in this process' : 'worker processes'})`,
    );
    out(`VALIDATE  ${validate.toFixed(2)} s   ${(docs / validate).toFixed(0)} documents/s`);
    out(`FINALIZE  ${finalize.toFixed(2)} s   ${(docs / finalize).toFixed(0)} documents/s (numbers, ledger, events, blocks of 500)`);
    out(`compute + validate + finalize: ${run4.toFixed(2)} s = ${(docs / run4).toFixed(0)} documents/s`);
    out(`baseline: COPY of the same ${docs} documents and ${lines} lines: ${copy.toFixed(2)} s = ${(docs / copy).toFixed(0)} documents/s`);
    out(`ratio run / COPY: ${(copy / run4).toFixed(3)}`);
    for (const line of cpuLines) out(line);
  } finally {
    await clickhouse.close();
    await pool.end();
    await ch?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type CpuReading = { node: number; pg: number; ch: number };

/**
 * COMPUTE in `workers` child processes (this script with --compute-worker K), each running the
 * executor on shards K, K + N, ...; resolves to the wall time. Each child reports its own CPU.
 */
async function computeInWorkers(p: {
  workers: number;
  shards: number;
  runId: string;
  databaseUrl: string;
  chUrl: string;
  chDb: string;
  cpu: () => CpuReading;
  cpuLines: string[];
}): Promise<number> {
  const t = process.hrtime.bigint();
  const c0 = p.cpu();
  const reports = await Promise.all(
    Array.from(
      { length: p.workers },
      (_, k) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            // The flags the CLI gives its workers (and the Job its pods), then this process's own.
            [
              ...WORKER_V8_FLAGS,
              ...process.execArgv,
              __filename,
              '--compute-worker',
              String(k),
              '--workers',
              String(p.workers),
              '--shards',
              String(p.shards),
            ],
            {
              env: { ...process.env, BENCH_RUN_ID: p.runId, DATABASE_URL: p.databaseUrl, CLICKHOUSE_URL: p.chUrl, BENCH_CH_DB: p.chDb },
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          );
          let text = '';
          child.stdout.on('data', (d: Buffer) => (text += d.toString()));
          child.once('error', reject);
          child.once('exit', (code) =>
            code === 0 ? resolve(Number(JSON.parse(text).cpuSeconds)) : reject(new Error(`compute worker ${k} exited with ${code}`)),
          );
        }),
    ),
  );
  const wall = seconds(t);
  const c1 = p.cpu();
  p.cpuLines.push(
    `COMPUTE   CPU s: workers ${reports.map((r) => r.toFixed(2)).join(' + ')}, this process ${(c1.node - c0.node).toFixed(2)}, ` +
      `PostgreSQL ${(c1.pg - c0.pg).toFixed(2)}, ClickHouse ${(c1.ch - c0.ch).toFixed(2)} (wall ${wall.toFixed(2)} s)`,
  );
  return wall;
}

/** A COMPUTE worker process: shards K, K + N, ... of the run; prints its CPU seconds as JSON. */
async function computeWorker(k: number): Promise<void> {
  const workers = arg('workers', 2);
  const shards = arg('shards', 4);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const clickhouse = createClickhouseClient({ url: process.env.CLICKHOUSE_URL!, requestTimeoutMs: 600_000 });
  try {
    const runs = new PgRunStore(pool, systemClock);
    const run = await runs.getRun(process.env.BENCH_RUN_ID!);
    const executor = new ComputeExecutor({
      pool,
      runs,
      cycles: new PgCycleService(pool),
      documents: new PgDocumentStore(pool),
      finalizer: new Finalizer(pool),
      clickhouse,
      clickhouseDatabase: process.env.BENCH_CH_DB!,
      watermark: { read: async () => 0n },
      validation: VALIDATION_LIMITS_DEFAULT,
      clock: systemClock,
      logger: createLogger('month-end-bench-worker', 'warn'),
    });
    for (let shardIndex = k; shardIndex < shards; shardIndex += workers) await executor.execute(stepContext(run, 'COMPUTE', shardIndex));
  } finally {
    await clickhouse.close();
    await pool.end();
  }
  const u = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuSeconds: (u.user + u.system) / 1e6 }));
}

/** A step context for running an executor outside the run worker (no lease, no progress). */
function stepContext(run: RunRecord, phase: string, shardIndex: number): StepContext {
  return {
    run,
    step: {
      runId: run.id,
      phase: phase as never,
      shardIndex,
      status: 'RUNNING',
      attempts: 1,
      leaseOwner: 'bench',
      leaseExpiresAt: null,
      itemsTotal: 0,
      itemsDone: 0,
      lastError: null,
      startedAt: null,
      finishedAt: null,
    },
    progress: async () => undefined,
    signal: new AbortController().signal,
  };
}

/** Products, charges, discounts, the reduced tax rate, 2 subscriptions per account and their activations. */
async function seedCatalog(pool: Pool, accounts: number, at: Date): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);
  await q(
    `insert into tax_rate (id, jurisdiction, category, rate_percent, valid_from, created_at) values ('fr-red', 'FR', 'REDUCED', 5.5, '2000-01-01', $1)`,
    [at],
  );
  await q(
    `insert into product (id, name, created_at) values ('MOBILE', 'Mobile', $1), ('FIBRE', 'Fibre', $1), ('HANDSET', 'Handset', $1)`,
    [at],
  );
  await q(
    `insert into product_charge (id, product_id, name, kind, period, billing, prorated, instalment_count, amount_minor, currency, tax_category, created_at) values
     ('C_MOB', 'MOBILE', 'Mobile', 'RECURRING', 'MONTHLY', 'ADVANCE', true, null, 2000, 'EUR', 'STANDARD', $1),
     ('C_MOB_ACT', 'MOBILE', 'SIM activation', 'ACTIVATION', null, null, null, null, 1000, 'EUR', 'STANDARD', $1),
     ('C_FIB', 'FIBRE', 'Fibre', 'RECURRING', 'MONTHLY', 'ARREARS', true, null, 3000, 'EUR', 'STANDARD', $1),
     ('C_PRESS', 'FIBRE', 'Press', 'RECURRING', 'MONTHLY', 'ARREARS', false, null, 999, 'EUR', 'REDUCED', $1),
     ('C_HANDSET', 'HANDSET', 'Handset lease', 'INSTALMENT', null, null, null, 24, 59900, 'EUR', 'STANDARD', $1)`,
    [at],
  );
  await q(
    `insert into discount (id, name, kind, percent, amount_minor, currency, scope, charge_id, service, required_product_ids, valid_from, valid_to, created_at) values
     ('D_MOB10', '10 % on mobile', 'PERCENT', 10, null, null, 'CHARGE', 'C_MOB', null, '{}', '2026-01-01', null, $1),
     ('D_CONVERGENT', 'Fibre + mobile', 'FIXED', null, 500, 'EUR', 'CHARGE', 'C_FIB', null, '{FIBRE,MOBILE}', '2026-01-01', null, $1),
     ('D_LOYALTY', 'Loyalty', 'PERCENT', 5, null, null, 'INVOICE', null, null, '{}', '2026-01-01', null, $1)`,
    [at],
  );
  await q(
    `insert into subscription (id, msisdn, imsi, account_id, product_id, created_at)
     select 's-' || lpad(i::text, 7, '0') || '-' || n, '336' || lpad(i::text, 7, '0') || n, '20801' || lpad(i::text, 9, '0') || n,
       'a-' || lpad(i::text, 7, '0'), case when n = 1 then 'MOBILE' when i % 10 = 0 then 'HANDSET' else 'FIBRE' end, $2
     from generate_series(0, $1 - 1) i, generate_series(1, 2) n`,
    [accounts, at],
  );
  await q(
    `insert into subscription_lifecycle_event (subscription_id, account_id, kind, effective_at, effective_local_date, time_zone, to_product_id, actor)
     select s.id, s.account_id, 'ACTIVATE', t.at, (t.at at time zone 'UTC')::date, 'UTC', s.product_id, 'bench'
     from subscription s cross join lateral (select case when s.product_id = 'MOBILE' and right(s.account_id, 1) = '0'
       then timestamptz '2026-11-10 09:00Z' else timestamptz '2025-06-01 09:00Z' end as at) t`,
  );
}

const workerIndex = process.argv.indexOf('--compute-worker');
(workerIndex > 0 ? computeWorker(Number(process.argv[workerIndex + 1])) : main()).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
