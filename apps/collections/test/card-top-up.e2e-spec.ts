/**
 * A prepaid top-up paid by card, across three processes: collections (main.ts), the fake card
 * gateway and the real charging app (main.ts on PostgreSQL, Redis and its own NATS). Once the card
 * payment succeeded, collections calls charging's top-up API with the card payment's id as its
 * Idempotency-Key: the balance goes up once, whether the request is repeated, charging was down
 * (the top-up waits PENDING, then a refresh finishes it), or collections forgot it had finished. A
 * top-up charging refuses (the account closed while the card payment settled) is refunded to the card
 * by itself, once; one the issuer charged back (in part) is taken back from the prepaid balance, once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { startNats, type StartedServer, waitFor } from '@app/devstack';
import { DEMO_PREPAID_PLAN } from '@app/rating';
import {
  FAKE_CARD_API_KEY,
  FAKE_CARD_WEBHOOK_SECRET,
  type FakeCardGatewayProcess,
  startFakeCardGateway,
} from '../src/testing/fake-card-gateway/start';
import { type ChargingProcess, chargingProcess } from '../src/testing/charging-process';
import { type CollectionsProcess, startCollectionsProcess } from '../src/testing/collections-process';

const OPERATOR_KEY = 'topup-operator-key';
const SETTLE_TIMEOUT_MS = 30_000;

type Json = Record<string, unknown>;

const CHARGING_KEY = 'topup-charging-key';

let dir: string;
let nats: StartedServer;
let charging: ChargingProcess;
let gateway: FakeCardGatewayProcess;
let collections: CollectionsProcess | undefined;
let base: string;
let pool: Pool;
let token: string;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': OPERATOR_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

const topUp = (key: string, amountMinor: string) =>
  call('POST', '/v1/collections/card/top-ups', { accountId: 'acc-pre', amountMinor }, { 'idempotency-key': key });

async function balanceMicros(): Promise<string> {
  const b = await charging.rest('GET', '/v1/accounts/acc-pre/balance');
  return (b.body.balance as { micros: string }).micros;
}

/** A prepaid account in charging on the demo plan. */
async function prepaidAccount(id: string, initialBalance?: string): Promise<void> {
  const account = await charging.rest('POST', '/v1/accounts', {
    id,
    customerId: 'cus-card',
    type: 'PREPAID',
    currency: 'EUR',
    timeZone: 'Europe/Paris',
    cycleDay: 1,
    planId: DEMO_PREPAID_PLAN.id,
    ...(initialBalance === undefined ? {} : { initialBalance }),
  });
  expect(account.status).toBe(201);
}

/** The gateway's token of the test card, saved for the account. */
async function saveCard(accountId: string): Promise<void> {
  const saved = await call('PUT', `/v1/collections/card/tokens/${accountId}`, { gatewayToken: token, last4: '4444', brand: 'mastercard' });
  expect(saved.status).toBe(200);
}

async function refreshUntil(id: string, done: (b: Json) => boolean): Promise<Json> {
  return waitFor(
    'the card top-up',
    async () => (await call('POST', `/v1/collections/card/payments/${id}/refresh`)).body,
    done,
    SETTLE_TIMEOUT_MS,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-card-topup-'));
  nats = await startNats({ dir });
  charging = await chargingProcess({ natsUrl: nats.url, apiKey: CHARGING_KEY, label: 'cardtopup' });
  pool = new Pool({ connectionString: charging.env.DATABASE_URL, max: 2 });
  await charging.start();
  expect((await charging.rest('POST', '/v1/products', { id: 'prd-card', name: 'card' })).status).toBe(201);
  expect((await charging.rest('POST', '/v1/price-plans', { productId: 'prd-card', plan: DEMO_PREPAID_PLAN })).status).toBe(201);
  expect((await charging.rest('POST', '/v1/customers', { id: 'cus-card', name: 'card' })).status).toBe(201);
  await prepaidAccount('acc-pre', '1.00');
  gateway = await startFakeCardGateway({ FAKE_CARD_SETTLE_MS: '200' });
  collections = await startCollectionsProcess({
    DATABASE_URL: charging.env.DATABASE_URL,
    RATEL_API_KEYS: `${OPERATOR_KEY}:collections+read`,
    CARD_GATEWAY_URL: gateway.url,
    CARD_GATEWAY_API_KEY: FAKE_CARD_API_KEY,
    CARD_WEBHOOK_SECRET: FAKE_CARD_WEBHOOK_SECRET,
    CARD_RECONCILE_INTERVAL_MS: '0',
    CHARGING_API_URL: charging.httpBase,
    CHARGING_API_KEY: CHARGING_KEY,
    CHARGING_API_TIMEOUT_MS: '2000',
  });
  base = collections.base;
  await gateway.webhooks({ url: `${base}/v1/collections/card/webhooks` });
  token = (await gateway.tokenize('5555555555554444')).token;
  await saveCard('acc-pre');
}, 180_000);

