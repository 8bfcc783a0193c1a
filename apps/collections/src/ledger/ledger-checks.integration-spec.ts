/**
 * The ledger checks against real PostgreSQL: clean after invoices and a statement import, and each
 * check seen to fail on the fault it is for (a transaction that does not balance, AR that no
 * document explains, unapplied cash the payments do not hold).
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate, withTransaction } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { ImportStatement, ImportStatementCommand } from '../payments/import-statement.usecase';
import { seedReceivables } from '../testing/receivables-fixtures';
import { LedgerChecks } from './ledger-checks';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'camt053-mixed.xml');
const AT = new Date(Date.UTC(2026, 11, 2, 20, 0, 0));
const NOW = AT.getTime();

let pool: Pool;

beforeAll(async () => {
  const url = await createTestDatabase('ledgerchk');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3', 'acc-4'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
      { n: 2, accountId: 'acc-1', grossMinor: 10000n, issueDate: '2026-11-01' },
      { n: 3, accountId: 'acc-2', grossMinor: 5000n, issueDate: '2026-10-01' },
      { n: 4, accountId: 'acc-2', grossMinor: 7500n, issueDate: '2026-11-01' },
      { n: 5, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-11-01' },
      { n: 6, accountId: 'acc-4', grossMinor: 2000n, issueDate: '2026-09-01' },
      { n: 7, accountId: 'acc-4', grossMinor: 3000n, issueDate: '2026-10-01' },
      { n: 8, accountId: 'acc-4', grossMinor: 4000n, issueDate: '2026-11-01' },
    ],
    at: AT,
  });
  const sha256 = createHash('sha256').update(readFileSync(FIXTURE)).digest('hex');
  const cmd = ImportStatementCommand.create({ fileName: 'camt053-mixed.xml', sha256, requestedBy: 'spec' });
  await new ImportStatement(pool, { nowMs: () => NOW }).execute(cmd, createReadStream(FIXTURE));
});

afterAll(async () => {
  await pool?.end();
});

/** A balanced transaction of two legs, appended as any writer of the ledger does. */
async function post(id: string, legs: Array<[string, string | null, bigint]>): Promise<void> {
  await withTransaction(pool, async (c) => {
    await c.query(
      `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ($1, $1, 'SPEC', $1, 'EUR', '2026-12-02', $2)`,
      [id, AT],
    );
    // All legs in one statement: each statement's postings of a transaction must balance (Migration20261204003500).
    await c.query(
      `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
       select $1, n, a, p, m from unnest($2::smallint[], $3::text[], $4::text[], $5::bigint[]) as t(n, a, p, m)`,
      [id, legs.map((_, i) => i + 1), legs.map((l) => l[0]), legs.map((l) => l[1]), legs.map((l) => l[2].toString())],
    );
  });
}

describe('LedgerChecks', () => {
  it('finds nothing after invoices were issued and a statement was imported (payments, partial, over-payment, suspense)', async () => {
    const report = await new LedgerChecks(pool).run({ nowMs: NOW });
    expect(report).toMatchObject({ ok: true, transactions: { unbalanced: 0, examples: [] } });
    expect(report.transactions.checked).toBeGreaterThan(8);
    expect(report.receivables).toEqual({ accountsChecked: 4, mismatched: 0, examples: [] });
    expect(report.unappliedCash.mismatched).toBe(0);
    expect(report.unappliedCash.accountsChecked).toBeGreaterThan(0);
  });

  it('reports AR that no document explains, and unapplied cash the payments do not hold, for that account only', async () => {
    await post('spec-ar', [
      ['AR', 'acc-2', 700n],
      ['REVENUE', null, -700n],
    ]);
    await post('spec-cash', [
      ['BANK', null, 300n],
      ['UNAPPLIED_CASH', 'acc-4', -300n],
    ]);
    const report = await new LedgerChecks(pool).run({ nowMs: NOW });
    expect(report.ok).toBe(false);
    expect(report.receivables.examples).toEqual([
      { accountId: 'acc-2', ledgerMinor: expect.any(String), expectedMinor: expect.any(String) },
      { accountId: 'acc-4', ledgerMinor: expect.any(String), expectedMinor: expect.any(String) },
    ]);
    const acc2 = report.receivables.examples[0];
    expect(BigInt(acc2.ledgerMinor) - BigInt(acc2.expectedMinor)).toBe(700n);
    expect(report.unappliedCash.examples).toEqual([
      { accountId: 'acc-4', ledgerMinor: expect.any(String), expectedMinor: expect.any(String) },
    ]);
    const one = await new LedgerChecks(pool).run({ accountId: 'acc-1', nowMs: NOW });
    expect(one).toMatchObject({ ok: true, accountId: 'acc-1', receivables: { accountsChecked: 1, mismatched: 0 } });
    // Set right by the reversing transactions an operator would post.
    await post('spec-ar-rev', [
      ['AR', 'acc-2', -700n],
      ['REVENUE', null, 700n],
    ]);
    await post('spec-cash-rev', [
      ['BANK', null, -300n],
      ['UNAPPLIED_CASH', 'acc-4', 300n],
    ]);
    expect((await new LedgerChecks(pool).run({ nowMs: NOW })).ok).toBe(true);
  });

  it('reports a transaction that does not balance (written around the balance trigger)', async () => {
    const c = await pool.connect();
    try {
      await c.query('begin');
      await c.query(`set local session_replication_role = replica`);
      await c.query(
        `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ('spec-bad', 'spec-bad', 'SPEC', 'x', 'EUR', '2026-12-02', $1)`,
        [AT],
      );
      await c.query(
        `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor) values ('spec-bad', 1, 'BANK', null, 5)`,
      );
      await c.query('commit');
    } finally {
      c.release();
    }
    const report = await new LedgerChecks(pool).run({ nowMs: NOW });
    expect(report.ok).toBe(false);
    expect(report.transactions).toMatchObject({ unbalanced: 1, examples: [{ transactionId: 'spec-bad', sumMinor: '5' }] });
  });
});
