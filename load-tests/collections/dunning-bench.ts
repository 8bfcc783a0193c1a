/**
 * Dunning at scale (issue 10: "evaluating 1M accounts, under 60 s"): N postpaid accounts, each with one
 * invoice due 2026-11-15 and unpaid, on a throwaway PostgreSQL (or DATABASE_URL); then one dunning run
 * on 2026-11-19 through the real path (Dunning.run: pages of overdue accounts evaluated in one
 * transaction each, the D+3 reminder taken for each account: a case, the action, the notice row, the
 * DUNNING_STEP_TAKEN event), timed, and a second run the same day (nothing left to take: the cost of
 * evaluating alone).
 *
 * Baseline in the same run: a raw PostgreSQL COPY of the same N dunning_action-shaped rows into a table
 * of the same columns, so the ratio says what evaluating costs beyond writing its output.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/collections/dunning-bench.ts [--accounts 20000] [--v8-flags collections|none]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { copyRows, migrate, withTransaction } from '@app/db';
import { startPostgres } from '@app/devstack';
import { Dunning } from '../../apps/collections/src/dunning/dunning';
import { Args } from '../lib/args';
import { runWithV8Flags } from '../lib/v8-flags';
import { COLLECTIONS_V8_FLAGS } from '../../apps/collections/src/runtime-flags';
import { cpuSecondsOfTree } from '../lib/proc';
import { printStatementProfile, resetStatementProfile } from '../lib/pg-statements';
import { seedInvoices } from './seed-invoices';

async function main(): Promise<void> {
  const args = new Args();
  // As the collections process runs (its V8 flags), unless --v8-flags none.
  runWithV8Flags(args, 'collections', COLLECTIONS_V8_FLAGS);
  const n = Number(args.str('accounts', '20000'));
  const dir = mkdtempSync(join(tmpdir(), 'ratel-dunning-bench-'));
  const pg = process.env.DATABASE_URL ? undefined : await startPostgres({ dir: join(dir, 'pg'), durable: false });
  const url = process.env.DATABASE_URL ?? pg!.url;
  try {
    await migrate(url);
    const pool = new Pool({ connectionString: url, max: 4 });
    const at = new Date(Date.UTC(2026, 10, 19, 6));
    let t = Date.now();
    await seedInvoices(pool, n, at);
    await pool.query('vacuum analyze');
    console.log(`seeded ${n} accounts with an overdue invoice in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const dunning = new Dunning(pool, undefined);
    const measure = async (label: string) => {
      await resetStatementProfile(pool);
      const tree0 = cpuSecondsOfTree(process.pid);
      const pg0 = pg === undefined ? 0 : cpuSecondsOfTree(pg.pid);
      t = Date.now();
      let last = t;
      const out = await dunning.run('2026-11-19', at.getTime(), (done) => {
        if (Date.now() - last > 10_000) {
          last = Date.now();
          console.log(`  ${done} accounts, ${(done / ((last - t) / 1000)).toFixed(0)}/s`);
        }
      });
      const s = (Date.now() - t) / 1000;
      const pgCpu = pg === undefined ? NaN : cpuSecondsOfTree(pg.pid) - pg0;
      const nodeCpu = cpuSecondsOfTree(process.pid) - tree0 - (Number.isNaN(pgCpu) ? 0 : pgCpu);
      console.log(
        `${label}: ${out.accounts} accounts, ${out.stepsTaken} steps, ${out.failed.length} failed in ${s.toFixed(1)} s = ${(out.accounts / s).toFixed(0)} accounts/s` +
          ` (CPU: node ${nodeCpu.toFixed(1)} s, PostgreSQL ${pgCpu.toFixed(1)} s)`,
      );
      await printStatementProfile(pool);
      return s;
    };
    const first = await measure('first run (a reminder for every account)');
    await measure('second run, same day (nothing to take)');
    await pool.query(
      `create table bench_action (case_id varchar(64), step_no smallint, action varchar(24), overdue_minor bigint, taken_on date, result jsonb, created_at timestamptz)`,
    );
    const rows = Array.from(
      { length: n },
      (_, i) => [`dc-${i}`, 1, 'REMINDER_EMAIL', '1000', '2026-11-19', '{"notices":["EMAIL"]}', at.toISOString()] as const,
    );
    t = Date.now();
    await withTransaction(pool, (c) =>
      copyRows(c, 'bench_action', ['case_id', 'step_no', 'action', 'overdue_minor', 'taken_on', 'result', 'created_at'], rows),
    );
    const copyS = (Date.now() - t) / 1000;
    console.log(
      `baseline COPY of ${n} dunning_action rows: ${copyS.toFixed(2)} s = ${(n / copyS).toFixed(0)} rows/s; ratio first run / COPY: ${(first / copyS).toFixed(0)}x`,
    );
    console.log(`projected for 1,000,000 accounts at this rate: ${((1_000_000 / n) * first).toFixed(0)} s (target: 60 s)`);
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
