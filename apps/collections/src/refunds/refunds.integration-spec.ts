/**
 * Refunds against real PostgreSQL and the fake card gateway process: account credit and credit notes
 * refunded by bank transfer (a pain.001 batch that passes the ISO XSD with xmllint) and to the card;
 * every circuit breaker holding what it should; four eyes (the requester cannot decide, a second
 * approver can, once); a rejected or failed refund giving its credit back; a card refund sent twice
 * paying out once. The ledger checks hold after every step, and a refused request changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { HttpPaymentGateway } from '../card/http-payment-gateway';
import { LedgerChecks } from '../ledger/ledger-checks';
import { PaymentApplier, paymentIdOf } from '../matching/apply-payment';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { ManualPayments, parseManualPayment } from '../payments/manual-payment';
import type { ReceivedPayment } from '../payments/statements/statement-types';
import { FAKE_CARD_API_KEY, type FakeCardGatewayProcess, startFakeCardGateway } from '../testing/fake-card-gateway/start';
import { issueCreditNote, seedReceivables } from '../testing/receivables-fixtures';
import { type BreakerLimits, GatewayHealth, observedGateway } from './circuit-breakers';
import { CreditTransfers } from './credit-transfers';
import { TopUpRefunds } from '../card/top-up-refunds';
import { parseRefundRequest, type RefundRequest, Refunds } from './refunds';

const XSD = join(__dirname, 'schemas', 'pain.001.001.03.xsd');
const OPERATOR_ACCOUNT = { name: 'Ratel Telecom GmbH', iban: 'DE89370400440532013000', creditorId: 'DE98ZZZ09999999999' };
const PAYEE = { name: 'Jane Customer', iban: 'FR1420041010050500013M02606' };
const NOW = Date.UTC(2026, 11, 3, 8);
const AT = new Date(NOW);
const LIMITS: BreakerLimits = { averageLimitPercent: 200, dailyCapMinor: 1_000_000n, gatewayErrorRatePercent: 20 };

let pool: Pool;
let dir: string;
let gw: FakeCardGatewayProcess;
let health: GatewayHealth;
let refunds: Refunds;
let transfers: CreditTransfers;
let manual: ManualPayments;
let applier: PaymentApplier;

const ledgerOk = async () => {
  const r = await new LedgerChecks(pool).run({ nowMs: NOW });
  if (!r.ok) throw new Error(`ledger checks failed: ${JSON.stringify(r)}`);
  return true;
};

/** A payment as a statement, direct-debit settlement or card sync hands it to the applier. */
const received = (
  channel: ReceivedPayment['channel'],
  source: string,
  bankReference: string,
  amountMinor: bigint,
  valueDate: string,
  remittanceInfo: string,
): ReceivedPayment => ({
  kind: 'payment',
  channel,
  source,
  bankReference,
  currency: 'EUR',
  amountMinor,
  valueDate,
  bookingDate: null,
  endToEndId: null,
  creditorReferences: [],
  remittanceInfo,
  debtorName: null,
});

const req = (key: string, b: Record<string, unknown>, actor = 'alice'): RefundRequest => parseRefundRequest(key, b, actor);

/** A manual transfer of `amount` to an account (its open documents first, the rest its credit); returns the payment id. */
async function pay(key: string, accountId: string, amount: bigint, valueDate = '2026-11-20'): Promise<string> {
  const r = await manual.record(
    parseManualPayment(
      key,
      { method: 'TRANSFER', amountMinor: amount.toString(), currency: 'EUR', valueDate, accountId },
      'spec',
      '2026-12-03',
    ),
    NOW,
  );
  return r.paymentId;
}

const payment = async (id: string) =>
  (
    await pool.query<{ status: string; unapplied: string; refunded: string }>(
      `select status, unapplied_minor::text as unapplied, refunded_minor::text as refunded from payment where id = $1`,
      [id],
    )
  ).rows[0];

