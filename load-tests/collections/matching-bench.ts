/**
 * Matching at scale (issue 10: "a camt.053 file of 1M entries against 1M open documents, under 60 s on
 * 2 cores"): N postpaid accounts with one issued invoice each (and its DOCUMENT_ISSUED ledger
 * transaction), on a throwaway PostgreSQL (or DATABASE_URL), then ONE camt.053 file of N entries
 * imported through the real path (ImportStatement: the streaming parser, the applier's matching,
 * allocations, documents' status, ledger postings, the collections outbox), timed. The mix: 70 % pay
 * by the invoice's RF reference, 15 % name the invoice number in the remittance text, 10 % name the
 * account and pay the exact amount, 5 % are unidentified (suspense); one in ten pays only part.
 *
 * Baseline in the same run: a raw PostgreSQL COPY of the same allocation rows (payment id, document id,
 * amount) into a table of the same columns, so the ratio says what matching and its bookkeeping cost
 * beyond writing the allocations out. The ledger checks are run once at the end (timed too).
 *
 * `--floor true` adds a second baseline: the WRITE FLOOR. The rows the import wrote (its statement
 * import, payments, allocations, PAYMENT_RECEIVED ledger transactions and postings, outbox rows, and the
 * documents' paid amounts and statuses) are copied into unindexed staging tables of a second database
 * seeded the same way, then written into the real tables set-based, one INSERT ... SELECT per table and one
 * UPDATE ... FROM for the documents, in ONE transaction with every index, trigger and deferred check of the
 * schema live. That is what PostgreSQL needs for exactly these rows with no matching, no round trips and no
 * batching at all, with one exception: the floor's one UPDATE of the documents cannot be heap-only (nothing is
 * pruned inside one transaction), while most of the import's are (a page's old versions from a committed batch
 * are pruned when a later batch updates the page), so the import can beat the floor on that statement.
 *
 * Huge pages: PostgreSQL maps its shared memory (shared_buffers) in 2 MB pages when the kernel reserves enough of
 * them (its default huge_pages=try); the bench does not change the kernel's setting, and says which the server had.
 * As root, `sysctl vm.nr_hugepages=2200` (4.3 GB, for shared_buffers=4GB) before a run, `sysctl vm.nr_hugepages=0` after.
 *
 * The bench runs itself again with the collections process's V8 flags (COLLECTIONS_V8_FLAGS) unless it has them
 * already; `--v8-flags none` keeps node's defaults.
 *
 * `--pg-via socket` connects to the bench's own server through its Unix-domain socket instead of TCP on the
 * loopback (`tcp`, the default and every earlier row of RESULTS.md): what an operator running PostgreSQL on the
 * same host configures (DATABASE_URL with the socket directory as its host). On the loopback, each write's
 * bytes go through the kernel's TCP stack on both sides.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/collections/matching-bench.ts [--entries 100000] [--pg-memory operator|defaults] [--pg-via tcp|socket] [--v8-flags collections|none] [--profile true] [--floor true]
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { beginTransaction, copyRows, migrate, withTransaction } from '@app/db';
import { startPostgres } from '@app/devstack';
import { systemClock } from '@app/observability';
import { LedgerChecks } from '../../apps/collections/src/ledger/ledger-checks';
import { COLLECTIONS_V8_FLAGS } from '../../apps/collections/src/runtime-flags';
import { PAYMENT_RECEIVED_KIND } from '../../apps/collections/src/matching/ledger-accounts';
import { ImportStatement, ImportStatementCommand } from '../../apps/collections/src/payments/import-statement.usecase';
import { Args } from '../lib/args';
import { runWithV8Flags } from '../lib/v8-flags';
import { seedInvoices, writeBenchStatement } from './seed-invoices';
import { cpuSecondsOfTree, hugePages, hugePagesLine } from '../lib/proc';
import { startProfile } from '../lib/cpu-profile';
import { printStatementProfile, resetStatementProfile } from '../lib/pg-statements';

/** The rows an import writes, by table: what the write floor copies and writes again (`where` picks the import's own). */
const FLOOR_TABLES: { table: string; where: string }[] = [
  { table: 'bank_statement_import', where: 'true' },
  { table: 'payment', where: 'true' },
  { table: 'ledger_transaction', where: `kind = '${PAYMENT_RECEIVED_KIND}'` },
  { table: 'ledger_posting', where: `transaction_id in (select id from ledger_transaction where kind = '${PAYMENT_RECEIVED_KIND}')` },
  { table: 'payment_allocation', where: 'true' },
  { table: 'collections_outbox', where: 'true' },
];

