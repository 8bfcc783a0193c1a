/**
 * Card payments end to end: the collections process (main.ts) and the fake card gateway, each its
 * own process, on a real PostgreSQL. Success through the webhook, declines, a gateway call that
 * hangs past the client timeout then a refresh, one payment in flight per document, idempotency
 * keys, duplicate, late and out-of-order webhooks, bad and old signatures, saved cards without a
 * card number anywhere, auto-pay with its retry days, and the worker killed in the middle of a
 * payment (one gateway charge, one allocation). Waits poll the state (waitFor), never a fixed time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, waitFor } from '@app/devstack';
import { signWebhook } from '../src/card/webhook-signature';
import { seedReceivables } from '../src/testing/receivables-fixtures';
import { type CollectionsProcess, startCollectionsProcess } from '../src/testing/collections-process';
import {
  FAKE_CARD_API_KEY,
  FAKE_CARD_WEBHOOK_SECRET,
  type FakeCardGatewayProcess,
  startFakeCardGateway,
} from '../src/testing/fake-card-gateway/start';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const OPERATOR_KEY = 'card-operator-key';
const VIEWER_KEY = 'card-viewer-key';
/** How long the auto-pay worker may take to start (ts-node) and reach the gateway before the spec kills it. */
const WORKER_START_TIMEOUT_MS = 45_000;
const SETTLE_TIMEOUT_MS = 30_000;
/** The test card (Visa's public test number): it must never appear in collections' logs or rows. */
const PAN = '4242424242424242';
const CLIENT_TIMEOUT_MS = 1_500;

let gateway: FakeCardGatewayProcess;
let collections: CollectionsProcess | undefined;
let base: string;
let pool: Pool;
let databaseUrl: string;
const cliOutputs: string[] = [];
let token: string;

type Json = Record<string, unknown>;

async function call(method: string, path: string, o: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.key !== undefined) headers['x-api-key'] = o.key;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text (metrics)
  }
  return { status: res.status, body: body as Json, headers: res.headers };
}

const pay = (documentId: string, key: string, extra: Json = {}) =>
  call('POST', '/v1/collections/card/payments', { key: OPERATOR_KEY, body: { documentId, ...extra }, headers: { 'idempotency-key': key } });

async function settled(id: string): Promise<Json> {
  return waitFor(
    `card payment ${id} settled`,
    async () => (await call('GET', `/v1/collections/card/payments/${id}`, { key: VIEWER_KEY })).body,
    (b) => b.status !== 'PENDING',
    SETTLE_TIMEOUT_MS,
  );
}

async function documentState(id: string): Promise<string> {
  const { rows } = await pool.query<{ status: string; paid_minor: string; n: string }>(
    `select status, paid_minor, (select count(*) from payment_allocation a where a.document_id = d.id)::text as n from billing_document d where id = $1`,
    [id],
  );
  return `${rows[0].status} ${rows[0].paid_minor} allocations=${rows[0].n}`;
}

function ratel(args: string[], env: Record<string, string> = {}): ChildProcess {
  const p = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', ...args],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        CARD_GATEWAY_URL: gateway.url,
        CARD_GATEWAY_API_KEY: FAKE_CARD_API_KEY,
        CARD_GATEWAY_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  p.once('exit', () => cliOutputs.push(out));
  return p;
}

async function runRatel(args: string[]): Promise<{ code: number | null; json: Json }> {
  const p = ratel(args);
  let out = '';
  p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  try {
    return { code, json: JSON.parse(out) as Json };
  } catch {
    throw new Error(`ratel ${args.join(' ')} exited ${code} without JSON:\n${cliOutputs[cliOutputs.length - 1] ?? out}`);
  }
}

