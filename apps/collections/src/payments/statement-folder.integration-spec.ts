/**
 * The watched folder against a real PostgreSQL and a real directory: files imported once and moved
 * with their summaries, garbage to rejected/, a file still being written left alone, a claim of a
 * dead watcher taken back, a second copy of a statement changing nothing.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { seedReceivables } from '../testing/receivables-fixtures';
import { ImportStatement } from './import-statement.usecase';
import { StatementFolder } from './statement-folder';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'camt053-mixed.xml');
const NOW = Date.UTC(2026, 11, 3, 9, 0, 0);

describe('watched statement folder (PostgreSQL, a real directory)', () => {
  let pool: Pool;
  let dir: string;
  let folder: StatementFolder;

  beforeAll(async () => {
    const url = await createTestDatabase('statement_folder');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 4 });
    await seedReceivables(pool, {
      accounts: ['acc-1', 'acc-3', 'acc-4'],
      invoices: [
        { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
        { n: 5, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-11-01' },
      ],
      at: new Date(Date.UTC(2026, 10, 1)),
    });
    dir = mkdtempSync(join(tmpdir(), 'ratel-statements-'));
    // A clock a minute after the files' times: every file is settled unless a test says otherwise.
    folder = new StatementFolder(new ImportStatement(pool, { nowMs: () => NOW }), {
      dir,
      requestedBy: 'watcher:spec',
      nowMs: () => NOW,
    });
  });
  afterAll(async () => {
    await pool?.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const put = (name: string, content: Buffer | string, mtimeMs = NOW - 60_000) => {
    writeFileSync(join(dir, name), content);
    utimesSync(join(dir, name), new Date(mtimeMs), new Date(mtimeMs));
  };
  const payments = async () => (await pool.query(`select count(*)::int as n from payment`)).rows[0].n as number;

  it('imports each settled file once, moves it to done/ or rejected/ with its summary, leaves one still being written', async () => {
    put('2026-12-02.camt053.xml', readFileSync(FIXTURE), NOW - 120_000);
    put('notes.txt', 'Dear bank, thanks for the statement.', NOW - 90_000);
    put('still-uploading.xml', '<Document>', NOW - 500);
    put('.partial', 'ignored');
    const results = await folder.scanOnce();
    expect(results.map((r) => [r.file, r.summary.status, r.movedTo.slice(dir.length + 1)])).toEqual([
      ['2026-12-02.camt053.xml', 'DONE', 'done/2026-12-02.camt053.xml'],
      ['notes.txt', 'FAILED', 'rejected/notes.txt'],
    ]);
    expect(results[0].summary).toMatchObject({ format: 'CAMT_053', paymentsCreated: 6 });
    expect(JSON.parse(readFileSync(join(dir, 'done', '2026-12-02.camt053.xml.summary.json'), 'utf8'))).toMatchObject({
      importId: results[0].summary.importId,
      paymentsCreated: 6,
    });
    expect(readdirSync(dir).sort()).toEqual(['.partial', 'done', 'processing', 'rejected', 'still-uploading.xml']);
    expect((await pool.query(`select file_name, requested_by, status from bank_statement_import order by file_name`)).rows).toEqual([
      { file_name: '2026-12-02.camt053.xml', requested_by: 'watcher:spec', status: 'DONE' },
      { file_name: 'notes.txt', requested_by: 'watcher:spec', status: 'FAILED' },
    ]);
  });

  it('a second copy of a statement (another name, or the same name again) changes nothing', async () => {
    const before = await payments();
    put('copy-of-statement.xml', readFileSync(FIXTURE));
    put('2026-12-02.camt053.xml', readFileSync(FIXTURE));
    const results = await folder.scanOnce();
    // Files of the same time go by name.
    expect(results.map((r) => [r.file, r.summary.paymentsCreated, r.summary.duplicates])).toEqual([
      ['2026-12-02.camt053.xml', 0, 6],
      ['copy-of-statement.xml', 0, 6],
    ]);
    // The name was taken in done/: the second one keeps its import id in its name.
    expect(results[0].movedTo).toBe(join(dir, 'done', `2026-12-02.camt053.xml.${results[0].summary.importId}`));
    expect(await payments()).toBe(before);
  });

  it("takes back a dead watcher's claim once it is stale, and leaves a live one", async () => {
    mkdirSync(join(dir, 'processing'), { recursive: true });
    writeFileSync(join(dir, 'processing', 'dead.xml.claim-0badc0de'), readFileSync(FIXTURE));
    utimesSync(join(dir, 'processing', 'dead.xml.claim-0badc0de'), new Date(NOW - 120_000), new Date(NOW - 120_000));
    writeFileSync(join(dir, 'processing', 'live.xml.claim-00c0ffee'), 'being imported elsewhere');
    utimesSync(join(dir, 'processing', 'live.xml.claim-00c0ffee'), new Date(NOW - 1_000), new Date(NOW - 1_000));
    const results = await folder.scanOnce();
    expect(results.map((r) => [r.file, r.summary.status, r.summary.duplicates])).toEqual([['dead.xml', 'DONE', 6]]);
    expect(readdirSync(join(dir, 'processing'))).toEqual(['live.xml.claim-00c0ffee']);
    expect(existsSync(join(dir, 'done', 'dead.xml'))).toBe(true);
  });

  it('the file still being written is imported once it has settled', async () => {
    const later = new StatementFolder(new ImportStatement(pool, { nowMs: () => NOW }), {
      dir,
      requestedBy: 'watcher:spec',
      nowMs: () => NOW + 10_000,
    });
    copyFileSync(FIXTURE, join(dir, 'still-uploading.xml'));
    utimesSync(join(dir, 'still-uploading.xml'), new Date(NOW), new Date(NOW));
    const results = await later.scanOnce();
    expect(results.map((r) => [r.file, r.summary.status])).toEqual([['still-uploading.xml', 'DONE']]);
  });
});