afterAll(async () => {
  await collections?.stop();
  await charging?.stop();
  await gateway?.stop();
  await pool?.end();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('prepaid top-up paid by card', () => {
  it('credits charging once the card payment succeeded, keyed by the card payment', async () => {
    expect(await balanceMicros()).toBe('1000000');
    const r = await topUp('topup-1', '500');
    expect([r.status, r.body.purpose, r.body.amountMinor]).toEqual([201, 'TOP_UP', '500']);
    const done = await refreshUntil(r.body.id as string, (b) => (b.topUp as Json | null)?.status === 'DONE');
    expect(done.status).toBe('SUCCEEDED');
    expect(await balanceMicros()).toBe('6000000');
    const { rows } = await pool.query(`select idempotency_key, amount_micros::text from top_up where account_id = 'acc-pre'`);
    expect(rows).toEqual([{ idempotency_key: done.id, amount_micros: '5000000' }]);
  });

  it('never tops up twice: the same request again, and a redo after collections forgot it had finished', async () => {
    const again = await topUp('topup-1', '500');
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    const id = again.body.id as string;
    // As if the process died after charging answered and before the DONE was written.
    await pool.query(`update card_payment set top_up_status = 'PENDING', top_up_id = null where id = $1`, [id]);
    const redone = await refreshUntil(id, (b) => (b.topUp as Json | null)?.status === 'DONE');
    expect(redone.topUp).toMatchObject({ status: 'DONE' });
    expect(await balanceMicros()).toBe('6000000');
    expect((await pool.query(`select count(*)::int as n from top_up where account_id = 'acc-pre'`)).rows[0].n).toBe(1);
  });

  it('waits while charging is down, then tops up once it is back', async () => {
    await charging.stop();
    const r = await topUp('topup-2', '250');
    const id = r.body.id as string;
    const paid = await refreshUntil(id, (b) => b.status === 'SUCCEEDED');
    expect(paid.topUp).toMatchObject({ status: 'PENDING' });
    await charging.start();
    await refreshUntil(id, (b) => (b.topUp as Json | null)?.status === 'DONE');
    expect(await balanceMicros()).toBe('8500000');
    expect((await pool.query(`select count(*)::int as n from top_up where account_id = 'acc-pre'`)).rows[0].n).toBe(2);
  });

  it('refuses a top-up of an unknown account or without an amount, and changes nothing', async () => {
    const unknown = await call(
      'POST',
      '/v1/collections/card/top-ups',
      { accountId: 'nobody', amountMinor: '100' },
      { 'idempotency-key': 'k-nobody' },
    );
    expect(unknown.status).toBe(404);
    const noAmount = await call('POST', '/v1/collections/card/top-ups', { accountId: 'acc-pre' }, { 'idempotency-key': 'k-no-amount' });
    expect([noAmount.status, noAmount.body.parameter]).toEqual([400, 'amountMinor']);
    expect((await pool.query(`select count(*)::int as n from card_payment`)).rows[0].n).toBe(2);
  });

  it('a charged-back top-up is taken back from the prepaid balance, what the issuer took of it, once', async () => {
    const r = await topUp('topup-3', '400');
    const id = r.body.id as string;
    const done = await refreshUntil(id, (b) => (b.topUp as Json | null)?.status === 'DONE');
    expect(await balanceMicros()).toBe('12500000');
    await gateway.chargeback(done.gatewayIntentId as string, 'fraudulent', 150n);
    const reversed = await refreshUntil(id, (b) => (b.topUp as Json | null)?.status === 'REVERSED');
    expect(reversed.chargeback).toMatchObject({ reason: 'fraudulent', amountMinor: '150' });
    expect(await balanceMicros()).toBe('11000000');
    const rows = await pool.query(
      `select r.id, r.amount_micros::text as amount from top_up r join top_up t on t.id = r.reverses_top_up_id where t.idempotency_key = $1`,
      [id],
    );
    expect(rows.rows).toEqual([{ id: (reversed.topUp as Json).reversalId, amount: '-1500000' }]);
    // The issuer's second notice, and a refresh: nothing more is taken.
    await gateway.chargeback(done.gatewayIntentId as string, 'fraudulent', 150n);
    await call('POST', `/v1/collections/card/payments/${id}/refresh`);
    expect(await balanceMicros()).toBe('11000000');
  });

  it('a top-up charging refuses (the account closed meanwhile) goes back to the card by itself, once', async () => {
    await prepaidAccount('acc-shut');
    await saveCard('acc-shut');
    const r = await call(
      'POST',
      '/v1/collections/card/top-ups',
      { accountId: 'acc-shut', amountMinor: '700' },
      { 'idempotency-key': 'topup-shut' },
    );
    expect(r.status).toBe(201);
    // Closed while the card payment settles (the fake gateway takes 200 ms): charging then refuses the top-up.
    expect((await charging.rest('PATCH', '/v1/accounts/acc-shut', { status: 'CLOSED' })).status).toBe(200);
    const id = r.body.id as string;
    const refused = await refreshUntil(id, (b) => (b.topUp as Json | null)?.status === 'REFUSED');
    expect(refused.status).toBe('SUCCEEDED');
    const refunds = async () => (await call('GET', '/v1/collections/refunds?accountId=acc-shut')).body.items as Json[];
    // A webhook's sync may have asked first and still be waiting for the gateway's answer (SENDING): wait for the outcome.
    await waitFor(
      'the refund settled',
      refunds,
      (r) => r.length === 1 && r[0].status !== 'SENDING' && r[0].status !== 'APPROVED',
      SETTLE_TIMEOUT_MS,
    );
    expect(await refunds()).toEqual([
      expect.objectContaining({
        sourceKind: 'CARD_TOP_UP',
        cardPaymentId: id,
        method: 'CARD',
        amountMinor: '700',
        status: 'SUCCEEDED',
        requestedBy: 'collections:top-up',
      }),
    ]);
    await call('POST', `/v1/collections/card/payments/${id}/refresh`);
    expect(await refunds()).toHaveLength(1);
    const intent = (await pool.query<{ i: string }>(`select gateway_intent_id as i from card_payment where id = $1`, [id])).rows[0].i;
    expect((await gateway.state()).refunds.filter((x) => x.intentId === intent)).toEqual([
      expect.objectContaining({ amountMinor: '700', status: 'succeeded' }),
    ]);
    expect((await call('GET', '/v1/collections/ledger/checks')).body).toMatchObject({ ok: true });
    expect((await pool.query(`select count(*)::int as n from top_up where account_id = 'acc-shut'`)).rows[0].n).toBe(0);
  });
});
