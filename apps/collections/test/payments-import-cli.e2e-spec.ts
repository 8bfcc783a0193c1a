/**
 * `ratel payments import <file>` (scripts/ratel.ts under ts-node) against a real PostgreSQL: the
 * statement goes in with progress lines on stderr and the summary as JSON on stdout; exit 3 because
 * the fixture has rejected entries; a second run creates nothing; a missing file is a usage error (2).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { seedReceivables } from '../src/testing/receivables-fixtures';

const REPO_ROOT = join(__dirname, '..', '..', '..');
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

  it('is a usage error (2) for a file that does not exist', async () => {
    const r = await ratel(['payments', 'import', join(__dirname, 'nope.xml')], url);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('cannot read')]);
  });
});