beforeAll(async () => {
  gateway = await startFakeCardGateway({ FAKE_CARD_SETTLE_MS: '300' });
  databaseUrl = await createTestDatabase('card');
  await migrate(databaseUrl);
  pool = new Pool({ connectionString: databaseUrl, max: 2 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-09-01' },
      { n: 2, accountId: 'acc-2', grossMinor: 10002n, issueDate: '2026-09-01' }, // declined
      { n: 3, accountId: 'acc-2', grossMinor: 20003n, issueDate: '2026-09-01' }, // insufficient funds
      { n: 4, accountId: 'acc-3', grossMinor: 50009n, issueDate: '2026-09-01' }, // hangs past the timeout
      { n: 5, accountId: 'acc-4', grossMinor: 7000n, issueDate: '2026-09-01' },
      { n: 6, accountId: 'acc-5', grossMinor: 30002n, issueDate: '2026-11-02' }, // auto-pay, declined: retried
      { n: 7, accountId: 'acc-5', grossMinor: 4000n, issueDate: '2026-11-02' }, // auto-pay, succeeds
      { n: 8, accountId: 'acc-6', grossMinor: 60009n, issueDate: '2026-11-10' }, // auto-pay killed mid-way
    ],
    at: new Date(Date.UTC(2026, 11, 1)),
  });
  collections = await startCollectionsProcess({
    DATABASE_URL: databaseUrl,
    RATEL_API_KEYS: `${OPERATOR_KEY}:collections+read,${VIEWER_KEY}:read`,
    CARD_GATEWAY_URL: gateway.url,
    CARD_GATEWAY_API_KEY: FAKE_CARD_API_KEY,
    CARD_GATEWAY_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
    CARD_WEBHOOK_SECRET: FAKE_CARD_WEBHOOK_SECRET,
    CARD_RECONCILE_INTERVAL_MS: '0', // the specs drive reconciliation themselves
  });
  base = collections.base;
  await gateway.webhooks({ url: `${base}/v1/collections/card/webhooks` });
  token = (await gateway.tokenize(PAN)).token;
}, 120_000);

afterAll(async () => {
  await collections?.stop();
  await gateway?.stop();
  await pool?.end();
});

