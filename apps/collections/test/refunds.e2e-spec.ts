/**
 * Refunds end to end: the collections process (main.ts) and the fake card gateway, each its own
 * process, on a real PostgreSQL. Over REST: a refund held by a circuit breaker (above 2x the
 * six-month average), refused to its requester (403 FOUR_EYES_REQUIRED) and to a credential without
 * the approver role (403 FORBIDDEN_ROLE), released by a second approver, paid by a credit-transfer
 * batch whose pain.001 passes the ISO XSD, shown as a TMF676 Refund; a bad-input table that changes
 * nothing; and the process SIGKILLed while the gateway holds a card refund's answer: restarted, the
 * refund is sent again with the same key and paid out once. The ledger checks hold throughout.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, waitFor } from '@app/devstack';
import { HttpPaymentGateway } from '../src/card/http-payment-gateway';
import { PaymentApplier, paymentIdOf } from '../src/matching/apply-payment';
import { type CollectionsProcess, startCollectionsProcess } from '../src/testing/collections-process';
import { FAKE_CARD_API_KEY, type FakeCardGatewayProcess, startFakeCardGateway } from '../src/testing/fake-card-gateway/start';
import { seedReceivables } from '../src/testing/receivables-fixtures';

const XSD = join(__dirname, '..', 'src', 'refunds', 'schemas', 'pain.001.001.03.xsd');
const OPERATOR_KEY = 'refund-operator-key';
const APPROVER_KEY = 'refund-approver-key';
/** Holds both roles: may request and approve, but never its own refund. */
const BOTH_KEY = 'refund-both-key';
const VIEWER_KEY = 'refund-viewer-key';
const PAYEE = { name: 'Jane Customer', iban: 'FR1420041010050500013M02606' };
const WAIT_MS = 30_000;

type Json = Record<string, unknown>;

let gateway: FakeCardGatewayProcess;
let app: CollectionsProcess;
let pool: Pool;
let databaseUrl: string;
let dir: string;

const env = () => ({
  DATABASE_URL: databaseUrl,
  RATEL_API_KEYS: `${OPERATOR_KEY}:collections+read,${APPROVER_KEY}:approver+read,${BOTH_KEY}:collections+approver+read,${VIEWER_KEY}:read`,
  CARD_GATEWAY_URL: gateway.url,
  CARD_GATEWAY_API_KEY: FAKE_CARD_API_KEY,
  CARD_GATEWAY_TIMEOUT_MS: '60000',
  CARD_RECONCILE_INTERVAL_MS: '0', // the spec sends again itself
  CREDIT_APPLY_INTERVAL_MS: '0',
  DD_CREDITOR_NAME: 'Ratel Telecom GmbH',
  DD_CREDITOR_IBAN: 'DE89370400440532013000',
  DD_CREDITOR_ID: 'DE98ZZZ09999999999',
});

async function call(method: string, path: string, o: { key?: string; body?: unknown; idem?: string } = {}) {
  const headers: Record<string, string> = {};
  if (o.key !== undefined) headers['x-api-key'] = o.key;
  if (o.idem !== undefined) headers['idempotency-key'] = o.idem;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${app.base}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // XML
  }
  return { status: res.status, body: body as Json, text, headers: res.headers };
}

const ledgerOk = async () => (await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY })).body.ok;

const manualPayment = async (key: string, accountId: string, amountMinor: string, valueDate = '2026-11-20') =>
  (
    await call('POST', '/v1/collections/payments', {
      key: OPERATOR_KEY,
      idem: key,
      body: { method: 'TRANSFER', amountMinor, currency: 'EUR', valueDate, accountId },
    })
  ).body.paymentId as string;

const counts = async () =>
  (await pool.query(`select (select count(*) from refund)::int as r, (select count(*) from ledger_transaction)::int as t`)).rows[0] as Json;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-refunds-e2e-'));
  gateway = await startFakeCardGateway({ FAKE_CARD_SETTLE_MS: '0' });
  databaseUrl = await createTestDatabase('refundse2e');
  await migrate(databaseUrl);
  pool = new Pool({ connectionString: databaseUrl, max: 2 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3'],
    invoices: [{ n: 1, accountId: 'acc-1', grossMinor: 1000n, issueDate: '2026-10-01' }],
    at: new Date(Date.UTC(2026, 10, 1)),
  });
  app = await startCollectionsProcess(env());
}, 150_000);