const counts = async () =>
  (
    await pool.query<{ refunds: number; tx: number; audit: number }>(
      `select (select count(*)::int from refund) as refunds, (select count(*)::int from ledger_transaction) as tx,
         (select count(*)::int from audit_log) as audit`,
    )
  ).rows[0];

async function refusal(p: Promise<unknown>): Promise<{ code: string; parameter: unknown }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CollectionsError) return { code: e.code, parameter: e.details.parameter ?? e.details.requestedBy ?? null };
    throw e;
  }
  throw new Error('expected a refusal');
}

/** The REFUND_STATUS_CHANGED events of a refund in the outbox, in the order written: status, hold reasons, failure. */
async function refundEvents(refundId: string): Promise<Array<[string, string[], string | null]>> {
  const { rows } = await pool.query<{ payload: { status: string; holdReasons: string[]; failureCode: string | null } }>(
    `select payload from collections_outbox where payload->>'type' = 'REFUND_STATUS_CHANGED' and payload->>'refundId' = $1 order by id`,
    [refundId],
  );
  return rows.map((r) => [r.payload.status, r.payload.holdReasons, r.payload.failureCode]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-refunds-'));
  gw = await startFakeCardGateway({ FAKE_CARD_SETTLE_MS: '0' });
  const url = await createTestDatabase('refunds');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 6 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6', 'acc-7', 'acc-8', 'acc-9'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
      { n: 2, accountId: 'acc-3', grossMinor: 1000n, issueDate: '2026-10-01' },
      { n: 3, accountId: 'acc-3', grossMinor: 1000n, issueDate: '2026-11-01' },
    ],
    at: AT,
  });
  applier = new PaymentApplier(pool);
  manual = new ManualPayments(pool, applier);
  health = new GatewayHealth(300_000);
  const gateway = observedGateway(new HttpPaymentGateway({ baseUrl: gw.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 }), health, () =>
    Date.now(),
  );
  refunds = new Refunds({ pool, limits: LIMITS, directDebitSettlementDays: 56, gateway, health });
  transfers = new CreditTransfers(pool, OPERATOR_ACCOUNT);
}, 90_000);