/**
 * Copies the rows of `select` in database `from` into the unlogged staging table `stage` of `to`, which
 * `create` makes (one COPY out piped into one COPY in); returns the rows staged.
 */
async function stage(from: Pool, to: Pool, x: { stage: string; create: string; select: string }): Promise<number> {
  await to.query(x.create);
  const src = await from.connect();
  const dst = await to.connect();
  try {
    await pipeline(src.query(copyTo(`copy (${x.select}) to stdout`)), dst.query(copyFrom(`copy "${x.stage}" from stdin`)));
  } finally {
    src.release();
    dst.release();
  }
  const { rows } = await to.query<{ n: number }>(`select count(*)::int as n from "${x.stage}"`);
  return rows[0].n;
}

/** The paid documents' fields a payment moves, staged for the floor's one UPDATE ... FROM. */
const DOCUMENT_FIELDS = 'id, paid_minor, status, updated_at';

/**
 * The write floor (see the header): the import's rows of database `a` written again, set-based, into database `b`
 * (seeded the same way, nothing imported), in one transaction, each statement and the commit timed. Returns the
 * seconds and PostgreSQL's CPU for the writes.
 */
async function writeFloor(
  a: Pool,
  b: Pool,
  pgPid: number | undefined,
): Promise<{ seconds: number; pgCpu: number; rows: number; documents: number; steps: string[] }> {
  let rows = 0;
  for (const t of FLOOR_TABLES)
    rows += await stage(a, b, {
      stage: `stage_${t.table}`,
      create: `create unlogged table "stage_${t.table}" (like "${t.table}")`,
      select: `select * from "${t.table}" where ${t.where}`,
    });
  const documents = await stage(a, b, {
    stage: 'stage_document',
    create: `create unlogged table stage_document as select ${DOCUMENT_FIELDS} from billing_document where false`,
    select: `select ${DOCUMENT_FIELDS} from billing_document where paid_minor > 0`,
  });
  await b.query('vacuum analyze');
  const pgCpu0 = pgPid === undefined ? NaN : cpuSecondsOfTree(pgPid);
  const t = Date.now();
  const steps: string[] = [];
  const timed = async (label: string, run: () => Promise<unknown>) => {
    const t0 = Date.now();
    await run();
    steps.push(`${label} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  const tx = await beginTransaction(b);
  try {
    for (const x of FLOOR_TABLES) await timed(x.table, () => tx.client.query(`insert into "${x.table}" select * from "stage_${x.table}"`));
    await timed('billing_document (update)', () =>
      tx.client.query(
        `update billing_document d set paid_minor = s.paid_minor, status = s.status, updated_at = s.updated_at from stage_document s where d.id = s.id`,
      ),
    );
    await timed('commit (deferred checks)', () => tx.commit());
  } finally {
    await tx.rollback(); // a no-op once committed
  }
  const seconds = (Date.now() - t) / 1000;
  return { seconds, pgCpu: pgPid === undefined ? NaN : cpuSecondsOfTree(pgPid) - pgCpu0, rows, documents, steps };
}

/** The server of `tcpUrl` through its Unix-domain socket in `socketDir` (startPostgres's `-k`): same port, user and database. */
function socketUrl(tcpUrl: string, socketDir: string): string {
  const u = new URL(tcpUrl);
  return `postgres://${u.username}@${encodeURIComponent(socketDir)}:${u.port}${u.pathname}`;
}

/** What an operator gives PostgreSQL on a box of this size (24 GB): a sixth of the memory as buffers, WAL room for a long import. */
const PG_OPERATOR_MEMORY = { shared_buffers: '4GB', max_wal_size: '8GB' } as const;

async function main(): Promise<void> {
  const args = new Args();
  // The import runs as the collections process runs it: with its V8 flags (unless --v8-flags none: node's
  // defaults, as the rows of RESULTS.md before 2026-12-05 18:00 UTC ran).
  runWithV8Flags(args, 'collections', COLLECTIONS_V8_FLAGS);
  const n = Number(args.str('entries', '100000'));
  const dir = mkdtempSync(join(tmpdir(), 'ratel-matching-bench-'));
  // The bench's own server, sized as an operator sizes one on this 24 GB box (--pg-memory default), or with
  // PostgreSQL's defaults (--pg-memory defaults: shared_buffers 128MB, max_wal_size 1GB), as the rounds before 2026-12-05 ran it.
  const memory = args.str('pg-memory', 'operator');
  if (memory !== 'operator' && memory !== 'defaults') throw new Error(`--pg-memory operator|defaults, not ${memory}`);
  const settings = memory === 'operator' ? PG_OPERATOR_MEMORY : {};
  const hugeBefore = hugePages();
  const pg = process.env.DATABASE_URL ? undefined : await startPostgres({ dir: join(dir, 'pg'), durable: false, settings });
  if (pg !== undefined) console.log(`PostgreSQL settings: ${memory === 'operator' ? JSON.stringify(settings) : 'defaults'}`);
  // PostgreSQL's huge_pages=try (its default) maps shared_buffers in 2 MB pages when the kernel reserves them:
  // 7-26 % less of PostgreSQL's CPU for this import (RESULTS.md, "huge pages"), so every run says which it had.
  if (pg !== undefined) console.log(hugePagesLine(hugeBefore));
  const via = args.str('pg-via', 'tcp');
  if (via !== 'tcp' && via !== 'socket') throw new Error(`--pg-via tcp|socket, not ${via}`);
  if (via === 'socket' && pg === undefined) throw new Error('--pg-via socket: only with the bench’s own server (no DATABASE_URL)');
  const url = process.env.DATABASE_URL ?? (via === 'socket' ? socketUrl(pg!.url, join(dir, 'pg')) : pg!.url);
  if (pg !== undefined) console.log(`connected through ${via === 'socket' ? 'the Unix-domain socket' : 'TCP on the loopback'}`);
  try {
    await migrate(url);
    const pool = new Pool({ connectionString: url, max: 4 });
    const at = new Date(Date.UTC(2026, 11, 2, 18));
    let t = Date.now();
    await seedInvoices(pool, n, at);
    console.log(`seeded ${n} accounts and issued invoices in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const file = join(dir, 'camt053.xml');
    const { allocations } = await writeBenchStatement(file, n);
    const bytes = readFileSync(file).length;
    console.log(`camt.053: ${n} entries, ${(bytes / 1e6).toFixed(1)} MB`);
    await pool.query('vacuum analyze');
    await resetStatementProfile(pool);

    // The import, through the product's path.
    const stopProfile = args.bool('profile', false) ? await startProfile('matching', 'import') : undefined;
    const cpu0 = cpuSecondsOfTree(process.pid);
    const pgCpu0 = pg === undefined ? 0 : cpuSecondsOfTree(pg.pid);
    t = Date.now();
    let last = t;
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const summary = await new ImportStatement(pool, systemClock).execute(
      ImportStatementCommand.create({ fileName: 'bench.xml', sha256, requestedBy: 'bench' }),
      createReadStream(file),
      (c) => {
        if (Date.now() - last > 10_000) {
          last = Date.now();
          console.log(`  ${c.entriesSeen} entries, ${(c.entriesSeen / ((last - t) / 1000)).toFixed(0)}/s`);
        }
      },
    );
    const importS = (Date.now() - t) / 1000;
    const pgCpu = pg === undefined ? NaN : cpuSecondsOfTree(pg.pid) - pgCpu0;
    // PostgreSQL runs as a child of this process: its CPU is in the tree, counted apart.
    const nodeCpu = cpuSecondsOfTree(process.pid) - cpu0 - (Number.isNaN(pgCpu) ? 0 : pgCpu);
    if (stopProfile !== undefined) console.log(`node's CPU profile of the import: ${await stopProfile()}`);
    await printStatementProfile(pool);
    const { rows: made } = await pool.query<{ p: number; a: number; s: number }>(
      `select (select count(*)::int from payment) as p, (select count(*)::int from payment_allocation) as a, (select count(*)::int from payment where status = 'SUSPENSE') as s`,
    );

    // Baseline: COPY of the same allocation rows.
    await pool.query(
      `create table bench_allocation (payment_id varchar(64) not null, document_id varchar(64) not null, amount_minor bigint not null)`,
    );
    t = Date.now();
    await withTransaction(pool, (c) => copyRows(c, 'bench_allocation', ['payment_id', 'document_id', 'amount_minor'], allocations));
    const copyS = (Date.now() - t) / 1000;

    t = Date.now();
    const checks = await new LedgerChecks(pool).run({ nowMs: Date.now() });
    const checkS = (Date.now() - t) / 1000;

    console.log(
      JSON.stringify({
        status: summary.status,
        entriesSeen: summary.entriesSeen,
        paymentsCreated: summary.paymentsCreated,
        rejected: summary.rejected,
      }),
    );
    console.log(`payments ${made[0].p}, allocations ${made[0].a}, suspense ${made[0].s}`);
    console.log(`import (parse, match, allocate, post, outbox): ${importS.toFixed(1)} s = ${(n / importS).toFixed(0)} entries/s`);
    console.log(
      `  CPU: node ${nodeCpu.toFixed(1)} s, PostgreSQL ${pgCpu.toFixed(1)} s (${((nodeCpu + pgCpu) / importS).toFixed(2)} cores busy)`,
    );
    console.log(
      `baseline COPY of the ${allocations.length} allocation rows: ${copyS.toFixed(2)} s = ${(allocations.length / copyS).toFixed(0)} rows/s`,
    );
    console.log(`ratio import / COPY: ${(importS / copyS).toFixed(1)}x`);
    console.log(`ledger checks over ${n} accounts: ${checkS.toFixed(1)} s, ok=${checks.ok}`);
    console.log(`projected for 1,000,000 entries at this rate: ${((1_000_000 / n) * importS).toFixed(0)} s (target: 60 s)`);

    if (args.bool('floor', false)) {
      const floorDb = 'ratel_write_floor';
      await pool.query(`create database ${floorDb}`);
      const floorUrl = new URL(url);
      floorUrl.pathname = `/${floorDb}`;
      await migrate(floorUrl.toString());
      const floorPool = new Pool({ connectionString: floorUrl.toString(), max: 4 });
      try {
        await seedInvoices(floorPool, n, at);
        const f = await writeFloor(pool, floorPool, pg?.pid);
        const floorChecks = await new LedgerChecks(floorPool).run({ nowMs: Date.now() });
        console.log(
          `write floor: the import's ${f.rows} rows and ${f.documents} documents' updates written set-based in one transaction: ${f.seconds.toFixed(1)} s` +
            ` (PostgreSQL CPU ${f.pgCpu.toFixed(1)} s), ledger checks ok=${floorChecks.ok}; import / floor ${(importS / f.seconds).toFixed(2)}x`,
        );
        console.log(`write floor by statement: ${f.steps.join(', ')}`);
      } finally {
        await floorPool.end();
      }
    }
    await pool.end();
  } finally {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
