/** The ERP export against real PostgreSQL: mapped rows, the same bytes per day, a changed day refused, unmapped accounts named. */
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { migrate, withTransaction } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { CollectionsError } from '../payments/collections-error';
import { seedReceivables } from '../testing/receivables-fixtures';
import { accountMap, JournalExporter } from './journal-export';

const AT = new Date(Date.UTC(2026, 11, 2, 10));
const NOW = Date.UTC(2026, 11, 3, 8);
let pool: Pool;

async function post(id: string, day: string, legs: Array<[string, string | null, bigint]>): Promise<void> {
  await withTransaction(pool, async (c) => {
    await c.query(
      `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ($1, $1, 'PAYMENT_RECEIVED', $1, 'EUR', $2, $3)`,
      [id, day, AT],
    );
    // All legs in one statement: each statement's postings of a transaction must balance (Migration20261204003500).
    await c.query(
      `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
       select $1, n, a, p, m from unnest($2::smallint[], $3::text[], $4::text[], $5::bigint[]) as t(n, a, p, m)`,
      [id, legs.map((_, i) => i + 1), legs.map((l) => l[0]), legs.map((l) => l[1]), legs.map((l) => l[2].toString())],
    );
  });
}

beforeAll(async () => {
  const url = await createTestDatabase('erpexp');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
  // Two invoices issued (and posted) on their issue day, 2026-12-01; a payment on 2026-12-02.
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-12-01' },
      { n: 2, accountId: 'acc-2', grossMinor: 5050n, issueDate: '2026-12-01' },
    ],
    at: AT,
  });
  await post('pay-1', '2026-12-02', [
    ['BANK', null, 12000n],
    ['AR', 'acc-1', -12000n],
  ]);
});

afterAll(async () => {
  await pool?.end();
});

describe('JournalExporter', () => {
  const exporter = () => new JournalExporter(pool, accountMap(undefined));

  it("exports a day's postings mapped to GL accounts, debits and credits in the major unit, and the same bytes again", async () => {
    const first = await exporter().export({ day: '2026-12-02', format: 'csv', exportedBy: 'spec', nowMs: NOW });
    expect(first).toMatchObject({ transactions: 1, postings: 2, repeated: false });
    expect(first.body).toBe(
      'transaction_id,kind,source_id,posted_on,line_no,ledger_account,gl_account,party,currency,debit,credit\r\n' +
        'pay-1,PAYMENT_RECEIVED,pay-1,2026-12-02,1,BANK,512000,,EUR,120.00,\r\n' +
        'pay-1,PAYMENT_RECEIVED,pay-1,2026-12-02,2,AR,411000,acc-1,EUR,,120.00\r\n',
    );
    expect(first.sha256).toBe(createHash('sha256').update(first.body).digest('hex'));
    const again = await exporter().export({ day: '2026-12-02', format: 'csv', exportedBy: 'spec', nowMs: NOW + 1000 });
    expect({ ...again, repeated: undefined }).toEqual({ ...first, repeated: undefined });
    expect(again.repeated).toBe(true);
    const json = await exporter().export({ day: '2026-12-02', format: 'json', exportedBy: 'spec', nowMs: NOW });
    expect(JSON.parse(json.body)).toMatchObject({
      day: '2026-12-02',
      sha256: first.sha256,
      rows: [
        { glAccount: '512000', debit: '120.00' },
        { glAccount: '411000', credit: '120.00' },
      ],
    });
    const rows = await pool.query(`select day::text, sha256, transactions, postings from erp_journal_export`);
    expect(rows.rows).toEqual([{ day: '2026-12-02', sha256: first.sha256, transactions: 1, postings: 2 }]);
  });

  it('refuses a day whose journal changed after it was exported, with both hashes, and writes nothing', async () => {
    await post('pay-late', '2026-12-02', [
      ['BANK', null, 100n],
      ['UNAPPLIED_CASH', 'acc-2', -100n],
    ]);
    const err = await exporter()
      .export({ day: '2026-12-02', format: 'csv', exportedBy: 'spec', nowMs: NOW })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectionsError);
    expect(err).toMatchObject({
      code: 'JOURNAL_CHANGED',
      details: { exportedSha256: expect.any(String), currentSha256: expect.any(String) },
    });
    const rows = await pool.query(`select count(*)::int as n from erp_journal_export`);
    expect(rows.rows[0].n).toBe(1);
  });

  it('names ledger accounts without a GL account, and refuses days that are not over or not dates', async () => {
    const partial = new JournalExporter(pool, {
      ...accountMap(undefined),
      REVENUE: undefined as unknown as string,
      TAX_PAYABLE: undefined as unknown as string,
    });
    const err = await partial.export({ day: '2026-12-01', format: 'csv', exportedBy: 'spec', nowMs: NOW }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNMAPPED_ACCOUNTS', details: { unmapped: ['REVENUE'] } });
    for (const [day, format, parameter] of [
      ['2026-12-03', 'csv', 'day'],
      ['2026-02-30', 'csv', 'day'],
      ['12/01/2026', 'csv', 'day'],
      ['2026-12-01', 'xml', 'format'],
    ] as const) {
      const e = await exporter()
        .export({ day, format: format as 'csv', exportedBy: 'spec', nowMs: NOW })
        .catch((x: unknown) => x);
      expect([day, format, (e as CollectionsError).details?.parameter]).toEqual([day, format, parameter]);
    }
    expect((await pool.query(`select count(*)::int as n from erp_journal_export`)).rows[0].n).toBe(1);
  });
});
