/**
 * Dunning against real PostgreSQL and a fake charging provisioning API running as its own process,
 * on a fake clock: reminder, warning, soft bar and hard bar on their days, each once; a failed bar
 * call retried; a promise to pay pauses and a dispute holds a document out; the payment that clears
 * the overdue amount closes the case and lifts the bar; a write-off at D+180 keeps the ledger whole
 * and is reversed like a payment. A run (pages in one transaction each, the bars one by one) leaves
 * exactly what evaluating every account one by one leaves, day after day. An import's batch lifts the bars of
 * the accounts it paid in one page, and a failed unbar there leaves the account barred, its case open.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate, withTransaction } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { LedgerChecks } from '../ledger/ledger-checks';
import { Registry } from 'prom-client';
import type { Logger } from '@app/observability';
import { dunningAfterPayments } from '../api/collections.module';
import { AFTER_PAYMENT_FAILURES_METRIC, type AfterPaymentFailures, countedAfterPaymentFailures } from './after-payment-failures';
import { PaymentApplier } from '../matching/apply-payment';
import { ManualPayments, parseManualPayment } from '../payments/manual-payment';
import { reversePayment } from '../matching/reverse-payment';
import { ImportStatement, ImportStatementCommand } from '../payments/import-statement.usecase';
import { seedReceivables } from '../testing/receivables-fixtures';
import { ChargingBarring } from './barring';
import { Dunning } from './dunning';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const KEY = 'dunning-spec-key';
let pool: Pool;
let fake: ChildProcess;
let fakeUrl: string;
let dir: string;
let dunning: Dunning;

const at = (day: string) => Date.parse(`${day}T06:00:00Z`);
const calls = async () => (await (await fetch(`${fakeUrl}/calls`)).json()) as { accountId: string; what: string; status: number }[];
const ledgerOk = async () => (await new LedgerChecks(pool).run({ nowMs: 0 })).ok;
/** Failures of hooks that must not fail (checked empty after each import). */
const hookFailures: unknown[] = [];
const noFailures: AfterPaymentFailures = { failed: (count, listed) => void hookFailures.push({ count, listed }) };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-dunning-'));
  fake = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'apps/collections/src/testing/fake-charging.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, FAKE_CHARGING_KEY: KEY, FAKE_CHARGING_FAIL_FILE: join(dir, 'fail') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  fakeUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    fake.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve(`http://127.0.0.1:${m[1]}`);
    });
    fake.once('exit', (code) => reject(new Error(`fake charging exited ${code}`)));
  });
  const url = await createTestDatabase('dunning');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
  // Issued 2026-11-01, due 2026-11-15.
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
      { n: 2, accountId: 'acc-2', grossMinor: 5000n, issueDate: '2026-11-01' },
      { n: 3, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-11-01' },
    ],
    at: new Date(Date.UTC(2026, 10, 1)),
  });
  dunning = new Dunning(pool, new ChargingBarring(fakeUrl, KEY));
}, 60_000);

