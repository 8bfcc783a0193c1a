/**
 * Deposits against real PostgreSQL: taken once per key, refused for an unknown account or another
 * currency (changing nothing); applied by an operator to the open documents with the rest as credit;
 * returned through a refund (held, rejected back to HELD, approved, paid by a credit-transfer batch:
 * RETURNED); applied by dunning's TERMINATION step. The ledger checks (with the deposits check) hold
 * after every step. An advance invoice is paid like an invoice.
 */
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { Dunning } from '../dunning/dunning';
import { LedgerChecks } from '../ledger/ledger-checks';
import { PaymentApplier } from '../matching/apply-payment';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { ManualPayments, parseManualPayment } from '../payments/manual-payment';
import { GatewayHealth } from '../refunds/circuit-breakers';
import { CreditTransfers } from '../refunds/credit-transfers';
import { parseRefundRequest, Refunds } from '../refunds/refunds';
import { seedReceivables } from '../testing/receivables-fixtures';
import { Deposits, depositsAtTermination, parseDepositRequest } from './deposits';

const NOW = Date.UTC(2026, 11, 3, 8);
const AT = new Date(NOW);
const PAYEE = { name: 'Jane Customer', iban: 'FR1420041010050500013M02606' };

let pool: Pool;
let deposits: Deposits;
let refunds: Refunds;

const ledgerOk = async () => {
  const r = await new LedgerChecks(pool).run({ nowMs: NOW });
  if (!r.ok) throw new Error(`ledger checks failed: ${JSON.stringify(r)}`);
  return r;
};

const take = (key: string, b: Record<string, unknown>) =>
  deposits.receive(
    parseDepositRequest(key, { method: 'CASH', currency: 'EUR', valueDate: '2026-11-01', ...b }, 'alice', '2026-12-03'),
    NOW,
  );

const counts = async () =>
  (await pool.query(`select (select count(*) from deposit)::int as d, (select count(*) from ledger_transaction)::int as t`)).rows[0];

async function refusal(p: Promise<unknown>): Promise<{ code: string; parameter: unknown }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CollectionsError) return { code: e.code, parameter: e.details.parameter ?? null };
    throw e;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  const url = await createTestDatabase('deposits');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 4 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3', 'acc-4'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 3000n, issueDate: '2026-11-01' },
      { n: 2, accountId: 'acc-3', grossMinor: 4000n, issueDate: '2026-08-01' },
      { n: 3, accountId: 'acc-4', grossMinor: 2500n, issueDate: '2026-11-01', type: 'ADVANCE_INVOICE' },
    ],
    at: AT,
  });
  deposits = new Deposits(pool, new PaymentApplier(pool));
  refunds = new Refunds({
    pool,
    limits: { averageLimitPercent: 200, dailyCapMinor: 1_000_000n, gatewayErrorRatePercent: 20 },
    directDebitSettlementDays: 56,
    gateway: undefined,
    health: new GatewayHealth(60_000),
  });
});

afterAll(async () => {
  await pool?.end();
});

describe('taking a deposit', () => {
  it('is HELD, posted to DEPOSITS_HELD, once per key', async () => {
    const { deposit, created } = await take('d-1', { accountId: 'acc-1', amountMinor: '5000' });
    expect(created).toBe(true);
    expect(deposit).toMatchObject({ status: 'HELD', amountMinor: '5000', accountId: 'acc-1', method: 'CASH' });
    expect((await take('d-1', { accountId: 'acc-1', amountMinor: '5000' })).created).toBe(false);
    const r = await ledgerOk();
    expect(r.deposits).toMatchObject({ mismatched: 0, accountsChecked: 1 });
  });

  it.each([
    ['the same key for another deposit', 'd-1', { accountId: 'acc-1', amountMinor: '5001' }, CollectionsErrorCode.CONFLICT, null],
    ['an unknown account', 'd-x', { accountId: 'acc-none', amountMinor: '100' }, CollectionsErrorCode.DEPOSIT_REFUSED, 'accountId'],
    [
      'another currency than the account',
      'd-y',
      { accountId: 'acc-1', amountMinor: '100', currency: 'USD' },
      CollectionsErrorCode.DEPOSIT_REFUSED,
      'currency',
    ],
  ])('%s is refused and changes nothing', async (_n, key, body, code, parameter) => {
    const before = await counts();
    expect(await refusal(take(key, body))).toEqual({ code, parameter });
    expect(await counts()).toEqual(before);
  });

  it('bad input names its field', () => {
    for (const [b, field] of [
      [{ accountId: 'acc-1', amountMinor: 5, method: 'CASH', currency: 'EUR', valueDate: '2026-11-01' }, 'amountMinor'],
      [{ accountId: 'acc-1', amountMinor: '5', method: 'CARD', currency: 'EUR', valueDate: '2026-11-01' }, 'method'],
      [{ accountId: 'acc-1', amountMinor: '5', method: 'CASH', currency: 'EUR', valueDate: '2027-01-01' }, 'valueDate'],
      [{ accountId: 'a b', amountMinor: '5', method: 'CASH', currency: 'EUR', valueDate: '2026-11-01' }, 'accountId'],
    ] as const)
      expect(() => parseDepositRequest('k', b, 'alice', '2026-12-03')).toThrow(expect.objectContaining({ details: { parameter: field } }));
  });
});

