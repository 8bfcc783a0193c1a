/**
 * A camt.053 statement imported against real PostgreSQL: good entries become payments matched by RF
 * reference, invoice number, account and exact amount, and oldest first (partial, over several
 * invoices, over-payment kept as account credit, unidentified money to suspense); bad entries are
 * rejected with their element and line while the good ones go in; the ledger balances; importing the
 * file again, or twice at once, changes nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import type { Clock } from '@app/observability';
import { seedReceivables } from '../testing/receivables-fixtures';
import { PaymentApplier } from '../matching/apply-payment';
import {
  abandonStaleImports,
  IMPORT_HEARTBEAT_MS,
  IMPORT_STALE_AFTER_MS_DEFAULT,
  ImportStatement,
  ImportStatementCommand,
} from './import-statement.usecase';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'camt053-mixed.xml');
const SHA256 = createHash('sha256').update(readFileSync(FIXTURE)).digest('hex');
const AT = new Date(Date.UTC(2026, 11, 2, 20, 0, 0));
const clock: Clock = { nowMs: () => AT.getTime() };

const ACCOUNTS = ['acc-1', 'acc-2', 'acc-3', 'acc-4'];
const INVOICES = [
  { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
  { n: 2, accountId: 'acc-1', grossMinor: 10000n, issueDate: '2026-11-01' },
  { n: 3, accountId: 'acc-2', grossMinor: 5000n, issueDate: '2026-10-01' },
  { n: 4, accountId: 'acc-2', grossMinor: 7500n, issueDate: '2026-11-01' },
  { n: 5, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-11-01' },
  { n: 6, accountId: 'acc-4', grossMinor: 2000n, issueDate: '2026-09-01' },
  { n: 7, accountId: 'acc-4', grossMinor: 3000n, issueDate: '2026-10-01' },
  { n: 8, accountId: 'acc-4', grossMinor: 4000n, issueDate: '2026-11-01' },
];

async function freshDatabase(label: string): Promise<Pool> {
  const url = await createTestDatabase(label);
  await migrate(url);
  const pool = new Pool({ connectionString: url, max: 8 });
  await seedReceivables(pool, { accounts: ACCOUNTS, invoices: INVOICES, at: AT });
  return pool;
}

function importFixture(pool: Pool) {
  const cmd = ImportStatementCommand.create({ fileName: 'camt053-mixed.xml', sha256: SHA256, requestedBy: 'spec' });
  // Small chunks: entries, tags and texts are split across chunk boundaries.
  return new ImportStatement(pool, clock).execute(cmd, createReadStream(FIXTURE, { highWaterMark: 97 }));
}

async function documents(pool: Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ id: string; status: string; paid_minor: string }>(
    `select id, status, paid_minor from billing_document order by id`,
  );
  return Object.fromEntries(rows.map((r) => [r.id, `${r.status} ${r.paid_minor}`]));
}

async function payments(pool: Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query(
    `select bank_reference, status, coalesce(match_rule, '-') as rule, coalesce(account_id, '-') as account, unapplied_minor,
       coalesce((select string_agg(document_id || '=' || amount_minor, ',' order by document_id) from payment_allocation a where a.payment_id = p.id), '') as allocations
     from payment p order by bank_reference`,
  );
  return Object.fromEntries(
    rows.map((r) => [r.bank_reference, `${r.status} ${r.rule} ${r.account} unapplied=${r.unapplied_minor} ${r.allocations}`]),
  );
}

/** Balances by ledger account and party, and the transactions that do not sum to zero. */
async function ledger(pool: Pool): Promise<{ balances: Record<string, string>; unbalanced: number; transactions: number }> {
  const { rows } = await pool.query(
    `select account_code || coalesce(':' || party_account_id, '') as k, sum(amount_minor)::text as s from ledger_posting group by 1 order by 1`,
  );
  const bad = await pool.query(`select transaction_id from ledger_posting group by 1 having sum(amount_minor) <> 0`);
  const tx = await pool.query(`select count(*)::int as n from ledger_transaction`);
  return { balances: Object.fromEntries(rows.map((r) => [r.k, r.s])), unbalanced: bad.rowCount ?? 0, transactions: tx.rows[0].n };
}