afterAll(async () => {
  await gw?.stop();
  await pool?.end();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('bank refunds of account credit', () => {
  let paymentId: string;

  it('a refund no breaker trips is APPROVED at once and reserves the credit in the same transaction', async () => {
    paymentId = await pay('p-acc1', 'acc-1', 20000n); // 12000 pays doc-1, 8000 is credit
    expect(await payment(paymentId)).toEqual({ status: 'UNAPPLIED', unapplied: '8000', refunded: '0' });
    const { refund, created } = await refunds.request(
      req('r-1', { paymentId, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '5000' }),
      NOW,
    );
    expect(created).toBe(true);
    expect(refund).toMatchObject({
      status: 'APPROVED',
      holdReasons: [],
      amountMinor: '5000',
      sourceKind: 'ACCOUNT_CREDIT',
      accountId: 'acc-1',
    });
    expect(refund.payee).toEqual({ name: 'Jane Customer', iban: 'FR14 **** 2606', bic: null });
    expect(await payment(paymentId)).toEqual({ status: 'UNAPPLIED', unapplied: '3000', refunded: '5000' });
    expect(await ledgerOk()).toBe(true);
  });

  it('the same key again answers the refund; with another request it is a CONFLICT and changes nothing', async () => {
    const again = await refunds.request(req('r-1', { paymentId, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '5000' }), NOW);
    expect(again.created).toBe(false);
    const before = await counts();
    expect(
      await refusal(refunds.request(req('r-1', { paymentId, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '4000' }), NOW)),
    ).toEqual({
      code: CollectionsErrorCode.CONFLICT,
      parameter: null,
    });
    expect(await counts()).toEqual(before);
  });

  it('a second refund of the same payment trips ALREADY_REFUNDED and is HELD', async () => {
    const { refund } = await refunds.request(req('r-2', { paymentId, method: 'BANK_TRANSFER', payee: PAYEE }), NOW);
    expect(refund).toMatchObject({ status: 'HELD', holdReasons: ['ALREADY_REFUNDED'], amountMinor: '3000' });
    expect(await payment(paymentId)).toEqual({ status: 'ALLOCATED', unapplied: '0', refunded: '8000' });
    expect(await ledgerOk()).toBe(true);
  });

  it('four eyes: the requester cannot approve (FOUR_EYES_REQUIRED); a second approver releases it once', async () => {
    const id = (await refunds.list({ status: 'HELD', limit: 10, offset: 0 })).items[0].id;
    expect(await refusal(refunds.approve(id, 'alice', null, NOW))).toEqual({
      code: CollectionsErrorCode.FOUR_EYES_REQUIRED,
      parameter: 'alice',
    });
    expect((await refunds.get(id)).status).toBe('HELD');
    const approved = await refunds.approve(id, 'bob', 'customer called', NOW);
    expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: 'bob', decisionNote: 'customer called' });
    expect(await refusal(refunds.approve(id, 'carol', null, NOW))).toEqual({ code: CollectionsErrorCode.CONFLICT, parameter: null });
    const audit = await pool.query<{ actor: string; action: string }>(
      `select actor, action from audit_log where entity_id = $1 order by id`,
      [id],
    );
    expect(audit.rows).toEqual([
      { actor: 'alice', action: 'refund.request' },
      { actor: 'bob', action: 'refund.approve' },
    ]);
    // ratel.collections.v1: one event per status taken, written with the change (a refused approval wrote none).
    expect(await refundEvents(id)).toEqual([
      ['HELD', ['ALREADY_REFUNDED'], null],
      ['APPROVED', ['ALREADY_REFUNDED'], null],
    ]);
  });

  it('the credit-transfer batch pays both out once, as a pain.001 file that passes the ISO XSD', async () => {
    const first = await transfers.createBatch({ idempotencyKey: 'batch-1', executionDate: '2026-12-04', actor: 'alice' }, NOW);
    expect(first.created).toBe(true);
    expect(first.batch).toMatchObject({ refunds: 2, totalMinor: '8000', executionDate: '2026-12-04' });
    const xml = await transfers.file(first.batch!.id);
    const file = join(dir, 'batch-1.xml');
    writeFileSync(file, xml);
    expect(execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' }).toString()).toBe('');
    expect(xml).toContain('<CtrlSum>80.00</CtrlSum>');
    expect(xml).toContain('<IBAN>FR1420041010050500013M02606</IBAN>');
    for (const id of first.batch!.refundIds) {
      expect(xml).toContain(`<EndToEndId>${id}</EndToEndId>`);
      expect((await refunds.get(id)).status).toBe('SENT');
      expect((await refundEvents(id)).map(([status]) => status)).toEqual(expect.arrayContaining(['APPROVED', 'SENT']));
    }
    // The same key: the same batch, the same bytes; another key: nothing is waiting, nothing is sent twice.
    const again = await transfers.createBatch({ idempotencyKey: 'batch-1', executionDate: '2026-12-04', actor: 'alice' }, NOW);
    expect(again).toEqual({ batch: first.batch, created: false });
    expect(await transfers.file(first.batch!.id)).toBe(xml);
    expect(await transfers.createBatch({ idempotencyKey: 'batch-2', executionDate: '2026-12-04', actor: 'alice' }, NOW)).toEqual({
      batch: null,
      created: false,
    });
    const paid = await pool.query<{ n: number }>(`select count(*)::int as n from ledger_transaction where kind = 'REFUND_PAID'`);
    expect(paid.rows[0].n).toBe(2);
    expect(await ledgerOk()).toBe(true);
  });
});

describe('what is refused changes nothing', () => {
  it.each([
    ['more than the credit', 'acc-2-over', { amountMinor: '999999' }, 'amountMinor'],
    ['a card refund of a bank payment', 'acc-2-card', { method: 'CARD', payee: undefined }, 'method'],
    ['no payee and no mandate', 'acc-2-payee', { payee: undefined }, 'payee'],
  ])('%s', async (_name, key, change, parameter) => {
    const paymentId = await pay('p-acc2', 'acc-2', 4000n);
    const before = await counts();
    const body: Record<string, unknown> = { paymentId, method: 'BANK_TRANSFER', payee: PAYEE, ...change };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    expect(await refusal(refunds.request(req(key, body), NOW))).toEqual({ code: CollectionsErrorCode.REFUND_REFUSED, parameter });
    expect(await counts()).toEqual(before);
    expect(await payment(paymentId)).toEqual({ status: 'UNAPPLIED', unapplied: '4000', refunded: '0' });
  });

  it('a payment in suspense, an unknown payment, an invoice as a credit note', async () => {
    const suspense = received('BANK_TRANSFER', 'DE89370400440532013000', 'nobody-knows', 777n, '2026-11-20', 'who am i');
    await applier.apply(suspense, { importId: null, nowMs: NOW });
    const before = await counts();
    for (const [body, parameter] of [
      [{ paymentId: paymentIdOf(suspense) }, 'paymentId'],
      [{ paymentId: 'pay-nope' }, 'paymentId'],
      [{ documentId: 'doc-1' }, 'documentId'],
      [{ documentId: 'doc-nope' }, 'documentId'],
    ] as const)
      expect(
        await refusal(
          refunds.request(req(`bad-${parameter}-${JSON.stringify(body)}`, { ...body, method: 'BANK_TRANSFER', payee: PAYEE }), NOW),
        ),
      ).toEqual({
        code: CollectionsErrorCode.REFUND_REFUSED,
        parameter,
      });
    expect(await counts()).toEqual(before);
  });
});

describe('circuit breakers', () => {
  it('ABOVE_AVERAGE: more than 2x the six-month average receipt is held; a rejection gives the credit back', async () => {
    await pay('p-acc3-a', 'acc-3', 1000n, '2026-10-05');
    await pay('p-acc3-b', 'acc-3', 1000n, '2026-11-05');
    const big = await pay('p-acc3-c', 'acc-3', 9000n, '2026-11-25'); // no document left: all credit; average 3666
    const { refund } = await refunds.request(req('r-avg', { paymentId: big, method: 'BANK_TRANSFER', payee: PAYEE }), NOW);
    expect(refund).toMatchObject({ status: 'HELD', holdReasons: ['ABOVE_AVERAGE'], amountMinor: '9000' });
    expect(await payment(big)).toEqual({ status: 'REFUNDED', unapplied: '0', refunded: '9000' });
    expect(await refusal(refunds.reject(refund.id, 'alice', null, NOW))).toMatchObject({ code: CollectionsErrorCode.FOUR_EYES_REQUIRED });
    const rejected = await refunds.reject(refund.id, 'bob', 'not the customer', NOW);
    expect(rejected).toMatchObject({ status: 'REJECTED', decidedBy: 'bob' });
    expect(await refundEvents(refund.id)).toEqual([
      ['HELD', ['ABOVE_AVERAGE'], null],
      ['REJECTED', ['ABOVE_AVERAGE'], null],
    ]);
    expect(await payment(big)).toEqual({ status: 'UNAPPLIED', unapplied: '9000', refunded: '0' });
    expect(await ledgerOk()).toBe(true);
    // Below the limit (2 x 3666): released at once; the rejected refund does not count as an earlier one.
    const small = await refunds.request(
      req('r-avg-2', { paymentId: big, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '7000' }),
      NOW,
    );
    expect(small.refund).toMatchObject({ status: 'APPROVED', holdReasons: [] });
    expect(await ledgerOk()).toBe(true);
  });

  it('SOURCE_NOT_SETTLED and ACCOUNT_IN_DUNNING: a recent direct debit of an account in dunning', async () => {
    const dd = received('DIRECT_DEBIT', 'DD', 'dd-acc4', 3000n, '2026-11-30', 'acc-4');
    await applier.apply(dd, { importId: null, nowMs: NOW });
    await pool.query(
      `insert into dunning_case (id, account_id, status, opened_on, created_at, updated_at) values ('dc-4', 'acc-4', 'OPEN', '2026-12-01', $1, $1)`,
      [AT],
    );
    const { refund } = await refunds.request(req('r-dd', { paymentId: paymentIdOf(dd), method: 'BANK_TRANSFER', payee: PAYEE }), NOW);
    expect(refund.holdReasons).toEqual(['SOURCE_NOT_SETTLED', 'ACCOUNT_IN_DUNNING']);
    expect(await ledgerOk()).toBe(true);
  });

  it('DAILY_CAP: refunds released today count against the cap, per currency', async () => {
    const capped = new Refunds({
      pool,
      limits: { ...LIMITS, dailyCapMinor: 9000n },
      directDebitSettlementDays: 56,
      gateway: undefined,
      health,
    });
    const p = await pay('p-acc7', 'acc-7', 2500n);
    // Released today so far: 5000 + 3000 (batch) + 7000 = 15000 > 9000.
    const { refund } = await capped.request(req('r-cap', { paymentId: p, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '100' }), NOW);
    expect(refund.holdReasons).toEqual(['DAILY_CAP']);
    // A day later the cap starts again.
    const next = await capped.request(
      req('r-cap-2', { paymentId: p, method: 'BANK_TRANSFER', payee: PAYEE, amountMinor: '100' }),
      NOW + 86_400_000,
    );
    expect(next.refund.holdReasons).toEqual(['ALREADY_REFUNDED']);
    expect(await ledgerOk()).toBe(true);
  });
});

describe('credit notes', () => {
  it('a credit note is refunded to the mandate IBAN: held without receipts, approved, batched, the note PAID', async () => {
    await issueCreditNote(pool, { id: 'cn-1', accountId: 'acc-5', grossMinor: 3000n, issueDate: '2026-11-28', creditKind: 'REFUND' }, AT);
    await pool.query(
      `insert into sepa_mandate (id, account_id, debtor_name, iban, signed_on, created_at, updated_at) values ('M-5', 'acc-5', 'Max Mandate', 'DE02120300000000202051', '2026-01-01', $1, $1)`,
      [AT],
    );
    expect(await ledgerOk()).toBe(true);
    expect(await refusal(refunds.request(req('r-cn-card', { documentId: 'cn-1', method: 'CARD' }), NOW))).toEqual({
      code: CollectionsErrorCode.REFUND_REFUSED,
      parameter: 'method',
    });
    const { refund } = await refunds.request(
      req('r-cn', { documentId: 'cn-1', method: 'BANK_TRANSFER', reason: 'Credit note CN2026-000001' }),
      NOW,
    );
    expect(refund).toMatchObject({ status: 'HELD', holdReasons: ['ABOVE_AVERAGE'], sourceKind: 'CREDIT_NOTE', amountMinor: '3000' });
    expect(refund.payee).toEqual({ name: 'Max Mandate', iban: 'DE02 **** 2051', bic: null });
    const doc = async () => (await pool.query(`select status, paid_minor::text as paid from billing_document where id = 'cn-1'`)).rows[0];
    expect(await doc()).toEqual({ status: 'PAID', paid: '3000' });
    expect(await ledgerOk()).toBe(true);
    await refunds.approve(refund.id, 'bob', null, NOW);
    const { batch } = await transfers.createBatch({ idempotencyKey: 'batch-cn', executionDate: '2026-12-03', actor: 'alice' }, NOW);
    expect(batch!.refundIds).toContain(refund.id);
    const file = join(dir, 'batch-cn.xml');
    writeFileSync(file, await transfers.file(batch!.id));
    expect(execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' }).toString()).toBe('');
    expect(await ledgerOk()).toBe(true);
  });
});

describe('card refunds through the gateway', () => {
  let cardPaymentId: string;

  beforeAll(async () => {
    const { token } = await gw.tokenize('4242424242424242');
    const gateway = new HttpPaymentGateway({ baseUrl: gw.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 });
    const intent = await gateway.createIntent({
      idempotencyKey: 'cp-6',
      amountMinor: 30000n,
      currency: 'EUR',
      cardToken: token,
      description: 'top',
    });
    const card = received('CARD', 'CARD', intent.id, 30000n, '2026-11-20', 'acc-6');
    await applier.apply(card, { importId: null, nowMs: NOW });
    cardPaymentId = paymentIdOf(card);
    await pool.query(
      `insert into card_payment (id, purpose, account_id, currency, amount_minor, gateway_token, status, gateway_intent_id, payment_id, requested_by,
         created_at, updated_at, settled_at) values ('cp-6', 'TOP_UP', 'acc-6', 'EUR', 30000, $1, 'SUCCEEDED', $2, $3, 'spec', $4, $4, $4)`,
      [token, intent.id, cardPaymentId, AT],
    );
  });

  it('a released card refund is sent at once with its id as the key', async () => {
    const { refund } = await refunds.request(req('r-card', { paymentId: cardPaymentId, method: 'CARD', amountMinor: '10000' }), NOW);
    expect(refund).toMatchObject({ status: 'SUCCEEDED', attempts: 1, holdReasons: [] });
    expect(refund.gatewayRefundId).toMatch(/^re_/);
    expect(await payment(cardPaymentId)).toEqual({ status: 'UNAPPLIED', unapplied: '20000', refunded: '10000' });
    expect(await ledgerOk()).toBe(true);
  });

  it('a sender that died after calling the gateway: two senders ask again with the same key, and it is paid out once', async () => {
    const { refund } = await refunds.request(req('r-card-crash', { paymentId: cardPaymentId, method: 'CARD', amountMinor: '5000' }), NOW);
    expect(refund).toMatchObject({ status: 'HELD', holdReasons: ['ALREADY_REFUNDED'] });
    // What a sender leaves when it dies between the gateway's refund and its own commit: the claim, and the refund at the gateway.
    await pool.query(`update refund set status = 'SENDING', attempts = 1 where id = $1`, [refund.id]);
    const intent = (await pool.query<{ i: string }>(`select gateway_intent_id as i from card_payment where id = 'cp-6'`)).rows[0].i;
    const made = await new HttpPaymentGateway({ baseUrl: gw.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 }).refund({
      idempotencyKey: refund.id,
      intentId: intent,
      amountMinor: 5000n,
    });
    const refundsAtGateway = (await gw.state()).refunds.length;
    const [a, b] = await Promise.all([refunds.sendCard(refund.id, NOW), refunds.sendCard(refund.id, NOW)]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(a.gatewayRefundId).toBe(made.id);
    expect((await gw.state()).refunds.length).toBe(refundsAtGateway);
    const paid = await pool.query<{ n: number }>(
      `select count(*)::int as n from ledger_transaction where kind = 'REFUND_PAID' and source_id = $1`,
      [refund.id],
    );
    expect(paid.rows[0].n).toBe(1);
    expect(await payment(cardPaymentId)).toEqual({ status: 'UNAPPLIED', unapplied: '15000', refunded: '15000' });
    expect(await ledgerOk()).toBe(true);
  });

  it('GATEWAY_ERRORS: card refunds are held while the gateway mostly fails; bank refunds are not', async () => {
    const sick = new GatewayHealth(60_000);
    for (let i = 0; i < 10; i++) sick.record(NOW, i < 3);
    expect(sick.snapshot(NOW)).toEqual({ calls: 10, errors: 3 });
    const gateway = new HttpPaymentGateway({ baseUrl: gw.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 });
    const held = new Refunds({ pool, limits: LIMITS, directDebitSettlementDays: 56, gateway, health: sick });
    const { refund } = await held.request(req('r-sick', { paymentId: cardPaymentId, method: 'CARD', amountMinor: '1000' }), NOW);
    expect(refund.holdReasons).toEqual(['ALREADY_REFUNDED', 'GATEWAY_ERRORS']);
    await held.reject(refund.id, 'bob', null, NOW);
    const p = await pay('p-acc6', 'acc-6', 500n);
    const bank = await held.request(req('r-sick-bank', { paymentId: p, method: 'BANK_TRANSFER', payee: PAYEE }), NOW);
    expect(bank.refund.holdReasons).toEqual([]);
    expect(await ledgerOk()).toBe(true);
  });

  it('a refund the gateway declines FAILS and gives the credit back', async () => {
    // Refunded in the gateway's own dashboard meanwhile: the intent has 30000 - 15000 - 10000 = 5000 left.
    const intent = (await pool.query<{ i: string }>(`select gateway_intent_id as i from card_payment where id = 'cp-6'`)).rows[0].i;
    await new HttpPaymentGateway({ baseUrl: gw.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 }).refund({
      idempotencyKey: 'dashboard-1',
      intentId: intent,
      amountMinor: 10000n,
    });
    const { refund } = await refunds.request(req('r-card-3', { paymentId: cardPaymentId, method: 'CARD' }), NOW);
    expect(refund).toMatchObject({ status: 'HELD', amountMinor: '15000' });
    expect(await payment(cardPaymentId)).toEqual({ status: 'REFUNDED', unapplied: '0', refunded: '30000' });
    const failed = await refunds.approve(refund.id, 'bob', null, NOW);
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'amount_exceeds_captured', attempts: 1 });
    expect((await refundEvents(refund.id)).map(([status, , failure]) => [status, failure])).toEqual([
      ['HELD', null],
      ['APPROVED', null],
      ['FAILED', 'amount_exceeds_captured'],
    ]);
    expect(await payment(cardPaymentId)).toEqual({ status: 'UNAPPLIED', unapplied: '15000', refunded: '15000' });
    expect(await ledgerOk()).toBe(true);
    // Sending a FAILED refund again does nothing.
    expect((await refunds.sendCard(refund.id, NOW)).attempts).toBe(1);
  });
});

describe('card top-ups charging refused', () => {
  let token: string;
  const gateway = () => new HttpPaymentGateway({ baseUrl: gw.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 });

  /** A card top-up paid at the gateway that charging refused, as sync-card-payment leaves it (no collections payment). */
  async function refusedTopUp(id: string, accountId: string, amount: bigint, createdAt: Date): Promise<void> {
    const intent = await gateway().createIntent({
      idempotencyKey: id,
      amountMinor: amount,
      currency: 'EUR',
      cardToken: token,
      description: 'top-up',
    });
    await pool.query(
      `insert into card_payment (id, purpose, account_id, currency, amount_minor, gateway_token, status, gateway_intent_id, top_up_status, top_up_error,
         requested_by, created_at, updated_at, settled_at)
       values ($1, 'TOP_UP', $2, 'EUR', $3, $4, 'SUCCEEDED', $5, 'REFUSED', 'charging top-up: 422 ACCOUNT_CLOSED', 'spec', $6, $6, $6)`,
      [id, accountId, amount.toString(), token, intent.id, createdAt],
    );
  }

  beforeAll(async () => {
    token = (await gw.tokenize('4242424242424242')).token;
  });

  it('is refunded to its card by itself, once: TOP_UP_REFUSED then the refund, the ledger whole', async () => {
    await refusedTopUp('cp-8', 'acc-8', 20000n, AT);
    const topUps = new TopUpRefunds(pool, refunds);
    const [refund] = await topUps.sweep(NOW);
    expect(refund).toMatchObject({
      sourceKind: 'CARD_TOP_UP',
      cardPaymentId: 'cp-8',
      method: 'CARD',
      amountMinor: '20000',
      status: 'SUCCEEDED',
      holdReasons: [],
      requestedBy: 'collections:top-up',
    });
    const intent = (await pool.query<{ i: string }>(`select gateway_intent_id as i from card_payment where id = 'cp-8'`)).rows[0].i;
    const atGateway = async () => (await gw.state()).refunds.filter((r) => r.intentId === intent);
    expect(await atGateway()).toEqual([expect.objectContaining({ id: refund.gatewayRefundId, amountMinor: '20000', status: 'succeeded' })]);
    const kinds = await pool.query<{ kind: string }>(
      `select t.kind from ledger_transaction t where t.source_id in ('cp-8', $1) order by t.created_at, t.kind`,
      [refund.id],
    );
    expect(kinds.rows.map((r) => r.kind).sort()).toEqual(['REFUND_PAID', 'REFUND_REQUESTED', 'TOP_UP_REFUSED']);
    expect(await ledgerOk()).toBe(true);
    // Again: the sweep finds nothing, asking again answers the same refund, another request is refused.
    expect(await topUps.sweep(NOW)).toEqual([]);
    expect((await topUps.refund('cp-8', NOW)).id).toBe(refund.id);
    expect(await refusal(refunds.request(req('r-cp-8', { cardPaymentId: 'cp-8', method: 'CARD' }), NOW))).toEqual({
      code: CollectionsErrorCode.REFUND_REFUSED,
      parameter: 'cardPaymentId',
    });
    expect(await atGateway()).toHaveLength(1);
  });

  it('held by a breaker and rejected: the operator asks again, and the money enters the ledger once', async () => {
    // Paid long ago: no receipt of the account in six months, so ABOVE_AVERAGE holds it.
    await refusedTopUp('cp-9', 'acc-9', 7000n, new Date(Date.UTC(2026, 0, 5)));
    const topUps = new TopUpRefunds(pool, refunds);
    const held = await topUps.refund('cp-9', NOW);
    expect(held).toMatchObject({ status: 'HELD', holdReasons: ['ABOVE_AVERAGE'] });
    await refunds.reject(held.id, 'bob', 'check the account first', NOW);
    expect(await topUps.sweep(NOW)).toEqual([]);
    expect(await ledgerOk()).toBe(true);
    for (const [b, parameter] of [
      [{ cardPaymentId: 'cp-9', method: 'BANK_TRANSFER', payee: PAYEE }, 'method'],
      [{ cardPaymentId: 'cp-9', method: 'CARD', amountMinor: '100' }, 'amountMinor'],
      [{ cardPaymentId: 'cp-6', method: 'CARD' }, 'cardPaymentId'],
    ] as const)
      expect(await refusal(refunds.request(req(`r-bad-${parameter}`, b), NOW))).toEqual({
        code: CollectionsErrorCode.REFUND_REFUSED,
        parameter,
      });
    const { refund } = await refunds.request(req('r-cp-9', { cardPaymentId: 'cp-9', method: 'CARD', reason: 'checked' }), NOW);
    expect(refund.status).toBe('HELD');
    expect((await refunds.approve(refund.id, 'bob', null, NOW)).status).toBe('SUCCEEDED');
    const entered = await pool.query<{ n: number }>(
      `select count(*)::int as n from ledger_transaction where kind = 'TOP_UP_REFUSED' and source_id = 'cp-9'`,
    );
    expect(entered.rows[0].n).toBe(1);
    expect(await ledgerOk()).toBe(true);
  });
});
