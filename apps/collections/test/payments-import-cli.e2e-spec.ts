/**
 * `ratel payments import <file>` (scripts/ratel.ts under ts-node) against a real PostgreSQL: the
 * statement goes in with progress lines on stderr and the summary as JSON on stdout; exit 3 because
 * the fixture has rejected entries; a second run creates nothing; a missing file is a usage error (2);
 * an import SIGKILLed half way and run again applies every entry exactly once.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, waitFor } from '@app/devstack';
import { APPLY_BATCH_MAX } from '../src/matching/apply-payment';
import { seedReceivables } from '../src/testing/receivables-fixtures';

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** Two imports of 12,000 entries (six batches of APPLY_BATCH_MAX), with CLI start-ups: generous on a shared 2-core box (a bound, not a measurement). */
const CRASH_TEST_TIMEOUT_MS = 240_000;
const FIXTURE = join(__dirname, 'fixtures', 'camt053-mixed.xml');

async function ratel(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('ratel payments import', () => {
  let url: string;
  let pool: Pool;

  beforeAll(async () => {
    url = await createTestDatabase('paycli');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 2 });
    await seedReceivables(pool, {
      accounts: ['acc-1'],
      invoices: [{ n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' }],
      at: new Date(Date.UTC(2026, 11, 1)),
    });
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('imports the file with progress, prints the summary, and exits 3 for its rejected entries', async () => {
    const r = await ratel(['payments', 'import', FIXTURE], url);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'CAMT_053', paymentsCreated: 6, rejected: 3, skipped: 2 });
    expect(r.stderr).toMatch(/payments import camt053-mixed\.xml: done, [0-9,]+\/[0-9,]+ bytes \(100\.0 %\)/);
    const doc = await pool.query(`select status, paid_minor from billing_document where id = 'doc-1'`);
    expect(doc.rows[0]).toEqual({ status: 'PAID', paid_minor: '12000' });
  });

  it('creates nothing the second time', async () => {
    const r = await ratel(['payments', 'import', FIXTURE], url);
    expect(JSON.parse(r.stdout)).toMatchObject({ paymentsCreated: 0, duplicates: 6 });
  });

  it('watch --once imports what is in the folder, one JSON line per file, moving each to done/ or rejected/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratel-watch-'));
    try {
      copyFileSync(FIXTURE, join(dir, 'dec-02.xml'));
      writeFileSync(join(dir, 'junk.txt'), 'not a statement');
      const old = new Date(Date.now() - 60_000);
      for (const f of ['dec-02.xml', 'junk.txt']) utimesSync(join(dir, f), old, old);
      const r = await ratel(['payments', 'watch', '--dir', dir, '--once'], url);
      expect(r.code).toBe(3);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => [l.file, l.status, l.duplicates])).toEqual([
        ['dec-02.xml', 'DONE', 6],
        ['junk.txt', 'FAILED', 0],
      ]);
      expect(readdirSync(join(dir, 'done'))).toEqual(['dec-02.xml', 'dec-02.xml.summary.json']);
      expect(readdirSync(join(dir, 'rejected'))).toEqual(['junk.txt', 'junk.txt.summary.json']);
      expect((await ratel(['payments', 'watch', '--dir', join(dir, 'nope'), '--once'], url)).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a usage error (2) for a file that does not exist', async () => {
    const r = await ratel(['payments', 'import', join(__dirname, 'nope.xml')], url);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
  });

  it(
    'applies every entry once when an import is SIGKILLed half way and run again',
    async () => {
      // Six batches: killed once the first committed, most of the file is still to come.
      const entries = 6 * APPLY_BATCH_MAX;
      const dir = mkdtempSync(join(tmpdir(), 'ratel-crash-'));
      const file = join(dir, 'big.xml');
      const ntry = (i: number) =>
        `<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><ValDt><Dt>2026-12-04</Dt></ValDt>` +
        `<AcctSvcrRef>CRASH-${i}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>acc-2</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`;
      writeFileSync(
        file,
        `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>\n${Array.from({ length: entries }, (_, i) => ntry(i)).join('')}</Stmt></BkToCstmrStmt></Document>\n`,
      );
      await seedReceivables(pool, {
        accounts: ['acc-2'],
        invoices: [{ n: 2, accountId: 'acc-2', grossMinor: 12345n, issueDate: '2026-11-01' }],
        at: new Date(Date.UTC(2026, 11, 1)),
      });
      const count = async () =>
        (await pool.query(`select count(*)::int as n from payment where bank_reference like 'CRASH-%'`)).rows[0].n as number;
      try {
        const child = spawn(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', 'payments', 'import', file],
          { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: 'ignore' },
        );
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await waitFor('the first payments of the import', count, (n) => n >= 50, 60_000);
        child.kill('SIGKILL');
        await exited;
        const halfWay = await count();
        expect(halfWay).toBeLessThan(entries); // it was killed in the middle, or this proves nothing

        const again = await ratel(['payments', 'import', file], url);
        expect(JSON.parse(again.stdout)).toMatchObject({ paymentsCreated: entries - halfWay, duplicates: halfWay, rejected: 0 });
        expect(await count()).toBe(entries);
        const money = await pool.query(
          `select
           (select sum(amount_minor)::text from payment where bank_reference like 'CRASH-%') as received,
           (select sum(lp.amount_minor)::text from ledger_transaction t join ledger_posting lp on lp.transaction_id = t.id
             where t.kind = 'PAYMENT_RECEIVED' and lp.account_code = 'BANK'
               and (t.source_id in (select id from payment where bank_reference like 'CRASH-%')
                 or t.source_id in (select import_id from payment where bank_reference like 'CRASH-%'))) as banked,
           (select count(*)::int from (select transaction_id from ledger_posting group by 1 having sum(amount_minor) <> 0) u) as unbalanced,
           (select status || ' ' || paid_minor from billing_document where id = 'doc-2') as document,
           (select sum(amount_minor)::text from ledger_posting where party_account_id = 'acc-2') as receivable`,
        );
        // `entries` x 1.00 EUR: 123.45 pays doc-2, the rest is acc-2's credit; each payment banked once, all balanced.
        const received = BigInt(entries) * 100n;
        expect(money.rows[0]).toEqual({
          received: received.toString(),
          banked: received.toString(),
          unbalanced: 0,
          document: 'PAID 12345',
          receivable: (12345n - received).toString(),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    CRASH_TEST_TIMEOUT_MS,
  );
});