const EXPECTED_DOCUMENTS = {
  'doc-1': 'PAID 12000',
  'doc-2': 'PARTIALLY_PAID 4000',
  'doc-3': 'ISSUED 0',
  'doc-4': 'PAID 7500',
  'doc-5': 'PAID 3000',
  'doc-6': 'PAID 2000',
  'doc-7': 'PAID 3000',
  'doc-8': 'PARTIALLY_PAID 1000',
};

const EXPECTED_PAYMENTS = {
  'BNK-0001': 'ALLOCATED RF_REFERENCE acc-1 unapplied=0 doc-1=12000',
  'BNK-0002': 'ALLOCATED DOCUMENT_NUMBER acc-1 unapplied=0 doc-2=4000',
  // Exact amount wins over oldest first: doc-3 (older, 50.00) stays open.
  'BNK-0003': 'ALLOCATED ACCOUNT_EXACT_AMOUNT acc-2 unapplied=0 doc-4=7500',
  'BNK-0004-A': 'UNAPPLIED RF_REFERENCE acc-3 unapplied=2000 doc-5=3000',
  'BNK-0004-B': 'ALLOCATED ACCOUNT_OLDEST_FIRST acc-4 unapplied=0 doc-6=2000,doc-7=3000,doc-8=1000',
  'BNK-0005': 'SUSPENSE - - unapplied=1000 ',
};