afterAll(async () => {
  await app?.stop();
  await gateway?.stop();
  await pool?.end();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a held refund over REST', () => {
  let paymentId: string;
  let refundId: string;

  it('OpenAPI describes the refund and TMF676 Refund routes', async () => {
    const paths = Object.keys(((await call('GET', '/openapi.json')).body.paths ?? {}) as Json);
    for (const p of [
      '/v1/collections/refunds',
      '/v1/collections/refunds/{refundId}/approve',
      '/v1/collections/refunds/{refundId}/reject',
      '/v1/collections/refunds/credit-transfers',
      '/v1/collections/refunds/credit-transfers/{batchId}/pain001',
      '/tmf-api/paymentManagement/v4/refund',
    ])
      expect(paths).toContain(p);
  });

  it('is requested, held above 2x the average, and answered with the IBAN masked', async () => {
    await manualPayment('m-1', 'acc-1', '1000', '2026-10-10'); // pays doc-1
    for (const k of ['m-1b', 'm-1c', 'm-1d']) await manualPayment(k, 'acc-1', '1000');
    paymentId = await manualPayment('m-2', 'acc-1', '9000'); // all credit: the average receipt is 13000 / 5 = 2600
    const r = await call('POST', '/v1/collections/refunds', {
      key: BOTH_KEY,
      idem: 'refund-1',
      body: { paymentId, method: 'BANK_TRANSFER', payee: PAYEE, reason: 'Overpayment' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'HELD', holdReasons: ['ABOVE_AVERAGE'], amountMinor: '9000', created: true });
    expect((r.body.payee as Json).iban).toBe('FR14 **** 2606');
    expect(r.text).not.toContain('FR1420041010050500013M02606');
    refundId = r.body.id as string;
    const again = await call('POST', '/v1/collections/refunds', {
      key: BOTH_KEY,
      idem: 'refund-1',
      body: { paymentId, method: 'BANK_TRANSFER', payee: PAYEE, reason: 'Overpayment' },
    });
    expect(again.body).toMatchObject({ id: refundId, created: false });
    expect((await call('GET', '/v1/collections/refunds?status=HELD', { key: VIEWER_KEY })).body.total).toBe(1);
    expect(await ledgerOk()).toBe(true);
  });

  it('four eyes: the requester gets 403 FOUR_EYES_REQUIRED, a credential without the approver role 403 FORBIDDEN_ROLE', async () => {
    const own = await call('POST', `/v1/collections/refunds/${refundId}/approve`, { key: BOTH_KEY, body: {} });
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('FOUR_EYES_REQUIRED');
    const operator = await call('POST', `/v1/collections/refunds/${refundId}/approve`, { key: OPERATOR_KEY, body: {} });
    expect(operator.status).toBe(403);
    expect(operator.body).toMatchObject({ code: 'FORBIDDEN_ROLE', requiredRole: 'approver' });
    expect((await call('GET', `/v1/collections/refunds/${refundId}`, { key: VIEWER_KEY })).body.status).toBe('HELD');
  });

  it('a second approver releases it; deciding it again is 409', async () => {
    const ok = await call('POST', `/v1/collections/refunds/${refundId}/approve`, {
      key: APPROVER_KEY,
      body: { note: 'checked with the customer' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'APPROVED', decisionNote: 'checked with the customer' });
    expect(ok.body.decidedBy).not.toBe(ok.body.requestedBy);
    const twice = await call('POST', `/v1/collections/refunds/${refundId}/reject`, { key: APPROVER_KEY, body: {} });
    expect(twice.status).toBe(409);
  });

  it('the credit-transfer batch sends it once, as a pain.001 that passes the ISO XSD', async () => {
    const late = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const refused = await call('POST', '/v1/collections/refunds/credit-transfers', {
      key: OPERATOR_KEY,
      idem: 'ct-1',
      body: { executionDate: late },
    });
    expect(refused.body).toMatchObject({ code: 'INVALID_ARGUMENT', parameter: 'executionDate' });
    const made = await call('POST', '/v1/collections/refunds/credit-transfers', { key: OPERATOR_KEY, idem: 'ct-1', body: {} });
    expect(made.status).toBe(201);
    const b = made.body.batch as Json;
    expect(b).toMatchObject({ refunds: 1, totalMinor: '9000', refundIds: [refundId] });
    const xml = await call('GET', `/v1/collections/refunds/credit-transfers/${b.id as string}/pain001`, { key: OPERATOR_KEY });
    expect(xml.headers.get('content-type')).toContain('application/xml');
    const file = join(dir, 'ct-1.xml');
    writeFileSync(file, xml.text);
    expect(execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' }).toString()).toBe('');
    const next = await call('POST', '/v1/collections/refunds/credit-transfers', { key: OPERATOR_KEY, idem: 'ct-2', body: {} });
    expect(next.body).toEqual({ batch: null, created: false });
    expect((await call('GET', `/v1/collections/refunds/${refundId}`, { key: VIEWER_KEY })).body.status).toBe('SENT');
    expect(await ledgerOk()).toBe(true);
  });

  it('the TMF676 Refund view shows it with exact Money', async () => {
    const list = await call('GET', '/tmf-api/paymentManagement/v4/refund?account.id=acc-1', { key: VIEWER_KEY });
    expect(list.headers.get('x-total-count')).toBe('1');
    const one = await call('GET', `/tmf-api/paymentManagement/v4/refund/${refundId}`, { key: VIEWER_KEY });
    expect(one.body).toMatchObject({
      id: refundId,
      '@type': 'Refund',
      status: 'sent',
      amount: { unit: 'EUR', value: 90 },
      account: { id: 'acc-1' },
      payment: { id: paymentId },
    });
  });
});

describe('deposits over REST', () => {
  it('a deposit is taken once per key, listed, and applied to the open documents; bad input is 400/422', async () => {
    const body = { accountId: 'acc-3', amountMinor: '2500', currency: 'EUR', method: 'CASH', valueDate: '2026-11-02' };
    const r = await call('POST', '/v1/collections/deposits', { key: OPERATOR_KEY, idem: 'dep-1', body });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'HELD', amountMinor: '2500', created: true });
    expect((await call('POST', '/v1/collections/deposits', { key: OPERATOR_KEY, idem: 'dep-1', body })).body.created).toBe(false);
    expect(
      (await call('POST', '/v1/collections/deposits', { key: OPERATOR_KEY, idem: 'dep-2', body: { ...body, accountId: 'nobody' } })).body,
    ).toMatchObject({
      code: 'DEPOSIT_REFUSED',
      parameter: 'accountId',
    });
    expect(
      (await call('POST', '/v1/collections/deposits', { key: OPERATOR_KEY, idem: 'dep-3', body: { ...body, amountMinor: 25 } })).status,
    ).toBe(400);
    expect((await call('GET', '/v1/collections/deposits?accountId=acc-3', { key: VIEWER_KEY })).body.total).toBe(1);
    const applied = await call('POST', `/v1/collections/deposits/${r.body.id as string}/apply`, { key: OPERATOR_KEY, body: {} });
    expect(applied.body).toMatchObject({ status: 'APPLIED' });
    expect(await ledgerOk()).toBe(true);
  });
});

describe('bad input changes nothing', () => {
  it.each<[string, { key?: string; idem?: string; body?: unknown }, number, string, string | undefined]>([
    ['no credential', { idem: 'b1', body: { paymentId: 'x', method: 'CARD' } }, 401, 'UNAUTHENTICATED', undefined],
    ['a viewer', { key: VIEWER_KEY, idem: 'b2', body: { paymentId: 'x', method: 'CARD' } }, 403, 'FORBIDDEN_ROLE', undefined],
    ['no Idempotency-Key', { key: OPERATOR_KEY, body: { paymentId: 'x', method: 'CARD' } }, 400, 'INVALID_ARGUMENT', 'Idempotency-Key'],
    [
      'an unknown field',
      { key: OPERATOR_KEY, idem: 'b3', body: { paymentId: 'x', method: 'CARD', iban: 'x' } },
      400,
      'INVALID_ARGUMENT',
      'iban',
    ],
    [
      'a float amount',
      { key: OPERATOR_KEY, idem: 'b4', body: { paymentId: 'x', method: 'CARD', amountMinor: 1.5 } },
      400,
      'INVALID_ARGUMENT',
      'amountMinor',
    ],
    [
      'a bad IBAN',
      { key: OPERATOR_KEY, idem: 'b5', body: { paymentId: 'x', method: 'BANK_TRANSFER', payee: { name: 'a', iban: 'DE00' } } },
      400,
      'INVALID_ARGUMENT',
      'payee.iban',
    ],
    [
      'an unknown payment',
      { key: OPERATOR_KEY, idem: 'b6', body: { paymentId: 'pay-none', method: 'BANK_TRANSFER', payee: PAYEE } },
      422,
      'REFUND_REFUSED',
      'paymentId',
    ],
  ])('%s', async (_name, o, status, code, parameter) => {
    const before = await counts();
    const r = await call('POST', '/v1/collections/refunds', o);
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    if (parameter !== undefined) expect(r.body.parameter).toBe(parameter);
    expect(await counts()).toEqual(before);
  });

  it('an unknown refund is 404, an unknown status 400', async () => {
    expect((await call('GET', '/v1/collections/refunds/rf-none', { key: VIEWER_KEY })).status).toBe(404);
    expect((await call('POST', '/v1/collections/refunds/rf-none/approve', { key: APPROVER_KEY, body: {} })).status).toBe(404);
    expect((await call('GET', '/v1/collections/refunds?status=LOST', { key: VIEWER_KEY })).body.parameter).toBe('status');
  });
});

describe('SIGKILL while the gateway holds a card refund', () => {
  it('restarted, the refund is sent again with the same key: one payout, the ledger checks hold', async () => {
    // A card payment of 30000 that left account credit (as the card flow leaves it).
    const { token } = await gateway.tokenize('4242424242424242');
    const gw = new HttpPaymentGateway({ baseUrl: gateway.url, apiKey: FAKE_CARD_API_KEY, timeoutMs: 5_000 });
    const intent = await gw.createIntent({
      idempotencyKey: 'cp-2',
      amountMinor: 30000n,
      currency: 'EUR',
      cardToken: token,
      description: 'e2e',
    });
    const card = {
      kind: 'payment' as const,
      channel: 'CARD' as const,
      source: 'CARD',
      bankReference: intent.id,
      currency: 'EUR',
      amountMinor: 30000n,
      valueDate: '2026-11-20',
      bookingDate: null,
      endToEndId: null,
      creditorReferences: [],
      remittanceInfo: 'acc-2',
      debtorName: null,
    };
    await new PaymentApplier(pool).apply(card, { importId: null, nowMs: Date.now() });
    await pool.query(
      `insert into card_payment (id, purpose, account_id, currency, amount_minor, gateway_token, status, gateway_intent_id, payment_id, requested_by,
         created_at, updated_at, settled_at) values ('cp-2', 'TOP_UP', 'acc-2', 'EUR', 30000, $1, 'SUCCEEDED', $2, $3, 'spec', now(), now(), now())`,
      [token, intent.id, paymentIdOf(card)],
    );
    const atGateway = (await gateway.state()).refunds.length;
    // 10009: the gateway makes the refund at once and holds its answer back; the process dies waiting.
    const pending = call('POST', '/v1/collections/refunds', {
      key: OPERATOR_KEY,
      idem: 'card-refund-1',
      body: { paymentId: paymentIdOf(card), method: 'CARD', amountMinor: '10009' },
    }).catch((e: unknown) => e);
    await waitFor('the gateway made the refund', async () => (await gateway.state()).refunds.length === atGateway + 1, WAIT_MS);
    await app.kill();
    await pending;
    const { rows } = await pool.query<{ id: string; status: string; attempts: number }>(
      `select id, status, attempts from refund where idempotency_key = 'card-refund-1'`,
    );
    expect(rows[0]).toMatchObject({ status: 'SENDING', attempts: 1 });
    app = await startCollectionsProcess(env());
    const sent = await call('POST', `/v1/collections/refunds/${rows[0].id}/send`, { key: OPERATOR_KEY, body: {} });
    expect(sent.body).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const state = await gateway.state();
    expect(state.refunds.length).toBe(atGateway + 1);
    expect(state.refunds[state.refunds.length - 1].id).toBe(sent.body.gatewayRefundId);
    const paid = await pool.query(`select count(*)::int as n from ledger_transaction where kind = 'REFUND_PAID' and source_id = $1`, [
      rows[0].id,
    ]);
    expect(paid.rows[0].n).toBe(1);
    expect(await ledgerOk()).toBe(true);
  }, 120_000);
});