describe('applying a deposit', () => {
  it('pays the open documents through a payment of channel DEPOSIT; the rest is account credit', async () => {
    const id = (await deposits.list({ accountId: 'acc-1', limit: 10, offset: 0 })).items[0].id;
    const applied = await deposits.apply(id, 'bob', NOW);
    expect(applied.status).toBe('APPLIED');
    const p = await pool.query(`select channel, status, unapplied_minor::text as u from payment where id = $1`, [applied.paymentId]);
    expect(p.rows[0]).toEqual({ channel: 'DEPOSIT', status: 'UNAPPLIED', u: '2000' });
    expect((await pool.query(`select status from billing_document where id = 'doc-1'`)).rows[0].status).toBe('PAID');
    await ledgerOk();
    expect(await refusal(deposits.apply(id, 'bob', NOW))).toEqual({ code: CollectionsErrorCode.CONFLICT, parameter: null });
  });

  it("dunning's TERMINATION step applies the account's held deposits in its own transaction", async () => {
    const { deposit } = await take('d-3', { accountId: 'acc-3', amountMinor: '1500' });
    // Steps 1-4 were taken earlier (the bars are another spec's); at D+46 TERMINATION is due.
    await pool.query(
      `insert into dunning_case (id, account_id, status, opened_on, created_at, updated_at) values ('dc-3', 'acc-3', 'OPEN', '2026-08-20', $1, $1)`,
      [AT],
    );
    await pool.query(
      `insert into dunning_action (case_id, step_no, action, overdue_minor, taken_on, result, created_at)
       select 'dc-3', s.step_no, s.action, 4000, '2026-09-01', '{}', $1 from dunning_step s join dunning_policy p on p.code = s.policy_code where p.segment = 'CONSUMER' and s.step_no <= 4`,
      [AT],
    );
    const out = await new Dunning(pool, undefined, depositsAtTermination(pool)).evaluateAccount('acc-3', '2026-10-01', NOW);
    expect(out.stepsTaken).toEqual(['TERMINATION']);
    expect((await deposits.get(deposit.id)).status).toBe('APPLIED');
    expect((await pool.query(`select paid_minor::text as p from billing_document where id = 'doc-2'`)).rows[0].p).toBe('1500');
    await ledgerOk();
  });

  it('an advance invoice is paid like an invoice', async () => {
    const manual = new ManualPayments(pool, new PaymentApplier(pool));
    await manual.record(
      parseManualPayment(
        'adv-1',
        { method: 'TRANSFER', amountMinor: '2500', currency: 'EUR', valueDate: '2026-12-01', accountId: 'acc-4' },
        'x',
        '2026-12-03',
      ),
      NOW,
    );
    expect((await pool.query(`select type, status from billing_document where id = 'doc-3'`)).rows[0]).toEqual({
      type: 'ADVANCE_INVOICE',
      status: 'PAID',
    });
    await ledgerOk();
  });
});

describe('returning a deposit', () => {
  it('is a refund of source DEPOSIT: whole, held, rejected back to HELD, approved, paid by a batch: RETURNED', async () => {
    const { deposit } = await take('d-2', { accountId: 'acc-2', amountMinor: '8000' });
    expect(
      await refusal(
        refunds.request(
          parseRefundRequest('ret-part', { depositId: deposit.id, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '100' }, 'alice'),
          NOW,
        ),
      ),
    ).toEqual({ code: CollectionsErrorCode.REFUND_REFUSED, parameter: 'amountMinor' });
    const first = await refunds.request(
      parseRefundRequest('ret-1', { depositId: deposit.id, method: 'BANK_TRANSFER', payee: PAYEE }, 'alice'),
      NOW,
    );
    expect(first.refund).toMatchObject({ sourceKind: 'DEPOSIT', depositId: deposit.id, status: 'HELD', amountMinor: '8000' });
    expect((await deposits.get(deposit.id)).status).toBe('RETURNING');
    await ledgerOk();
    await refunds.reject(first.refund.id, 'bob', null, NOW);
    expect((await deposits.get(deposit.id)).status).toBe('HELD');
    await ledgerOk();
    const second = await refunds.request(
      parseRefundRequest('ret-2', { depositId: deposit.id, method: 'BANK_TRANSFER', payee: PAYEE }, 'alice'),
      NOW,
    );
    expect(second.refund.holdReasons).toEqual(['ABOVE_AVERAGE']); // no receipts: the rejected return does not count as an earlier one
    await refunds.approve(second.refund.id, 'bob', null, NOW);
    const transfers = new CreditTransfers(pool, { name: 'Ratel', iban: 'DE89370400440532013000', creditorId: 'DE98ZZZ09999999999' });
    const { batch } = await transfers.createBatch({ idempotencyKey: 'b-dep', executionDate: '2026-12-04', actor: 'alice' }, NOW);
    expect(batch!.refundIds).toEqual([second.refund.id]);
    expect((await deposits.get(deposit.id)).status).toBe('RETURNED');
    await ledgerOk();
  });
});