describe('bank statement import (camt.053, PostgreSQL)', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = await freshDatabase('camt');
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('imports the good entries, matches them, and rejects the bad ones with element, line and reason', async () => {
    const summary = await importFixture(pool);
    expect(summary).toMatchObject({
      format: 'CAMT_053',
      status: 'DONE',
      entriesSeen: 11,
      paymentsCreated: 6,
      duplicates: 0,
      skipped: 2,
      rejected: 3,
    });
    expect(summary.rejections).toEqual([
      { element: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[6]/Amt', line: 110, reason: 'amount: 1.234 has more decimals than EUR has (2)' },
      {
        element: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[7]/AcctSvcrRef',
        line: 125,
        reason: "AcctSvcrRef is missing: the bank's reference is the payment's idempotency key",
      },
      { element: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[9]/ValDt', line: 161, reason: 'ValDt: "2026-02-30" is not a date YYYY-MM-DD' },
    ]);
    const stored = await pool.query(`select seq, element, line, reason from bank_statement_rejection where import_id = $1 order by seq`, [
      summary.importId,
    ]);
    expect(stored.rows.map((r) => [r.element, r.line, r.reason])).toEqual(summary.rejections.map((r) => [r.element, r.line, r.reason]));
    expect(await documents(pool)).toEqual(EXPECTED_DOCUMENTS);
    expect(await payments(pool)).toEqual(EXPECTED_PAYMENTS);
  });

  it('posts balanced ledger transactions: AR is what documents still owe, over-payment is account credit, unidentified money is suspense', async () => {
    const l = await ledger(pool);
    expect(l.unbalanced).toBe(0);
    // An issue per invoice, and the six payments received in one transaction: one batch, one day, one currency.
    expect(l.transactions).toBe(INVOICES.length + 1);
    const { rows: receipt } = await pool.query(
      `select t.source_id, count(*) filter (where p.account_code = 'BANK')::int as bank_debits, count(*)::int as postings
       from ledger_transaction t join ledger_posting p on p.transaction_id = t.id where t.kind = 'PAYMENT_RECEIVED' group by 1`,
    );
    expect(receipt).toEqual([{ source_id: expect.stringMatching(/^imp-/), bank_debits: 1, postings: 8 }]);
    expect(l.balances).toEqual({
      'AR:acc-1': '6000', // doc-2: 100.00 - 40.00
      'AR:acc-2': '5000', // doc-3 untouched
      'AR:acc-3': '0', // doc-5 paid; the 20.00 over it is UNAPPLIED_CASH
      'AR:acc-4': '3000', // doc-8: 40.00 - 10.00
      BANK: '35500',
      REVENUE: '-46500',
      SUSPENSE: '-1000',
      'UNAPPLIED_CASH:acc-3': '-2000',
    });
  });

  it('holds the receivables invariant per account: AR + UNAPPLIED_CASH = open document amounts - unapplied cash', async () => {
    const { rows } = await pool.query(
      `select a.id,
         coalesce((select sum(amount_minor) from ledger_posting where party_account_id = a.id and account_code in ('AR', 'UNAPPLIED_CASH')), 0)::text as ledger,
         (coalesce((select sum(gross_minor - paid_minor) from billing_document where account_id = a.id and status in ('ISSUED', 'PARTIALLY_PAID')), 0)
           - coalesce((select sum(unapplied_minor) from payment where account_id = a.id), 0))::text as documents
       from billing_account a order by a.id`,
    );
    expect(rows.map((r) => [r.id, r.ledger])).toEqual(rows.map((r) => [r.id, r.documents]));
    expect(rows.map((r) => r.ledger)).toEqual(['6000', '5000', '-2000', '3000']);
  });

  it('changes nothing when the file is imported again', async () => {
    const before = { docs: await documents(pool), payments: await payments(pool), ledger: await ledger(pool) };
    const again = await importFixture(pool);
    expect(again).toMatchObject({ status: 'DONE', paymentsCreated: 0, duplicates: 6, skipped: 2, rejected: 3 });
    expect({ docs: await documents(pool), payments: await payments(pool), ledger: await ledger(pool) }).toEqual(before);
    const imports = await pool.query(`select count(*)::int as n, count(distinct file_sha256)::int as files from bank_statement_import`);
    expect(imports.rows[0]).toEqual({ n: 2, files: 1 });
  });

  it('never pays a document more than it owes when two payments for it are imported at the same time', async () => {
    const file = (ref: string) =>
      `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct><Ntry><Amt Ccy="EUR">30.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><ValDt><Dt>2026-12-03</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>INV2026-000003</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`;
    const run = (ref: string) =>
      new ImportStatement(pool, clock).execute(ImportStatementCommand.create({ fileName: ref, sha256: SHA256, requestedBy: 'spec' }), [
        file(ref),
      ]);
    const [a, b] = await Promise.all([run('RACE-A'), run('RACE-B')]);
    expect([a.paymentsCreated, b.paymentsCreated]).toEqual([1, 1]);
    expect((await documents(pool))['doc-3']).toBe('PAID 5000');
    const race = await pool.query(
      `select sum(unapplied_minor)::text as unapplied, (select sum(amount_minor)::text from payment_allocation where document_id = 'doc-3') as allocated
       from payment where bank_reference like 'RACE-%'`,
    );
    expect(race.rows[0]).toEqual({ unapplied: '1000', allocated: '5000' });
    expect((await ledger(pool)).unbalanced).toBe(0);
  });

  it('records a file that is no statement as FAILED with the reason, and changes no money', async () => {
    const before = await ledger(pool);
    const cmd = ImportStatementCommand.create({ fileName: 'notes.txt', sha256: SHA256, requestedBy: 'spec' });
    const summary = await new ImportStatement(pool, clock).execute(cmd, ['Dear bank, thanks for the statement.']);
    expect(summary).toMatchObject({ status: 'FAILED', format: null, paymentsCreated: 0, rejected: 1 });
    expect(summary.rejections[0].reason).toMatch(/^neither ISO 20022 XML \(camt.053\/camt.054\) nor SWIFT MT940/);
    expect(await ledger(pool)).toEqual(before);
  });

  it('moves money once when the same file is imported twice at the same time', async () => {
    const other = await freshDatabase('camtrace');
    try {
      const [a, b] = await Promise.all([importFixture(other), importFixture(other)]);
      expect(a.paymentsCreated + b.paymentsCreated).toBe(6);
      expect(a.duplicates + b.duplicates).toBe(6);
      expect(await documents(other)).toEqual(EXPECTED_DOCUMENTS);
      expect(await payments(other)).toEqual(EXPECTED_PAYMENTS);
      expect((await ledger(other)).unbalanced).toBe(0);
    } finally {
      await other.end();
    }
  });
});

describe('imports of a process that died', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await freshDatabase('import_abandoned');
  });
  afterAll(async () => pool?.end());

  const running = (id: string, heartbeatMs: number) =>
    pool.query(
      `insert into bank_statement_import (id, file_name, file_sha256, status, requested_by, started_at, heartbeat_at)
       values ($1, 'dead.xml', $2, 'RUNNING', 'spec', $3, $3)`,
      [id, SHA256, new Date(heartbeatMs)],
    );
  const statusOf = async (id: string) =>
    (await pool.query(`select status, finished_at is not null as finished from bank_statement_import where id = $1`, [id])).rows[0];

  it('are ABANDONED by the next import once their heartbeat is stale; a live one is left RUNNING', async () => {
    await running('imp-dead', AT.getTime() - IMPORT_STALE_AFTER_MS_DEFAULT - 1);
    await running('imp-alive', AT.getTime() - IMPORT_STALE_AFTER_MS_DEFAULT + 1_000);
    const summary = await importFixture(pool);
    expect([summary.status, summary.abandonedImports]).toEqual(['DONE', ['imp-dead']]);
    expect(await statusOf('imp-dead')).toEqual({ status: 'ABANDONED', finished: true });
    expect(await statusOf('imp-alive')).toEqual({ status: 'RUNNING', finished: false });
    // A sweep later in time (the collections process at its start) takes the other one once it is stale too.
    expect(await abandonStaleImports(pool, AT.getTime() + IMPORT_STALE_AFTER_MS_DEFAULT)).toEqual(['imp-alive']);
    expect(await abandonStaleImports(pool, AT.getTime() + IMPORT_STALE_AFTER_MS_DEFAULT)).toEqual([]);
  });

  it('a running import beats its heartbeat with its counts so far', async () => {
    // Every reading of this clock is one heartbeat period later: each entry beats.
    let t = AT.getTime();
    const ticking: Clock = { nowMs: () => (t += IMPORT_HEARTBEAT_MS) };
    const bytes = readFileSync(FIXTURE);
    const seen: { entries_seen: number; beat_after_start: boolean }[] = [];
    // The file arrives in two halves; between them, the import's row is read as an operator would.
    async function* halves(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, bytes.length / 2);
      const { rows } = await pool.query(
        `select entries_seen, heartbeat_at > started_at as beat_after_start from bank_statement_import
         where file_name = 'beats.xml' and status = 'RUNNING'`,
      );
      seen.push(...rows);
      yield bytes.subarray(bytes.length / 2);
    }
    const cmd = ImportStatementCommand.create({ fileName: 'beats.xml', sha256: SHA256, requestedBy: 'spec' });
    const summary = await new ImportStatement(pool, ticking, new PaymentApplier(pool), IMPORT_STALE_AFTER_MS_DEFAULT * 1_000).execute(
      cmd,
      halves(),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0].beat_after_start).toBe(true);
    expect(seen[0].entries_seen).toBeGreaterThan(0);
    expect(seen[0].entries_seen).toBeLessThan(summary.entriesSeen);
    const row = (await pool.query(`select status, entries_seen from bank_statement_import where id = $1`, [summary.importId])).rows[0];
    expect(row).toEqual({ status: 'DONE', entries_seen: summary.entriesSeen });
  });
});