afterAll(async () => {
  fake?.kill('SIGTERM');
  await pool?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('dunning', () => {
  it('reminds on D+3, warns on D+10, soft-bars on D+14 and hard-bars on D+21, each once', async () => {
    expect((await dunning.evaluateAccount('acc-1', '2026-11-17', at('2026-11-17'))).stepsTaken).toEqual([]);
    expect((await dunning.evaluateAccount('acc-1', '2026-11-18', at('2026-11-18'))).stepsTaken).toEqual(['REMINDER_EMAIL']);
    expect((await dunning.evaluateAccount('acc-1', '2026-11-18', at('2026-11-18'))).stepsTaken).toEqual([]);
    expect((await dunning.evaluateAccount('acc-1', '2026-11-25', at('2026-11-25'))).stepsTaken).toEqual(['WARNING_SMS_EMAIL']);
    expect(await calls()).toEqual([]);
    expect((await dunning.evaluateAccount('acc-1', '2026-11-29', at('2026-11-29'))).stepsTaken).toEqual(['SOFT_BAR']);
    expect((await dunning.evaluateAccount('acc-1', '2026-12-06', at('2026-12-06'))).stepsTaken).toEqual(['HARD_BAR']);
    expect((await calls()).map((c) => [c.accountId, c.what, c.status])).toEqual([
      ['acc-1', 'soft-bar', 200],
      ['acc-1', 'bar', 200],
    ]);
    const state = (await dunning.accountState('acc-1')) as { barredByDunning: boolean; notices: { template: string; channel: string }[] };
    expect(state.barredByDunning).toBe(true);
    expect(state.notices.map((n) => `${n.template}/${n.channel}`).sort()).toEqual(['REMINDER/EMAIL', 'WARNING/EMAIL', 'WARNING/SMS']);
  });

  it('takes no step while a promise to pay holds, resumes after it; a disputed document is held out; a failed bar is tried again', async () => {
    await dunning.promiseToPay('acc-2', '2026-12-01', 'pays on the 1st', at('2026-11-20'));
    expect(await dunning.evaluateAccount('acc-2', '2026-11-25', at('2026-11-25'))).toMatchObject({ paused: true, stepsTaken: [] });
    writeFileSync(join(dir, 'fail'), 'acc-2\n');
    await expect(dunning.evaluateAccount('acc-2', '2026-12-02', at('2026-12-02'))).rejects.toThrow('HTTP 503');
    expect(
      (
        await pool.query(
          `select count(*)::int as n from dunning_action a join dunning_case c on c.id = a.case_id where c.account_id = 'acc-2'`,
        )
      ).rows[0].n,
    ).toBe(0);
    writeFileSync(join(dir, 'fail'), '');
    expect((await dunning.evaluateAccount('acc-2', '2026-12-02', at('2026-12-02'))).stepsTaken).toEqual([
      'REMINDER_EMAIL',
      'WARNING_SMS_EMAIL',
      'SOFT_BAR',
    ]);
    expect(await dunning.dispute('doc-3', 'the customer disputes the roaming charges', 'spec', at('2026-11-20'))).toBe(true);
    expect(await dunning.evaluateAccount('acc-3', '2026-12-06', at('2026-12-06'))).toMatchObject({
      overdueMinor: '0',
      caseId: null,
      stepsTaken: [],
    });
  });

  it('closes the case and lifts the bar when a payment clears what is overdue', async () => {
    const camt = `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct><Ntry><Amt Ccy="EUR">120.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-07</Dt></BookgDt><ValDt><Dt>2026-12-07</Dt></ValDt><AcctSvcrRef>DUN-1</AcctSvcrRef>
      <NtryDtls><TxDtls><RmtInf><Ustrd>INV2026-000001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`;
    const started = Date.now();
    const clock = { nowMs: () => at('2026-12-07') };
    // As the process wires it: the applier re-evaluates the account's dunning after its payment.
    const importer = new ImportStatement(pool, clock, new PaymentApplier(pool, dunningAfterPayments(dunning, clock, noFailures)));
    const summary = await importer.execute(
      ImportStatementCommand.create({ fileName: 'dun.xml', sha256: 'a'.repeat(64), requestedBy: 'spec' }),
      [camt],
    );
    expect(summary).toMatchObject({ paymentsCreated: 1, rejected: 0 });
    expect(hookFailures).toEqual([]);
    console.log(`dunning: payment import to bar lifted in ${Date.now() - started} ms (one account, fake charging on loopback)`);
    expect((await calls()).filter((c) => c.accountId === 'acc-1').map((c) => c.what)).toEqual(['soft-bar', 'bar', 'unbar']);
    const state = (await dunning.accountState('acc-1')) as { barredByDunning: boolean; cases: { status: string }[] };
    expect(state).toMatchObject({ barredByDunning: false, cases: [{ status: 'CLOSED' }] });
    expect(await ledgerOk()).toBe(true);
  });

  it('writes off at D+180 through a WRITE_OFF payment (ledger whole), reversed like any payment', async () => {
    const out = await dunning.run('2027-05-20', at('2027-05-20'));
    expect(out.accounts).toBe(1); // acc-2 (acc-1 paid; acc-3's document disputed)
    const steps = (
      await pool.query(
        `select a.action, a.result from dunning_action a join dunning_case c on c.id = a.case_id where c.account_id = 'acc-2' order by a.step_no`,
      )
    ).rows;
    expect(steps.map((s) => s.action)).toEqual([
      'REMINDER_EMAIL',
      'WARNING_SMS_EMAIL',
      'SOFT_BAR',
      'HARD_BAR',
      'TERMINATION',
      'AGENCY_HANDOVER',
      'WRITE_OFF',
    ]);
    expect(steps[6].result).toMatchObject({ writtenOffMinor: '5000', documents: ['doc-2'] });
    expect((await pool.query(`select status from billing_document where id = 'doc-2'`)).rows[0].status).toBe('PAID');
    expect(await ledgerOk()).toBe(true);
    const csv = await dunning.agencyHandover('2027-05-20');
    expect(csv.split('\r\n')).toEqual([
      'account_id,case_id,customer,overdue_minor',
      expect.stringMatching(/^acc-2,dc-\d{8}-acc-2,Customer,5000$/),
      '',
    ]);
    // The money arrived after all: the write-off is reversed, the invoice is open again, the ledger still whole.
    await withTransaction(pool, (c) =>
      reversePayment(c, {
        paymentId: steps[6].result.paymentId,
        reason: 'paid after write-off',
        postedOn: '2027-06-01',
        now: new Date(at('2027-06-01')),
      }),
    );
    expect((await pool.query(`select status from billing_document where id = 'doc-2'`)).rows[0].status).toBe('ISSUED');
    expect(await ledgerOk()).toBe(true);
  });

  it('serves payment morale: the on-time ratio and the average days late', async () => {
    expect(await dunning.morale('acc-1', '2026-12-10')).toEqual({
      accountId: 'acc-1',
      invoicesDue: 1,
      paidOnTime: 0,
      onTimeRatio: '0.000',
      averageDaysLate: '22.0',
    });
    expect(await dunning.morale('acc-3', '2026-11-10')).toMatchObject({ invoicesDue: 0, onTimeRatio: null });
  });
});

describe('a run, a page at a time, against one account at a time', () => {
  const ACCOUNTS = ['e-1', 'e-2', 'e-3', 'e-4', 'e-5', 'e-6', 'e-7', 'e-8'];
  const DAYS = ['2026-11-18', '2026-11-25', '2026-11-29', '2026-12-06', '2026-12-20', '2027-01-01', '2027-01-20'];
  let paged: Pool;
  let single: Pool;

  /** The same receivables in both databases: what each account's case should meet. */
  async function seed(p: Pool): Promise<Dunning> {
    await seedReceivables(p, {
      accounts: ACCOUNTS,
      invoices: [
        { n: 1, accountId: 'e-1', grossMinor: 12000n, issueDate: '2026-11-01' }, // the whole ladder
        { n: 2, accountId: 'e-2', grossMinor: 300n, issueDate: '2026-11-01' }, // below the bars' minimum: notices only
        { n: 3, accountId: 'e-3', grossMinor: 4000n, issueDate: '2026-11-01' }, // a promise to pay until 2026-12-01
        { n: 4, accountId: 'e-4', grossMinor: 4000n, issueDate: '2026-11-01' }, // disputed: never dunned
        { n: 5, accountId: 'e-5', grossMinor: 2500n, issueDate: '2026-11-06' }, // five days behind the others
        { n: 6, accountId: 'e-6', grossMinor: 9000n, issueDate: '2026-11-01' }, // BUSINESS ladder
        { n: 7, accountId: 'e-7', grossMinor: 1500n, issueDate: '2026-11-01' }, // paid after the warning: its case closes
        { n: 8, accountId: 'e-8', grossMinor: 7000n, issueDate: '2026-11-01' }, // paid after the soft bar: closed, bar lifted
        { n: 9, accountId: 'e-1', grossMinor: 800n, issueDate: '2026-12-01' }, // a second invoice while dunned
      ],
      at: new Date(Date.UTC(2026, 10, 1)),
    });
    const d = new Dunning(p, new ChargingBarring(fakeUrl, KEY));
    await d.setSegment('e-6', 'BUSINESS', at('2026-11-02'));
    await d.promiseToPay('e-3', '2026-12-01', 'pays on the 1st', at('2026-11-02'));
    await d.dispute('doc-4', 'disputed', 'spec', at('2026-11-02'));
    return d;
  }

  const pay = (p: Pool, accountId: string, amount: string, day: string) =>
    new ManualPayments(p, new PaymentApplier(p)).record(
      parseManualPayment(
        `pay-${accountId}`,
        { method: 'TRANSFER', amountMinor: amount, currency: 'EUR', valueDate: day, accountId },
        'spec',
        day,
      ),
      at(day),
    );

  /** Everything dunning wrote, in a stable order. */
  async function written(p: Pool): Promise<unknown> {
    const q = async (sql: string) => (await p.query(sql)).rows;
    return {
      cases: await q(`select id, account_id, status, opened_on::text, closed_on::text from dunning_case order by id`),
      actions: await q(
        `select case_id, step_no, action, overdue_minor::text, taken_on::text, result from dunning_action order by case_id, step_no`,
      ),
      notices: await q(`select id, case_id, account_id, channel, template, overdue_minor::text from dunning_notice order by id`),
      barred: await q(`select account_id from dunning_account where barred_by_dunning order by account_id`),
      events: await q(
        `select event_id, subject, payload from collections_outbox where payload->>'type' = 'DUNNING_STEP_TAKEN' order by event_id`,
      ),
    };
  }

  beforeAll(async () => {
    [paged, single] = await Promise.all(
      ['dunpaged', 'dunsingle'].map(async (label) => {
        const url = await createTestDatabase(label);
        await migrate(url);
        return new Pool({ connectionString: url, max: 4 });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([paged?.end(), single?.end()]);
  });

  it('takes the same steps, opens and closes the same cases, writes the same notices and events', async () => {
    const [a, b] = [await seed(paged), await seed(single)];
    let pagedSteps = 0;
    for (const day of DAYS) {
      if (day === '2026-11-29') await Promise.all([pay(paged, 'e-7', '1500', '2026-11-28'), pay(single, 'e-7', '1500', '2026-11-28')]);
      if (day === '2026-12-06') await Promise.all([pay(paged, 'e-8', '7000', '2026-12-05'), pay(single, 'e-8', '7000', '2026-12-05')]);
      const run = await a.run(day, at(day));
      expect(run.failed).toEqual([]);
      pagedSteps += run.stepsTaken;
      for (const accountId of ACCOUNTS) await b.evaluateAccount(accountId, day, at(day));
      expect(await written(paged)).toEqual(await written(single));
    }
    const actions = (await paged.query<{ action: string }>(`select action from dunning_action`)).rows.map((r) => r.action);
    // Both kinds of steps happened: those a page takes (notices, agency) and those handed to one-by-one evaluation (bars, termination).
    expect(new Set(actions)).toEqual(
      new Set(['REMINDER_EMAIL', 'WARNING_SMS_EMAIL', 'SOFT_BAR', 'HARD_BAR', 'TERMINATION', 'AGENCY_HANDOVER']),
    );
    expect(pagedSteps).toBe(actions.length);
    expect((await paged.query(`select count(*)::int as n from dunning_case where status = 'CLOSED'`)).rows[0].n).toBe(2);
  });
});

describe('a statement import that pays barred accounts', () => {
  let p: Pool;

  beforeAll(async () => {
    const url = await createTestDatabase('dunbatch');
    await migrate(url);
    p = new Pool({ connectionString: url, max: 4 });
    await seedReceivables(p, {
      accounts: ['b-1', 'b-2', 'b-3'],
      invoices: [1, 2, 3].map((n) => ({ n, accountId: `b-${n}`, grossMinor: 4000n, issueDate: '2026-11-01' })),
      at: new Date(Date.UTC(2026, 10, 1)),
    });
  }, 60_000);

  afterAll(async () => {
    writeFileSync(join(dir, 'fail'), '');
    await p?.end();
  });

  it('lifts their bars in one page after the batch commits; a failed unbar keeps the account barred and its case open until it succeeds', async () => {
    const d = new Dunning(p, new ChargingBarring(fakeUrl, KEY));
    expect((await d.run('2026-12-06', at('2026-12-06'))).failed).toEqual([]); // D+21: soft bar, then bar
    const barred = async () =>
      (await p.query<{ account_id: string }>(`select account_id from dunning_account where barred_by_dunning order by 1`)).rows.map(
        (r) => r.account_id,
      );
    const openCases = async () =>
      (await p.query<{ account_id: string }>(`select account_id from dunning_case where status = 'OPEN' order by 1`)).rows.map(
        (r) => r.account_id,
      );
    expect(await barred()).toEqual(['b-1', 'b-2', 'b-3']);
    writeFileSync(join(dir, 'fail'), 'b-2\n');
    const entries = [1, 2, 3].map(
      (n) => `<Ntry><Amt Ccy="EUR">40.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-07</Dt></BookgDt>
        <ValDt><Dt>2026-12-07</Dt></ValDt><AcctSvcrRef>BATCH-${n}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>INV2026-00000${n}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`,
    );
    const camt = `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>${entries.join('')}</Stmt></BkToCstmrStmt></Document>`;
    const clock = { nowMs: () => at('2026-12-07') };
    const hooked: string[][] = [];
    // As the process wires it: counted in the registry and logged.
    const registry = new Registry();
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o) } as unknown as Logger;
    const hook = dunningAfterPayments(d, clock, countedAfterPaymentFailures(registry, logger));
    const importer = new ImportStatement(
      p,
      clock,
      new PaymentApplier(p, async (accountIds) => {
        hooked.push([...accountIds]);
        await hook(accountIds);
      }),
    );
    const summary = await importer.execute(
      ImportStatementCommand.create({ fileName: 'batch.xml', sha256: 'c'.repeat(64), requestedBy: 'spec' }),
      [camt],
    );
    expect(summary).toMatchObject({ paymentsCreated: 3, rejected: 0 });
    expect(hooked).toEqual([['b-1', 'b-2', 'b-3']]); // one call for the batch, not one per account
    const last = async (accountId: string) => (await calls()).filter((c) => c.accountId === accountId).at(-1);
    expect(await last('b-1')).toMatchObject({ what: 'unbar', status: 200 });
    expect(await last('b-2')).toMatchObject({ what: 'unbar', status: 503 });
    expect(await last('b-3')).toMatchObject({ what: 'unbar', status: 200 });
    expect(await barred()).toEqual(['b-2']);
    expect(await openCases()).toEqual(['b-2']);
    // The payment stands, and the failure is not silent: counted and logged with the account.
    expect((await registry.getSingleMetric(AFTER_PAYMENT_FAILURES_METRIC)!.get()).values.map((v) => v.value)).toEqual([1]);
    expect(warnings).toMatchObject([{ accounts: 1, failed: [{ accountId: 'b-2' }] }]);
    writeFileSync(join(dir, 'fail'), '');
    const run = await d.run('2026-12-08', at('2026-12-08'));
    expect(run).toMatchObject({ accounts: 1, stepsTaken: 0, closed: 1, failed: [] });
    expect(await last('b-2')).toMatchObject({ what: 'unbar', status: 200 });
    expect(await barred()).toEqual([]);
    expect(await openCases()).toEqual([]);
    expect((await new LedgerChecks(p).run({ nowMs: 0 })).ok).toBe(true);
  });
});

describe('a case closed and opened again on the same day', () => {
  const DAY = '2026-11-18';
  let paged: Pool;
  let single: Pool;

  beforeAll(async () => {
    [paged, single] = await Promise.all(
      ['dunreopenpaged', 'dunreopensingle'].map(async (label) => {
        const url = await createTestDatabase(label);
        await migrate(url);
        const p = new Pool({ connectionString: url, max: 4 });
        await seedReceivables(p, {
          accounts: ['r-1', 'r-2'],
          invoices: [
            { n: 1, accountId: 'r-1', grossMinor: 4000n, issueDate: '2026-11-01' },
            { n: 2, accountId: 'r-2', grossMinor: 4000n, issueDate: '2026-11-01' },
          ],
          at: new Date(Date.UTC(2026, 10, 1)),
        });
        return p;
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([paged?.end(), single?.end()]);
  });

  /** Pays r-1's invoice and takes the payment back, both on DAY (a returned transfer). */
  async function payAndReturn(p: Pool, key: string): Promise<{ pay: () => Promise<void>; reverse: () => Promise<void> }> {
    let paymentId = '';
    return {
      pay: async () => {
        const r = await new ManualPayments(p, new PaymentApplier(p)).record(
          parseManualPayment(
            key,
            { method: 'TRANSFER', amountMinor: '4000', currency: 'EUR', valueDate: DAY, accountId: 'r-1' },
            'spec',
            DAY,
          ),
          at(DAY),
        );
        paymentId = r.paymentId;
      },
      reverse: () =>
        withTransaction(p, async (c) => {
          await reversePayment(c, { paymentId, reason: 'returned', postedOn: DAY, now: new Date(at(DAY)) });
        }),
    };
  }

  it('opens it under the next id of the day, in a run and one account at a time alike', async () => {
    const [a, b] = [new Dunning(paged, new ChargingBarring(fakeUrl, KEY)), new Dunning(single, new ChargingBarring(fakeUrl, KEY))];
    const evaluate = async () => {
      expect((await a.run(DAY, at(DAY))).failed).toEqual([]);
      for (const accountId of ['r-1', 'r-2']) await b.evaluateAccount(accountId, DAY, at(DAY));
    };
    await evaluate();
    for (const round of [1, 2]) {
      const [x, y] = [await payAndReturn(paged, `reopen-${round}`), await payAndReturn(single, `reopen-${round}`)];
      await Promise.all([x.pay(), y.pay()]);
      await evaluate(); // the case closes
      await Promise.all([x.reverse(), y.reverse()]);
      await evaluate(); // and opens again, the same day
    }
    const cases = async (p: Pool) =>
      (
        await p.query(
          `select id, status, opened_on::text, closed_on::text from dunning_case where account_id = 'r-1' order by created_at, id`,
        )
      ).rows;
    expect(await cases(paged)).toEqual([
      { id: 'dc-20261118-r-1', status: 'CLOSED', opened_on: DAY, closed_on: DAY },
      { id: 'dc-20261118-r-1.2', status: 'CLOSED', opened_on: DAY, closed_on: DAY },
      { id: 'dc-20261118-r-1.3', status: 'OPEN', opened_on: DAY, closed_on: null },
    ]);
    expect(await cases(single)).toEqual(await cases(paged));
    // Each case took its own reminder, and r-2 kept its one case.
    const reminders = async (p: Pool) =>
      (await p.query(`select case_id from dunning_action where action = 'REMINDER_EMAIL' order by case_id`)).rows.map((r) => r.case_id);
    expect(await reminders(paged)).toEqual(['dc-20261118-r-1', 'dc-20261118-r-1.2', 'dc-20261118-r-1.3', 'dc-20261118-r-2']);
    expect(await reminders(single)).toEqual(await reminders(paged));
  });
});

describe('what the database refuses', () => {
  it('a notice or an action of a case that does not exist, a case deleted or renamed; the rows of a case that exists pass', async () => {
    const stmts: [string, string][] = [
      [
        `insert into dunning_notice (id, case_id, account_id, channel, template, overdue_minor, created_at)
         values ('n-x', 'dc-none', 'acc-1', 'EMAIL', 'REMINDER', 1, now())`,
        'is not present in table "dunning_case"',
      ],
      [
        `insert into dunning_action (case_id, step_no, action, overdue_minor, taken_on, result, created_at)
         values ('dc-none', 1, 'REMINDER_EMAIL', 1, '2026-11-18', '{}', now())`,
        'is not present in table "dunning_case"',
      ],
      [
        `update dunning_notice set case_id = 'dc-none' where id = (select min(id) from dunning_notice)`,
        'is not present in table "dunning_case"',
      ],
      [`delete from dunning_case where id = (select min(id) from dunning_case)`, 'is never deleted'],
      [`update dunning_case set id = 'dc-renamed' where id = (select min(id) from dunning_case)`, 'never changes its id'],
    ];
    expect((await pool.query(`select count(*)::int as n from dunning_notice`)).rows[0].n).toBeGreaterThan(0);
    for (const [sql, message] of stmts) {
      const error = await pool.query(sql).then(
        () => undefined,
        (e: { code?: string; detail?: string; message: string }) => e,
      );
      expect(error).toBeDefined();
      expect(`${error!.message} ${error!.detail ?? ''}`).toContain(message);
    }
    // A case that exists: the check passes (rolled back, to leave the other specs' rows as they are).
    await expect(
      withTransaction(pool, async (c) => {
        await c.query(
          `insert into dunning_action (case_id, step_no, action, overdue_minor, taken_on, result, created_at)
           select id, 32, 'REMINDER_EMAIL', 1, '2026-11-18', '{}', now() from dunning_case order by id limit 1`,
        );
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
  });
});