describe('card payments', () => {
  it('saves a card as the gateway token and last4, and refuses a card number anywhere', async () => {
    for (const acc of ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6']) {
      const r = await call('PUT', `/v1/collections/card/tokens/${acc}`, {
        key: OPERATOR_KEY,
        body: { gatewayToken: token, last4: '4242', brand: 'visa' },
      });
      expect([r.status, r.body.last4, r.body.gatewayToken]).toEqual([200, '4242', token]);
    }
    const asToken = await call('PUT', '/v1/collections/card/tokens/acc-1', {
      key: OPERATOR_KEY,
      body: { gatewayToken: PAN, last4: '4242' },
    });
    expect([asToken.status, asToken.body.parameter]).toEqual([400, 'gatewayToken']);
    const spaced = await call('PUT', '/v1/collections/card/tokens/acc-1', {
      key: OPERATOR_KEY,
      body: { gatewayToken: token, last4: '4242 4242 4242 4242' },
    });
    expect([spaced.status, spaced.body.parameter]).toEqual([400, 'last4']);
    const extra = await call('PUT', '/v1/collections/card/tokens/acc-1', {
      key: OPERATOR_KEY,
      body: { gatewayToken: token, last4: '4242', pan: PAN },
    });
    expect(extra.status).toBe(400);
    const viewer = await call('PUT', '/v1/collections/card/tokens/acc-1', {
      key: VIEWER_KEY,
      body: { gatewayToken: token, last4: '4242' },
    });
    expect([viewer.status, viewer.body.code]).toEqual([403, 'FORBIDDEN_ROLE']);
  });

  it('pays a document: local row first, gateway succeeded (by webhook), allocated once; the same key again changes nothing', async () => {
    const first = await pay('doc-1', 'pay-doc-1');
    expect([first.status, first.body.documentId, first.body.amountMinor]).toEqual([201, 'doc-1', '12000']);
    const done = await settled(first.body.id as string);
    expect(done).toMatchObject({ status: 'SUCCEEDED', failureCode: null });
    expect(await documentState('doc-1')).toBe('PAID 12000 allocations=1');
    const { rows } = await pool.query(`select channel, source, bank_reference, status from payment where id = $1`, [done.paymentId]);
    expect(rows).toEqual([{ channel: 'CARD', source: 'card-gateway', bank_reference: done.gatewayIntentId, status: 'ALLOCATED' }]);
    const again = await pay('doc-1', 'pay-doc-1');
    expect([again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([201, done.id, 'true']);
    const other = await pay('doc-5', 'pay-doc-1');
    expect([other.status, other.body.code]).toEqual([409, 'CONFLICT']);
    const intents = (await gateway.state()).intents.filter((i) => i.idempotencyKey === done.id);
    expect(intents).toHaveLength(1);
    expect(await documentState('doc-1')).toBe('PAID 12000 allocations=1');
  });

  it('marks declined and unfunded cards FAILED and allocates nothing', async () => {
    const declined = await settled((await pay('doc-2', 'pay-doc-2')).body.id as string);
    expect(declined).toMatchObject({ status: 'FAILED', failureCode: 'card_declined', paymentId: null });
    const unfunded = await settled((await pay('doc-3', 'pay-doc-3')).body.id as string);
    expect(unfunded).toMatchObject({ status: 'FAILED', failureCode: 'insufficient_funds', paymentId: null });
    expect(await documentState('doc-2')).toBe('ISSUED 0 allocations=0');
    expect(await documentState('doc-3')).toBe('ISSUED 0 allocations=0');
  });

  it('refuses bad requests precisely and changes nothing', async () => {
    const before = await pool.query(`select count(*)::int as n from card_payment`);
    expect((await call('POST', '/v1/collections/card/payments', { key: OPERATOR_KEY, body: { documentId: 'doc-5' } })).body.parameter).toBe(
      'Idempotency-Key',
    );
    expect((await pay('doc-5', 'k-bad-amount', { amountMinor: 12.5 })).body.parameter).toBe('amountMinor');
    expect((await pay('doc-5', 'k-too-much', { amountMinor: '7001' })).body.parameter).toBe('amountMinor');
    expect((await pay('doc-1', 'k-paid')).body.parameter).toBe('documentId');
    expect((await pay('doc-5', 'k-pan', { cardToken: PAN })).body.parameter).toBe('cardToken');
    expect((await pay('doc-5', 'k-extra', { iban: 'x' })).body.parameter).toBe('iban');
    expect((await pay('doc-404', 'k-missing')).status).toBe(404);
    expect((await pool.query(`select count(*)::int as n from card_payment`)).rows[0].n).toBe(before.rows[0].n);
  });

  it('keeps a payment whose gateway call timed out PENDING, refuses a second one for the document, and settles it on refresh', async () => {
    await gateway.webhooks({ url: 'http://127.0.0.1:9/unreachable' }); // no webhook may rescue it: the refresh must
    try {
      const first = await pay('doc-4', 'pay-doc-4');
      expect([first.status, first.body.status, first.body.gatewayIntentId]).toEqual([201, 'PENDING', null]);
      const second = await pay('doc-4', 'pay-doc-4-again');
      expect([second.status, second.body.code, second.body.inFlightPaymentId]).toEqual([409, 'CONFLICT', first.body.id]);
      const id = first.body.id as string;
      const done = await waitFor(
        'the refresh to settle it',
        async () => (await call('POST', `/v1/collections/card/payments/${id}/refresh`, { key: OPERATOR_KEY })).body,
        (b) => b.status !== 'PENDING',
        SETTLE_TIMEOUT_MS,
      );
      expect(done.status).toBe('SUCCEEDED');
      expect((await gateway.state()).intents.filter((i) => i.idempotencyKey === id)).toHaveLength(1);
      expect(await documentState('doc-4')).toBe('PAID 50009 allocations=1');
    } finally {
      await gateway.webhooks({ url: `${base}/v1/collections/card/webhooks` });
    }
  });

  it('takes duplicate, late and out-of-order webhooks: each event once, the state always from the gateway', async () => {
    await gateway.webhooks({ duplicate: true, outOfOrder: true, delayMs: 500 });
    try {
      const r = await pay('doc-5', 'pay-doc-5');
      const done = await settled(r.body.id as string);
      expect(done.status).toBe('SUCCEEDED');
      const intentId = done.gatewayIntentId as string;
      // Both events, each twice, the processing one after the final one: all answered.
      const deliveries = await waitFor(
        'four deliveries',
        async () => {
          const s = await gateway.state();
          const ids = new Set(s.events.filter((e) => e.intentId === intentId).map((e) => e.id));
          return s.deliveries.filter((d) => ids.has(d.eventId));
        },
        (d) => d.length >= 4,
        SETTLE_TIMEOUT_MS,
      );
      expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
      expect(deliveries.map((d) => d.type).sort()).toEqual([
        'payment_intent.processing',
        'payment_intent.processing',
        'payment_intent.succeeded',
        'payment_intent.succeeded',
      ]);
      const events = await pool.query(`select type from card_webhook_event where intent_id = $1 order by type`, [intentId]);
      expect(events.rows.map((e) => e.type)).toEqual(['payment_intent.processing', 'payment_intent.succeeded']);
      expect((await call('GET', `/v1/collections/card/payments/${done.id as string}`, { key: VIEWER_KEY })).body.status).toBe('SUCCEEDED');
      expect(await documentState('doc-5')).toBe('PAID 7000 allocations=1');
    } finally {
      await gateway.webhooks({ duplicate: false, outOfOrder: false, delayMs: 0 });
    }
  });

  it('refuses webhooks with a missing, wrong or old signature and changes nothing', async () => {
    const forged = async () =>
      (await pool.query(`select count(*)::int as n from card_webhook_event where event_id = 'evt_forged'`)).rows[0].n as number;
    const body = JSON.stringify({
      id: 'evt_forged',
      type: 'payment_intent.succeeded',
      created: 1,
      data: { intent: { id: 'pi_x', idempotencyKey: 'cp-x' } },
    });
    const post = (signature?: string) =>
      fetch(`${base}/v1/collections/card/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'card-signature': signature }) },
        body,
      });
    const now = Math.floor(Date.now() / 1000);
    expect((await post()).status).toBe(401);
    expect((await post(signWebhook({ secret: 'not-the-secret-1234', timestampSeconds: now, body }))).status).toBe(401);
    expect((await post(signWebhook({ secret: FAKE_CARD_WEBHOOK_SECRET, timestampSeconds: now - 3600, body }))).status).toBe(401);
    expect((await post(`t=${now},v1=zz`)).status).toBe(401);
    // A real event of the gateway, replayed with a timestamp past the tolerance.
    const someEvent = (await gateway.state()).events[0];
    await gateway.resend(someEvent.id, 3600);
    await waitFor(
      'the replay answered',
      async () => (await gateway.state()).deliveries.some((d) => d.eventId === someEvent.id && d.status === 401),
      SETTLE_TIMEOUT_MS,
    );
    expect(await forged()).toBe(0);
    const good = await post(signWebhook({ secret: FAKE_CARD_WEBHOOK_SECRET, timestampSeconds: now, body }));
    expect([good.status, ((await good.json()) as Json).result]).toEqual([200, 'unknown_intent']);
    expect(await forged()).toBe(1);
  });

  it('auto-pays open documents due on the date with the saved card, once per document and attempt, retrying on the schedule', async () => {
    // doc-6 and doc-7 are due 2026-11-16 (issued 2026-11-02, 14 days).
    const day0 = await runRatel(['card', 'autopay', '--date', '2026-11-16']);
    expect([day0.code, day0.json.documents, day0.json.attemptsCreated]).toEqual([0, 2, 2]);
    await waitFor(
      'both attempts settled',
      async () =>
        (await pool.query(`select count(*)::int as n from card_payment where autopay_attempt is not null and status = 'PENDING'`)).rows[0]
          .n === 0,
      SETTLE_TIMEOUT_MS,
    );
    expect(await documentState('doc-7')).toBe('PAID 4000 allocations=1');
    expect(await documentState('doc-6')).toBe('ISSUED 0 allocations=0');
    const again = await runRatel(['card', 'autopay', '--date', '2026-11-16']);
    expect([again.json.documents, again.json.attemptsCreated, again.json.skipped]).toEqual([1, 0, 1]);
    const day1 = await runRatel(['card', 'autopay', '--date', '2026-11-17']);
    expect(day1.json.attemptsCreated).toBe(1);
    await waitFor(
      'attempt 2 settled',
      async () =>
        (await pool.query(`select count(*)::int as n from card_payment where status = 'PENDING' and document_id = 'doc-6'`)).rows[0].n ===
        0,
      SETTLE_TIMEOUT_MS,
    );
    const day2 = await runRatel(['card', 'autopay', '--date', '2026-11-18']);
    expect([day2.json.attemptsCreated, day2.json.skipped]).toEqual([0, 1]); // attempt 3 is due on +3 days, not +2
    const { rows } = await pool.query(
      `select autopay_attempt, status, failure_code from card_payment where document_id = 'doc-6' order by autopay_attempt`,
    );
    expect(rows).toEqual([
      { autopay_attempt: 1, status: 'FAILED', failure_code: 'card_declined' },
      { autopay_attempt: 2, status: 'FAILED', failure_code: 'card_declined' },
    ]);
  });

  it('survives the worker killed after the local row is written: one gateway charge, one allocation', async () => {
    await gateway.webhooks({ url: 'http://127.0.0.1:9/unreachable' }); // only the rerun may finish it
    try {
      // doc-8 is due 2026-11-24; its amount makes the gateway hold the create call open.
      const worker = ratel(['card', 'autopay', '--date', '2026-11-24']);
      const killed = new Promise((r) => worker.once('exit', r));
      const row = await waitFor(
        'the local row, and the gateway holding its call',
        async () => {
          const r = await pool.query<{ id: string; status: string; gateway_intent_id: string | null }>(
            `select id, status, gateway_intent_id from card_payment where document_id = 'doc-8'`,
          );
          const s = await gateway.state();
          return r.rows[0] !== undefined && s.intents.some((i) => i.idempotencyKey === r.rows[0].id) ? r.rows[0] : undefined;
        },
        (r) => r !== undefined,
        WORKER_START_TIMEOUT_MS,
      );
      worker.kill('SIGKILL');
      await killed;
      expect(row).toMatchObject({ status: 'PENDING', gateway_intent_id: null });
      const rerun = await runRatel(['card', 'autopay', '--date', '2026-11-24']);
      expect([rerun.code, rerun.json.attemptsCreated, rerun.json.attemptsResumed]).toEqual([0, 0, 1]);
      await waitFor(
        'the reconciler to settle it',
        async () => {
          await runRatel(['card', 'reconcile', '--all']);
          return (await pool.query(`select status from card_payment where id = $1`, [row!.id])).rows[0].status as string;
        },
        (s) => s !== 'PENDING',
        SETTLE_TIMEOUT_MS,
      );
      const s = await gateway.state();
      expect(s.intents.filter((i) => i.idempotencyKey === row!.id)).toHaveLength(1);
      expect(await documentState('doc-8')).toBe('PAID 60009 allocations=1');
      expect((await pool.query(`select count(*)::int as n from card_payment where document_id = 'doc-8'`)).rows[0].n).toBe(1);
    } finally {
      await gateway.webhooks({ url: `${base}/v1/collections/card/webhooks` });
    }
  });

  it('lists card payments, documents every route in OpenAPI, and counts in metrics', async () => {
    const list = await call('GET', '/v1/collections/card/payments?accountId=acc-2&status=FAILED', { key: VIEWER_KEY });
    expect([list.status, list.body.total]).toEqual([200, 2]);
    expect((await call('GET', '/v1/collections/card/payments?status=NOPE', { key: VIEWER_KEY })).body.parameter).toBe('status');
    const paths = Object.keys(((await call('GET', '/openapi.json')).body.paths ?? {}) as Json);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/collections/card/payments',
        '/v1/collections/card/payments/{id}',
        '/v1/collections/card/payments/{id}/refresh',
        '/v1/collections/card/top-ups',
        '/v1/collections/card/tokens/{accountId}',
        '/v1/collections/card/webhooks',
      ]),
    );
    const metrics = String((await call('GET', '/metrics')).body);
    expect(metrics).toMatch(/ratel_collections_card_payments_total\{[^}]*result="succeeded"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ratel_collections_card_payments_total\{[^}]*result="failed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ratel_collections_card_webhooks_total\{[^}]*result="duplicate"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ratel_collections_card_webhooks_total\{[^}]*result="bad_signature"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ratel_collections_card_gateway_errors_total\{[^}]*code="TIMEOUT"[^}]*\} [1-9]/);
  });

  it('reverses a card payment the issuer charged back (by webhook), once: the document open again, PAYMENT_RETURNED', async () => {
    const { rows } = await pool.query<{ id: string; gateway_intent_id: string; payment_id: string }>(
      `select id, gateway_intent_id, payment_id from card_payment where document_id = 'doc-1' and status = 'SUCCEEDED'`,
    );
    expect(rows).toHaveLength(1);
    const cp = rows[0];
    expect(await documentState('doc-1')).toBe('PAID 12000 allocations=1');
    await gateway.chargeback(cp.gateway_intent_id, 'fraudulent');
    const charged = await waitFor(
      'the chargeback recorded',
      async () => (await call('GET', `/v1/collections/card/payments/${cp.id}`, { key: VIEWER_KEY })).body,
      (b) => b.chargeback !== null,
      SETTLE_TIMEOUT_MS,
    );
    expect(charged).toMatchObject({ status: 'SUCCEEDED', chargeback: { reason: 'fraudulent' } });
    const payment = await pool.query(`select status, returned_minor::text as returned from payment where id = $1`, [cp.payment_id]);
    expect(payment.rows).toEqual([{ status: 'RETURNED', returned: '12000' }]);
    expect((await pool.query(`select status, paid_minor::text as paid from billing_document where id = 'doc-1'`)).rows).toEqual([
      { status: 'ISSUED', paid: '0' },
    ]);
    // The issuer's second notice of the same dispute (a new event) changes nothing.
    await gateway.chargeback(cp.gateway_intent_id, 'fraudulent');
    await waitFor(
      'both dispute webhooks answered',
      async () => (await gateway.state()).deliveries.filter((d) => d.type === 'charge.dispute.lost' && d.status === 200).length,
      (n) => n >= 2,
      SETTLE_TIMEOUT_MS,
    );
    const returned = await pool.query<{ n: number }>(
      `select count(*)::int as n from collections_outbox where payload->>'type' = 'PAYMENT_RETURNED' and payload->>'paymentId' = $1 and payload->>'reason' = 'CHARGEBACK fraudulent'`,
      [cp.payment_id],
    );
    expect(returned.rows[0].n).toBe(1);
    const reversals = await pool.query<{ n: number }>(`select count(*)::int as n from payment_allocation_reversal where payment_id = $1`, [
      cp.payment_id,
    ]);
    expect(reversals.rows[0].n).toBe(1);
  });

  it('a partial chargeback returns the payment and receives what the customer kept again: the document owes what the issuer took', async () => {
    // doc-1 is open again after the chargeback above: paid again by card, then the issuer takes 50.00 of the 120.00 back.
    const paid = await settled((await pay('doc-1', 'pay-doc-1-again')).body.id as string);
    expect(paid.status).toBe('SUCCEEDED');
    expect(await documentState('doc-1')).toBe('PAID 12000 allocations=2');
    await gateway.chargeback(paid.gatewayIntentId as string, 'product_not_received', 5000n);
    const charged = await waitFor(
      'the partial chargeback recorded',
      async () => (await call('GET', `/v1/collections/card/payments/${paid.id as string}`, { key: VIEWER_KEY })).body,
      (b) => b.chargeback !== null,
      SETTLE_TIMEOUT_MS,
    );
    expect(charged.chargeback).toMatchObject({
      reason: 'product_not_received',
      amountMinor: '5000',
      residualPaymentId: expect.stringMatching(/^pay-/),
    });
    const residualId = (charged.chargeback as Json).residualPaymentId as string;
    const payments = await pool.query(
      `select id, status, amount_minor::text as amount, returned_minor::text as returned from payment where id = any($1::text[]) order by amount_minor`,
      [[paid.paymentId, residualId]],
    );
    expect(payments.rows).toEqual([
      { id: residualId, status: 'ALLOCATED', amount: '7000', returned: '0' },
      { id: paid.paymentId, status: 'RETURNED', amount: '12000', returned: '12000' },
    ]);
    expect(await documentState('doc-1')).toBe('PARTIALLY_PAID 7000 allocations=3');
    const reason = await pool.query<{ reason: string }>(
      `select payload->>'reason' as reason from collections_outbox where payload->>'type' = 'PAYMENT_RETURNED' and payload->>'paymentId' = $1`,
      [paid.paymentId],
    );
    expect(reason.rows).toEqual([{ reason: 'CHARGEBACK product_not_received (5000 of 12000)' }]);
    expect((await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY })).body).toMatchObject({ ok: true });
  });

  it('never has the card number in its logs or its rows', async () => {
    const tables = ['card_token', 'card_payment', 'card_webhook_event', 'payment', 'payment_allocation', 'ledger_transaction'];
    let dump = '';
    for (const t of tables) dump += JSON.stringify((await pool.query(`select * from ${t}`)).rows);
    expect(dump).toContain(token); // the dump is real: the token is there
    const spaced = PAN.replace(/(\d{4})(?=\d)/g, '$1 ');
    for (const text of [dump, collections!.output(), ...cliOutputs]) {
      expect(text).not.toContain(PAN);
      expect(text).not.toContain(spaced);
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    collections!.child.kill('SIGTERM');
    expect(await collections!.exited).toBe(0);
  });
});
