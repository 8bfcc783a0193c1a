/**
 * Provisioning REST end to end: a Nest fastify app (InfraModule + ProvisioningModule) on a fresh
 * PostgreSQL database with migrations applied and a random Redis key prefix, driven through
 * `app.inject`. PostgreSQL and Redis are real; nothing is mocked. "No state change" is checked by
 * fingerprinting every table and every Redis key of the prefix before and after.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '@app/config';
import { migrate } from '@app/db';
import { createTestDatabase, deleteKeys, requireEnv, scanKeys, uniqueId } from '@app/devstack';
import { DEMO_LOADTEST_PLAN } from '@app/rating';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';
import { BALANCE_ENGINE, type BalanceEngine, AMOUNT_MAX_MICROS } from '../src/balance/balance-engine.port';
import type { RedisBalanceEngine } from '../src/balance/redis-balance-engine';
import { TopUpReconciler } from '../src/provisioning/top-ups/top-up-reconciler';
import { InfraModule } from '../src/infra/infra.module';
import { signHs256Jwt } from '@app/auth';
import { createRestApp } from '@app/runtime/http';
import { chargingRestOptions, HTTP_BODY_LIMIT_BYTES } from '../src/bootstrap';
import { setupOpenApi } from '../src/provisioning/openapi';
import { ProvisioningModule } from '../src/provisioning/provisioning.module';
import { chargingConfigSchema } from '../src/config';

const BODY_LIMIT_BYTES = HTTP_BODY_LIMIT_BYTES;
/** The key most tests use: every provisioning role. */
const API_KEY = 'test-key';
/** A key listed without roles (the plain list of earlier releases): read and write, not admin. */
const PLAIN_KEY = 'plain-key';
const READ_KEY = 'read-key';
const JWT_SECRET = 'e2e-jwt-secret';
const TABLES = [
  'customer',
  'product',
  'price_plan',
  'price_plan_version',
  'billing_account',
  'subscription',
  'allowance_grant',
  'top_up',
  'ledger_entry',
  'audit_log',
  'projection_failure',
];
const PLAN = { ...DEMO_LOADTEST_PLAN, id: 'e2e-flat', name: 'E2E flat' };
const DAY_MS = 24 * 60 * 60 * 1000;

let app: NestFastifyApplication;
let engine: BalanceEngine;
let redis: Redis;
let pg: Client;
let prefix: string;

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  auth?: 'key' | 'none' | string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function call(c: Call): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const auth =
    c.auth === undefined || c.auth === 'key' ? { 'x-api-key': API_KEY } : c.auth === 'none' ? {} : { authorization: `Bearer ${c.auth}` };
  const res = await app.inject({ method: c.method, url: c.url, payload: c.body as object | undefined, headers: { ...auth, ...c.headers } });
  return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body), headers: res.headers };
}

/** A fingerprint of every provisioning table and every Redis key of the test prefix. */
async function stateFingerprint(): Promise<string> {
  const parts: string[] = [];
  for (const t of TABLES) {
    const r = await pg.query(`select coalesce(md5(string_agg(x::text, '|' order by x::text)), '-') as h, count(*) as n from "${t}" x`);
    parts.push(`${t}:${r.rows[0].n}:${r.rows[0].h}`);
  }
  const keys = await scanKeys(redis, `${prefix}*`);
  for (const k of keys) parts.push(`${k}=${(await redis.dumpBuffer(k))?.toString('hex')}`);
  return parts.join('\n');
}

async function flushPrefix(): Promise<void> {
  await deleteKeys(redis, `${prefix}*`);
}

beforeAll(async () => {
  const databaseUrl = await createTestDatabase('prov');
  await migrate(databaseUrl);
  prefix = `${uniqueId('prov')}:`;
  const config = loadConfig(chargingConfigSchema, {
    REDIS_URL: requireEnv('REDIS_URL'),
    NATS_URL: requireEnv('NATS_URL'),
    DATABASE_URL: databaseUrl,
    RATEL_REDIS_PREFIX: prefix,
    RATEL_API_KEYS: `${API_KEY}:read+write+admin,${PLAIN_KEY},${READ_KEY}:read`,
    RATEL_JWT_SECRET: JWT_SECRET,
    RATEL_GRPC_INSECURE: 'true',
    RATEL_RELAY_ENABLED: 'false',
    RATEL_EXPIRY_SWEEP_ENABLED: 'false',
    RATEL_LOG_LEVEL: 'silent',
  });
  // Built as bootstrap.ts builds it (global error filter, JSON body parser, request metrics), without gRPC.
  app = await createRestApp(
    { module: class ProvisioningE2eRoot {}, imports: [InfraModule.forRoot(config), ProvisioningModule] },
    { ...chargingRestOptions(), logger: false },
  );
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  engine = app.get<BalanceEngine>(BALANCE_ENGINE);
  redis = new Redis(requireEnv('REDIS_URL'));
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
});

afterAll(async () => {
  if (redis) {
    await flushPrefix();
    await redis.quit();
  }
  await pg?.end();
  await app?.close();
});

/** Catalog, customer, prepaid account with 10.00, one subscription: what most tests start from. */
async function provisionPrepaid(tag: string, msisdn: string, imsi: string): Promise<string> {
  const accountId = `acc-${tag}`;
  expect((await call({ method: 'POST', url: '/v1/customers', body: { id: `cus-${tag}`, name: `Customer ${tag}` } })).status).toBe(201);
  const account = await call({
    method: 'POST',
    url: '/v1/accounts',
    body: {
      id: accountId,
      customerId: `cus-${tag}`,
      type: 'PREPAID',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      cycleDay: 5,
      planId: PLAN.id,
      thresholds: ['1.00', '5.00'],
      initialBalance: '10.00',
    },
  });
  expect(account.status).toBe(201);
  const sub = await call({
    method: 'POST',
    url: '/v1/subscriptions',
    body: { id: `sub-${tag}`, msisdn, imsi, accountId, productId: 'prd-e2e' },
  });
  expect(sub.status).toBe(201);
  return accountId;
}

describe('provisioning API', () => {
  beforeAll(async () => {
    expect((await call({ method: 'POST', url: '/v1/products', body: { id: 'prd-e2e', name: 'E2E product' } })).status).toBe(201);
    const plan = await call({ method: 'POST', url: '/v1/price-plans', body: { productId: 'prd-e2e', plan: PLAN } });
    expect(plan.status).toBe(201);
    expect(plan.body).toMatchObject({ id: PLAN.id, productId: 'prd-e2e', currency: 'EUR', version: 1, currentVersion: 1 });
  });

  it('customer -> account -> subscription -> grant -> top-up: the balance in Redis reflects it', async () => {
    const accountId = await provisionPrepaid('happy', '4915100000001', '262010000000001');
    const account = await call({ method: 'GET', url: `/v1/accounts/${accountId}` });
    expect(account.body).toMatchObject({ id: accountId, type: 'PREPAID', status: 'ACTIVE', planId: PLAN.id, cycleDay: 5 });
    expect(account.body.thresholds).toEqual([
      { micros: '5000000', formatted: '5.00 EUR' },
      { micros: '1000000', formatted: '1.00 EUR' },
    ]);
    expect(await engine.getPlan(PLAN.id)).toBeDefined();
    const route = { accountId, planId: PLAN.id, timeZone: 'Europe/Berlin', currency: 'EUR', cycleDay: 5 };
    expect(await engine.resolveSubscriber('4915100000001')).toEqual(route);
    expect(await engine.resolveSubscriber('262010000000001')).toEqual(route);

    const expiresAt = new Date(Date.now() + 30 * DAY_MS).toISOString();
    const grant = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/grants`,
      body: { id: 'bkt-happy', unit: 'BYTES', ratingGroups: [20], units: 1_000_000_000, expiresAt },
    });
    expect(grant.status).toBe(201);
    const topUp = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '5.5' },
      headers: { 'idempotency-key': 'happy-1' },
    });
    expect(topUp.status).toBe(201);
    expect(topUp.body).toMatchObject({ accountId, idempotencyKey: 'happy-1', amount: { micros: '5500000', formatted: '5.50 EUR' } });
    expect(topUp.headers['idempotent-replayed']).toBe('false');

    const balance = await call({ method: 'GET', url: `/v1/accounts/${accountId}/balance` });
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({
      accountId,
      status: 'ACTIVE',
      balance: { micros: '15500000', formatted: '15.50 EUR' },
      available: { micros: '15500000' },
      reservations: [],
    });
    expect(balance.body.buckets).toEqual([
      expect.objectContaining({
        bucketId: 'bkt-happy',
        unit: 'BYTES',
        ratingGroups: [20],
        totalUnits: 1_000_000_000,
        remainingUnits: 1_000_000_000,
      }),
    ]);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(15_500_000n);
    const ledger = await pg.query(`select kind, amount_micros::text as a from ledger_entry where account_id = $1 order by id`, [accountId]);
    expect(ledger.rows).toEqual([
      { kind: 'INITIAL', a: '10000000' },
      { kind: 'TOPUP', a: '5500000' },
    ]);
    const audit = await pg.query(
      `select action from audit_log where actor like 'apikey:%' and entity_id in ($1, 'bkt-happy', 'sub-happy') order by id`,
      [accountId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['billing_account.create', 'subscription.create', 'allowance_grant.create']);
  });

  it('top-up: a retry with the same key returns the first answer and credits once; the same key with another amount is 409', async () => {
    const accountId = await provisionPrepaid('idem', '4915100000002', '262010000000002');
    const first = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '2.00' },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(first.status).toBe(201);
    const retry = await call({ method: 'POST', url: `/v1/accounts/${accountId}/top-ups`, body: { amount: '2', idempotencyKey: 'k-1' } });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(12_000_000n);

    const before = await stateFingerprint();
    const conflict = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '3.00' },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' });
    const disagree = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '2.00', idempotencyKey: 'k-2' },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(disagree.status).toBe(400);
    expect(await stateFingerprint()).toBe(before);
  });

  it('top-up: concurrent requests with one key credit once and all get the same answer', async () => {
    const accountId = await provisionPrepaid('race', '4915100000009', '262010000000009');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/top-ups`,
          body: { amount: '1.00' },
          headers: { 'idempotency-key': 'race-1' },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'false')).toHaveLength(1);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(11_000_000n);
    expect(
      (await pg.query(`select count(*)::int as n from ledger_entry where account_id = $1 and kind = 'TOPUP'`, [accountId])).rows[0].n,
    ).toBe(1);
  });

  it('a top-up committed while the engine was down is finished by its retry, once', async () => {
    const accountId = await provisionPrepaid('pending', '4915100000003', '262010000000003');
    // A top-up that PostgreSQL has but the engine never saw (as if Redis failed after the commit).
    await pg.query(
      `insert into top_up (id, account_id, idempotency_key, request_hash, amount_micros, created_at) values ('top_pending', $1, 'k-p', repeat('0', 64), 1000000, now())`,
      [accountId],
    );
    await pg.query(
      `insert into ledger_entry (account_id, kind, amount_micros, reference, created_at) values ($1, 'TOPUP', 1000000, 'topup:top_pending', now())`,
      [accountId],
    );
    const { createHash } = await import('node:crypto');
    await pg.query(`update top_up set request_hash = $1 where id = 'top_pending'`, [
      createHash('sha256').update(`${accountId}\n1000000`).digest('hex'),
    ]);
    const retry = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '1.00' },
      headers: { 'idempotency-key': 'k-p' },
    });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(11_000_000n);
    const again = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '1.00' },
      headers: { 'idempotency-key': 'k-p' },
    });
    expect(again.status).toBe(201);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(11_000_000n);
    expect((await pg.query(`select projected_at from top_up where id = 'top_pending'`)).rows[0].projected_at).not.toBeNull();
  });

  it('a top-up to an account the engine lost recreates it at its ledger balance, credited once', async () => {
    const accountId = await provisionPrepaid('lost', '4915100000013', '262010000000013');
    expect(
      (
        await call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/top-ups`,
          body: { amount: '2.00' },
          headers: { 'idempotency-key': 'k-l1' },
        })
      ).status,
    ).toBe(201);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(12_000_000n);
    // Redis loses the account (not its top-up records: those expire with IDEMPOTENCY_TTL_MS).
    await redis.del((engine as RedisBalanceEngine).keys.account(accountId).acct);
    expect(await engine.getBalance(accountId, Date.now())).toBeUndefined();
    const topUp = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '3.00' },
      headers: { 'idempotency-key': 'k-l2' },
    });
    expect(topUp.status).toBe(201);
    // Opening 10.00 + 2.00 confirmed (from the ledger) + 3.00 credited by its request id: 15.00, not 18.00.
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(15_000_000n);
    expect(
      (
        await call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/top-ups`,
          body: { amount: '3.00' },
          headers: { 'idempotency-key': 'k-l2' },
        })
      ).status,
    ).toBe(201);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(15_000_000n);
    expect(
      (await pg.query(`select count(*)::int as n from top_up where account_id = $1 and projected_at is null`, [accountId])).rows[0].n,
    ).toBe(0);
  });

  it('the reconciler finishes unconfirmed top-ups: never credited, and credited but not confirmed (a crash), each once', async () => {
    const accountId = await provisionPrepaid('recon', '4915100000015', '262010000000015');
    const { createHash } = await import('node:crypto');
    const hashOf = (micros: number) => createHash('sha256').update(`${accountId}\n${micros}`).digest('hex');
    // Never reached the engine (Redis was down after the commit).
    await pg.query(
      `insert into top_up (id, account_id, idempotency_key, request_hash, amount_micros, created_at) values ('top_recon_a', $1, 'k-ra', $2, 1000000, now() - interval '5 minutes')`,
      [accountId, hashOf(1_000_000)],
    );
    await pg.query(
      `insert into ledger_entry (account_id, kind, amount_micros, reference, created_at) values ($1, 'TOPUP', 1000000, 'topup:top_recon_a', now())`,
      [accountId],
    );
    // Credited by the engine, then the process died before projected_at was written.
    await pg.query(
      `insert into top_up (id, account_id, idempotency_key, request_hash, amount_micros, created_at) values ('top_recon_b', $1, 'k-rb', $2, 2000000, now() - interval '5 minutes')`,
      [accountId, hashOf(2_000_000)],
    );
    await pg.query(
      `insert into ledger_entry (account_id, kind, amount_micros, reference, created_at) values ($1, 'TOPUP', 2000000, 'topup:top_recon_b', now())`,
      [accountId],
    );
    await engine.topUp(accountId, 'topup:k-rb', 2_000_000n, Date.now());
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(12_000_000n);
    const reconciler = app.get(TopUpReconciler);
    expect(await reconciler.reconcileOnce()).toMatchObject({ failed: 0 });
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(13_000_000n);
    const left = await pg.query(`select count(*)::int as n from top_up where account_id = $1 and projected_at is null`, [accountId]);
    expect(left.rows[0].n).toBe(0);
    expect(await reconciler.reconcileOnce()).toEqual({ finished: 0, failed: 0 });
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(13_000_000n);
  });

  it('top-ups refused (unknown, postpaid or closed account) change nothing; a replay after closing still answers', async () => {
    const accountId = await provisionPrepaid('tu-refused', '4915100000014', '262010000000014');
    expect(
      (
        await call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/top-ups`,
          body: { amount: '1.00' },
          headers: { 'idempotency-key': 'k-r1' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call({
          method: 'POST',
          url: '/v1/accounts',
          body: {
            id: 'acc-tu-post',
            customerId: 'cus-tu-refused',
            type: 'POSTPAID',
            currency: 'EUR',
            timeZone: 'UTC',
            cycleDay: 1,
            planId: PLAN.id,
            creditLimit: '50.00',
          },
        })
      ).status,
    ).toBe(201);
    expect((await call({ method: 'PATCH', url: `/v1/accounts/${accountId}`, body: { status: 'CLOSED' } })).status).toBe(200);
    const before = await stateFingerprint();
    const unknown = await call({
      method: 'POST',
      url: '/v1/accounts/acc-tu-none/top-ups',
      body: { amount: '1.00' },
      headers: { 'idempotency-key': 'k-r2' },
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
    const postpaid = await call({
      method: 'POST',
      url: '/v1/accounts/acc-tu-post/top-ups',
      body: { amount: '1.00' },
      headers: { 'idempotency-key': 'k-r3' },
    });
    expect([postpaid.status, postpaid.body.code]).toEqual([422, 'FAILED_PRECONDITION']);
    const closed = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '1.00' },
      headers: { 'idempotency-key': 'k-r4' },
    });
    expect([closed.status, closed.body.code]).toEqual([422, 'FAILED_PRECONDITION']);
    const conflict = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '9.00' },
      headers: { 'idempotency-key': 'k-r1' },
    });
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    expect(await stateFingerprint()).toBe(before);
    const replay = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '1.00' },
      headers: { 'idempotency-key': 'k-r1' },
    });
    expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(await stateFingerprint()).toBe(before);
  });

  it('writes the engine would refuse beyond AMOUNT_MAX_MICROS are refused with 422 before anything is written', async () => {
    const accountId = await provisionPrepaid('limit', '4915100000016', '262010000000016');
    const topUp = (key: string, amount: string) =>
      call({ method: 'POST', url: `/v1/accounts/${accountId}/top-ups`, body: { amount }, headers: { 'idempotency-key': key } });
    const postpaid = {
      customerId: 'cus-limit',
      type: 'POSTPAID',
      currency: 'EUR',
      timeZone: 'UTC',
      cycleDay: 1,
      planId: PLAN.id,
      initialBalance: '1.00',
    };
    expect(
      (await call({ method: 'POST', url: '/v1/accounts', body: { ...postpaid, id: 'acc-limit-post', creditLimit: '50.00' } })).status,
    ).toBe(201);
    const before = await stateFingerprint();
    // 10.00 + 2^53 - 1 micros: beyond the largest balance.
    const tooMuch = await topUp('k-lim-1', '9007199254.740991');
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({
      code: 'BALANCE_LIMIT_EXCEEDED',
      field: 'amount',
      accountId,
      limitMicros: String(AMOUNT_MAX_MICROS),
    });
    expect(tooMuch.body.message).toContain('AMOUNT_MAX_MICROS (9007199254740991 micros');
    // A postpaid account whose opening balance + credit limit is beyond it: not created.
    const created = await call({
      method: 'POST',
      url: '/v1/accounts',
      body: { ...postpaid, id: 'acc-limit-post2', creditLimit: '9007199254.740991' },
    });
    expect(created.status).toBe(422);
    expect(created.body).toMatchObject({ code: 'CREDIT_LIMIT_EXCEEDED', field: 'creditLimit', accountId: 'acc-limit-post2' });
    // An existing postpaid account's credit limit raised beyond it: unchanged in PostgreSQL and in the engine.
    const raised = await call({ method: 'PATCH', url: '/v1/accounts/acc-limit-post', body: { creditLimit: '9007199254.740991' } });
    expect(raised.status).toBe(422);
    expect(raised.body).toMatchObject({ code: 'CREDIT_LIMIT_EXCEEDED', field: 'creditLimit', accountId: 'acc-limit-post' });
    expect(await stateFingerprint()).toBe(before);
    // Up to the limit itself, both pass, and agree in PostgreSQL and the engine.
    expect((await topUp('k-lim-2', '9007199244.740991')).status).toBe(201);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(AMOUNT_MAX_MICROS);
    expect((await topUp('k-lim-3', '0.000001')).body).toMatchObject({ code: 'BALANCE_LIMIT_EXCEEDED' });
    expect((await call({ method: 'PATCH', url: '/v1/accounts/acc-limit-post', body: { creditLimit: '9007199253.740991' } })).status).toBe(
      200,
    );
    expect((await engine.getBalance('acc-limit-post', Date.now()))?.creditLimitMicros).toBe(AMOUNT_MAX_MICROS - 1_000_000n);
  });

  it('concurrent top-ups near the limit: exactly those that fit are committed, the others 422, nothing left pending', async () => {
    const accountId = await provisionPrepaid('limit-race', '4915100000018', '262010000000018');
    // 10.00 + this leaves room for exactly three more top-ups of 1.00.
    const fill = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '9007199241.740991' },
      headers: { 'idempotency-key': 'k-fill' },
    });
    expect(fill.status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/top-ups`,
          body: { amount: '1.00' },
          headers: { 'idempotency-key': `k-race-${i}` },
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 422, 422, 422]);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(AMOUNT_MAX_MICROS);
    const rows = await pg.query(`select count(*)::int as n, count(projected_at)::int as projected from top_up where account_id = $1`, [
      accountId,
    ]);
    expect(rows.rows[0]).toEqual({ n: 4, projected: 4 });
  });

  it('a committed top-up the engine refuses for good is recorded once, answered PROJECTION_FAILED, and no longer retried', async () => {
    const accountId = await provisionPrepaid('pfail', '4915100000017', '262010000000017');
    const { createHash } = await import('node:crypto');
    // As if a refund had raised the balance between the limit check and the credit: PostgreSQL has it, the engine refuses it.
    await pg.query(
      `insert into top_up (id, account_id, idempotency_key, request_hash, amount_micros, created_at) values ('top_pfail', $1, 'k-pf', $2, $3, now() - interval '5 minutes')`,
      [accountId, createHash('sha256').update(`${accountId}\n${AMOUNT_MAX_MICROS}`).digest('hex'), String(AMOUNT_MAX_MICROS)],
    );
    const reconciler = app.get(TopUpReconciler);
    expect(await reconciler.reconcileOnce()).toMatchObject({ failed: 1 });
    const failures = await pg.query(`select kind, resource_id, account_id, code from projection_failure where account_id = $1`, [
      accountId,
    ]);
    expect(failures.rows).toEqual([{ kind: 'TOP_UP', resource_id: 'top_pfail', account_id: accountId, code: 'LIMIT_EXCEEDED' }]);
    expect(await app.get<Registry>(METRICS_REGISTRY).metrics()).toMatch(
      /^ratel_projection_failures_total\{reason="LIMIT_EXCEEDED",app="charging"\} 1$/m,
    );
    expect(await reconciler.reconcileOnce()).toEqual({ finished: 0, failed: 0 });
    const retry = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '9007199254.740991' },
      headers: { 'idempotency-key': 'k-pf' },
    });
    expect(retry.status).toBe(500);
    expect(retry.body).toMatchObject({ code: 'PROJECTION_FAILED', accountId, resourceId: 'top_pfail' });
    expect((await pg.query(`select count(*)::int as n from projection_failure where account_id = $1`, [accountId])).rows[0].n).toBe(1);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(10_000_000n);
  });

  it('soft-bar, bar and unbar reach the engine; a closed account cannot be reopened', async () => {
    const accountId = await provisionPrepaid('bar', '4915100000004', '262010000000004');
    const soft = await call({ method: 'POST', url: `/v1/accounts/${accountId}/soft-bar` });
    expect(soft.status).toBe(200);
    expect(soft.body.status).toBe('SOFT_BARRED');
    expect((await engine.getBalance(accountId, Date.now()))?.status).toBe('SOFT_BARRED');
    expect((await call({ method: 'POST', url: `/v1/accounts/${accountId}/soft-bar` })).status).toBe(200);
    const barred = await call({ method: 'POST', url: `/v1/accounts/${accountId}/bar` });
    expect(barred.status).toBe(200);
    expect(barred.body.status).toBe('BARRED');
    expect((await engine.getBalance(accountId, Date.now()))?.status).toBe('BARRED');
    expect((await call({ method: 'POST', url: `/v1/accounts/${accountId}/bar` })).status).toBe(200);
    expect((await call({ method: 'POST', url: `/v1/accounts/${accountId}/unbar` })).body.status).toBe('ACTIVE');
    expect((await engine.getBalance(accountId, Date.now()))?.status).toBe('ACTIVE');
    const audit = await pg.query(
      `select action, details from audit_log where entity_id = $1 and action like 'billing_account.%bar' order by id`,
      [accountId],
    );
    // The repeated soft bar and bar changed nothing and wrote nothing.
    expect(audit.rows.map((r) => r.action)).toEqual(['billing_account.soft_bar', 'billing_account.bar', 'billing_account.unbar']);
    expect(audit.rows.map((r) => r.details)).toEqual([
      { from: 'ACTIVE', to: 'SOFT_BARRED' },
      { from: 'SOFT_BARRED', to: 'BARRED' },
      { from: 'BARRED', to: 'ACTIVE' },
    ]);

    const closed = await call({ method: 'PATCH', url: `/v1/accounts/${accountId}`, body: { status: 'CLOSED', thresholds: ['2.00'] } });
    expect(closed.status).toBe(200);
    expect((await engine.getBalance(accountId, Date.now()))?.status).toBe('CLOSED');
    const before = await stateFingerprint();
    for (const what of ['unbar', 'soft-bar']) {
      const reopen = await call({ method: 'POST', url: `/v1/accounts/${accountId}/${what}` });
      expect(reopen.status).toBe(422);
      expect(reopen.body.code).toBe('FAILED_PRECONDITION');
    }
    expect(await stateFingerprint()).toBe(before);
  });

  it('rebuild-projection after a flush of the prefix restores the projection, balance from the ledger', async () => {
    const accountId = await provisionPrepaid('rebuild', '4915100000005', '262010000000005');
    const expiresAt = new Date(Date.now() + DAY_MS).toISOString();
    expect(
      (
        await call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/grants`,
          body: { id: 'bkt-rebuild', unit: 'EVENTS', units: 100, expiresAt },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call({
          method: 'POST',
          url: `/v1/accounts/${accountId}/top-ups`,
          body: { amount: '0.25' },
          headers: { 'idempotency-key': 'r-1' },
        })
      ).status,
    ).toBe(201);
    await flushPrefix();
    expect(await engine.getBalance(accountId, Date.now())).toBeUndefined();
    const missing = await call({ method: 'GET', url: `/v1/accounts/${accountId}/balance` });
    expect(missing.status).toBe(503);
    expect(missing.body).toMatchObject({ code: 'PROJECTION_MISSING', accountId });

    const report = await call({ method: 'POST', url: '/v1/admin/rebuild-projection', body: { all: true } });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ plans: 1, failed: [] });
    expect(report.body.accountsInitialisedFromLedger).toBe(report.body.accounts);
    const view = await engine.getBalance(accountId, Date.now());
    expect(view).toMatchObject({ balanceMicros: 10_250_000n, status: 'ACTIVE', type: 'PREPAID' });
    expect(view?.buckets.map((b) => b.bucketId)).toEqual(['bkt-rebuild']);
    expect(await engine.resolveSubscriber('4915100000005')).toMatchObject({ accountId, planId: PLAN.id });
    expect(await engine.getPlan(PLAN.id)).toBeDefined();
    // A rebuild of a projected account changes no balance.
    expect((await call({ method: 'POST', url: '/v1/admin/rebuild-projection', body: { accountId } })).body).toMatchObject({
      accounts: 1,
      accountsInitialisedFromLedger: 0,
    });
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(10_250_000n);
  });

  it('top-up reversal: takes a top-up back once (a chargeback), refuses what it cannot be, and a rebuild from the ledger agrees', async () => {
    const accountId = await provisionPrepaid('reverse', '4915100000011', '262010000000011');
    const topUp = await call({
      method: 'POST',
      url: `/v1/accounts/${accountId}/top-ups`,
      body: { amount: '5.00' },
      headers: { 'idempotency-key': 'rv-1' },
    });
    expect(topUp.status).toBe(201);
    const topUpId = topUp.body.id as string;
    const reverse = (id: string, body: Record<string, unknown> = {}) =>
      call({ method: 'POST', url: `/v1/accounts/${accountId}/top-ups/${id}/reversal`, body });

    const before = await stateFingerprint();
    for (const [id, body, status, field] of [
      [topUpId, { amount: '5.01' }, 400, 'amount'],
      [topUpId, { amount: '-1' }, 400, 'amount'],
      ['top_nope', {}, 404, undefined],
      ['bad id!', {}, 400, undefined],
    ] as const) {
      const r = await reverse(id, body);
      expect([r.status, field === undefined ? undefined : r.body.field]).toEqual([status, field]);
    }
    expect(await stateFingerprint()).toBe(before);

    const reversed = await reverse(topUpId);
    expect(reversed.status).toBe(201);
    expect(reversed.body).toMatchObject({
      accountId,
      idempotencyKey: `reversal:${topUpId}`,
      amount: { micros: '-5000000' },
      reversesTopUpId: topUpId,
    });
    expect(reversed.headers['idempotent-replayed']).toBe('false');
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(10_000_000n);
    const again = await reverse(topUpId);
    expect([again.status, again.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(again.body).toEqual(reversed.body);
    expect((await reverse(topUpId, { amount: '1.00' })).body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect((await reverse(reversed.body.id as string)).status).toBe(422);
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(10_000_000n);
    const ledger = await pg.query(`select kind, amount_micros::text as amount from ledger_entry where account_id = $1 order by id`, [
      accountId,
    ]);
    expect(ledger.rows).toEqual([
      { kind: 'INITIAL', amount: '10000000' },
      { kind: 'TOPUP', amount: '5000000' },
      { kind: 'ADJUSTMENT', amount: '-5000000' },
    ]);
    const audit = await pg.query(`select action from audit_log where entity_id = $1`, [reversed.body.id]);
    expect(audit.rows).toEqual([{ action: 'top_up.reverse' }]);

    await flushPrefix();
    expect((await call({ method: 'POST', url: '/v1/admin/rebuild-projection', body: { accountId } })).body).toMatchObject({ failed: [] });
    expect((await engine.getBalance(accountId, Date.now()))?.balanceMicros).toBe(10_000_000n);
  });

  it('subscriptions: get, list, delete unroutes (and a repeated delete answers the same)', async () => {
    const accountId = await provisionPrepaid('subs', '4915100000006', '262010000000006');
    expect((await call({ method: 'GET', url: '/v1/subscriptions/sub-subs' })).body).toMatchObject({
      msisdn: '4915100000006',
      accountId,
      productId: 'prd-e2e',
    });
    const page = await call({ method: 'GET', url: `/v1/accounts/${accountId}/subscriptions?limit=1` });
    expect(page.body).toMatchObject({ items: [{ id: 'sub-subs' }], next: null });
    const taken = await call({
      method: 'POST',
      url: '/v1/subscriptions',
      body: { msisdn: '4915100000006', imsi: '262019999999999', accountId, productId: 'prd-e2e' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.field).toBe('msisdn');
    const deleted = await call({ method: 'DELETE', url: '/v1/subscriptions/sub-subs' });
    expect(deleted.status).toBe(200);
    expect(await engine.resolveSubscriber('4915100000006')).toBeUndefined();
    expect(await engine.resolveSubscriber('262010000000006')).toBeUndefined();
    expect((await call({ method: 'DELETE', url: '/v1/subscriptions/sub-subs' })).body).toEqual(deleted.body);
    expect((await call({ method: 'GET', url: '/v1/subscriptions/sub-subs' })).status).toBe(404);
    expect((await call({ method: 'DELETE', url: '/v1/subscriptions/sub-never' })).status).toBe(404);
  });

  it('price plans: versions, and errors that name the plan path', async () => {
    const v2 = await call({ method: 'POST', url: `/v1/price-plans/${PLAN.id}/versions`, body: { plan: { ...PLAN, version: 2 } } });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, currentVersion: 2 });
    expect(JSON.parse((await engine.getPlan(PLAN.id)) ?? '{}').version).toBe(2);
    expect((await call({ method: 'GET', url: `/v1/price-plans/${PLAN.id}/versions/1` })).body).toMatchObject({
      version: 1,
      currentVersion: 2,
    });
    const older = await call({ method: 'POST', url: `/v1/price-plans/${PLAN.id}/versions`, body: { plan: { ...PLAN, version: 2 } } });
    expect(older.status).toBe(409);
    const product = await call({ method: 'GET', url: '/v1/products/prd-e2e' });
    expect(product.body.pricePlanIds).toEqual([PLAN.id]);
  });

  it('auth: anonymous and wrong-key writes are 401 and change nothing in PostgreSQL or Redis', async () => {
    await provisionPrepaid('auth', '4915100000007', '262010000000007');
    const before = await stateFingerprint();
    const writes: Call[] = [
      { method: 'POST', url: '/v1/customers', body: { name: 'Mallory' }, auth: 'none' },
      {
        method: 'POST',
        url: '/v1/accounts/acc-auth/top-ups',
        body: { amount: '100.00' },
        headers: { 'idempotency-key': 'evil' },
        auth: 'none',
      },
      { method: 'POST', url: '/v1/accounts/acc-auth/bar', auth: 'none' },
      { method: 'POST', url: '/v1/admin/rebuild-projection', body: { all: true }, auth: 'none' },
      { method: 'DELETE', url: '/v1/subscriptions/sub-auth', headers: { 'x-api-key': 'wrong-key' }, auth: 'none' },
      { method: 'POST', url: '/v1/customers', body: { malformed: true }, auth: 'none' },
    ];
    for (const w of writes) {
      const res = await call(w);
      expect([w.url, res.status, res.body.code]).toEqual([w.url, 401, 'UNAUTHENTICATED']);
    }
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-auth', auth: 'none' })).status).toBe(401);
    expect(await stateFingerprint()).toBe(before);
    // The fingerprint does see changes: the same write with the key goes through.
    expect((await call({ method: 'POST', url: '/v1/accounts/acc-auth/bar' })).status).toBe(200);
    expect(await stateFingerprint()).not.toBe(before);
  });

  it('auth: a valid HS256 JWT is accepted and audited by sub; expired and wrong-alg tokens are 401', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const valid = signHs256Jwt({ sub: 'crm-service', exp: nowS + 300 }, JWT_SECRET);
    const created = await call({ method: 'POST', url: '/v1/customers', body: { id: 'cus-jwt', name: 'Via JWT' }, auth: valid });
    expect(created.status).toBe(201);
    const audit = await pg.query(`select actor from audit_log where entity_id = 'cus-jwt'`);
    expect(audit.rows).toEqual([{ actor: 'jwt:crm-service' }]);
    const before = await stateFingerprint();
    const expired = signHs256Jwt({ sub: 'crm-service', exp: nowS - 3600 }, JWT_SECRET);
    const wrongAlg = signHs256Jwt({ sub: 'crm-service', exp: nowS + 300 }, JWT_SECRET, { alg: 'HS512', typ: 'JWT' });
    const noneAlg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', exp: nowS + 300 })).toString('base64url')}.`;
    const wrongKey = signHs256Jwt({ sub: 'crm-service', exp: nowS + 300 }, 'not-the-secret');
    for (const token of [expired, wrongAlg, noneAlg, wrongKey]) {
      const res = await call({ method: 'POST', url: '/v1/customers', body: { name: 'Nope' }, auth: token });
      expect(res.status).toBe(401);
    }
    expect(await stateFingerprint()).toBe(before);
  });

  describe('malformed input: 400 naming the field, nothing changed', () => {
    const future = new Date(Date.now() + DAY_MS).toISOString();
    const account = { customerId: 'cus-bad', type: 'PREPAID', currency: 'EUR', timeZone: 'Europe/Berlin', cycleDay: 1, planId: 'e2e-flat' };
    const cases: [string, Call, string][] = [
      ['customer without name', { method: 'POST', url: '/v1/customers', body: {} }, 'name'],
      ['unknown field', { method: 'POST', url: '/v1/customers', body: { name: 'x', role: 'admin' } }, 'role'],
      ['customer id with a slash', { method: 'POST', url: '/v1/customers', body: { id: 'a/b', name: 'x' } }, 'id'],
      ['email not an email', { method: 'POST', url: '/v1/customers', body: { name: 'x', email: 'nope' } }, 'email'],
      ['currency not ISO 4217', { method: 'POST', url: '/v1/accounts', body: { ...account, currency: 'XYZ' } }, 'currency'],
      ['time zone unknown', { method: 'POST', url: '/v1/accounts', body: { ...account, timeZone: 'Mars/Olympus_Mons' } }, 'timeZone'],
      ['time zone as an offset', { method: 'POST', url: '/v1/accounts', body: { ...account, timeZone: '+01:00' } }, 'timeZone'],
      ['cycle day 29', { method: 'POST', url: '/v1/accounts', body: { ...account, cycleDay: 29 } }, 'cycleDay'],
      ['type unknown', { method: 'POST', url: '/v1/accounts', body: { ...account, type: 'HYBRID' } }, 'type'],
      [
        'threshold with 7 decimals',
        { method: 'POST', url: '/v1/accounts', body: { ...account, thresholds: ['5.00', '1.0000001'] } },
        'thresholds.1',
      ],
      ['threshold as a JSON number', { method: 'POST', url: '/v1/accounts', body: { ...account, thresholds: [5] } }, 'thresholds'],
      [
        'too many thresholds',
        { method: 'POST', url: '/v1/accounts', body: { ...account, thresholds: Array.from({ length: 17 }, (_, i) => `${i}.00`) } },
        'thresholds',
      ],
      ['credit limit on prepaid', { method: 'POST', url: '/v1/accounts', body: { ...account, creditLimit: '10.00' } }, 'creditLimit'],
      [
        'initial balance as a JSON number',
        { method: 'POST', url: '/v1/accounts', body: { ...account, initialBalance: 10 } },
        'initialBalance',
      ],
      [
        'initial balance negative',
        { method: 'POST', url: '/v1/accounts', body: { ...account, initialBalance: '-1.00' } },
        'initialBalance',
      ],
      ['thresholds update not money', { method: 'PATCH', url: '/v1/accounts/acc-bad', body: { thresholds: ['lots'] } }, 'thresholds.0'],
      ['empty update', { method: 'PATCH', url: '/v1/accounts/acc-bad', body: {} }, '(body)'],
      [
        'top-up as a JSON number',
        { method: 'POST', url: '/v1/accounts/acc-bad/top-ups', body: { amount: 5 }, headers: { 'idempotency-key': 'b-1' } },
        'amount',
      ],
      [
        'top-up in exponent notation',
        { method: 'POST', url: '/v1/accounts/acc-bad/top-ups', body: { amount: '1e3' }, headers: { 'idempotency-key': 'b-2' } },
        'amount',
      ],
      [
        'top-up zero',
        { method: 'POST', url: '/v1/accounts/acc-bad/top-ups', body: { amount: '0.00' }, headers: { 'idempotency-key': 'b-3' } },
        'amount',
      ],
      [
        'top-up beyond the engine limit',
        {
          method: 'POST',
          url: '/v1/accounts/acc-bad/top-ups',
          body: { amount: '9007199254.740992' },
          headers: { 'idempotency-key': 'b-4' },
        },
        'amount',
      ],
      ['top-up without a key', { method: 'POST', url: '/v1/accounts/acc-bad/top-ups', body: { amount: '1.00' } }, 'idempotencyKey'],
      [
        'top-up key with a pipe',
        { method: 'POST', url: '/v1/accounts/acc-bad/top-ups', body: { amount: '1.00' }, headers: { 'idempotency-key': 'a|b' } },
        'Idempotency-Key',
      ],
      [
        'MSISDN with a plus',
        {
          method: 'POST',
          url: '/v1/subscriptions',
          body: { msisdn: '+4915100000099', imsi: '262010000000099', accountId: 'acc-bad', productId: 'prd-e2e' },
        },
        'msisdn',
      ],
      [
        'IMSI of 14 digits',
        {
          method: 'POST',
          url: '/v1/subscriptions',
          body: { msisdn: '4915100000099', imsi: '26201000000009', accountId: 'acc-bad', productId: 'prd-e2e' },
        },
        'imsi',
      ],
      [
        'grant of zero units',
        { method: 'POST', url: '/v1/accounts/acc-bad/grants', body: { unit: 'BYTES', units: 0, expiresAt: future } },
        'units',
      ],
      [
        'grant units as a string',
        { method: 'POST', url: '/v1/accounts/acc-bad/grants', body: { unit: 'BYTES', units: '10', expiresAt: future } },
        'units',
      ],
      [
        'grant already expired',
        { method: 'POST', url: '/v1/accounts/acc-bad/grants', body: { unit: 'BYTES', units: 10, expiresAt: '2020-01-01T00:00:00Z' } },
        'expiresAt',
      ],
      [
        'grant ending before it starts',
        {
          method: 'POST',
          url: '/v1/accounts/acc-bad/grants',
          body: { unit: 'BYTES', units: 10, validFrom: future, expiresAt: new Date(Date.now() + 1000).toISOString() },
        },
        'expiresAt',
      ],
      [
        'grant rating group negative',
        { method: 'POST', url: '/v1/accounts/acc-bad/grants', body: { unit: 'BYTES', units: 10, ratingGroups: [-1], expiresAt: future } },
        'ratingGroups',
      ],
      [
        'plan without elements',
        { method: 'POST', url: '/v1/price-plans', body: { productId: 'prd-e2e', plan: { ...PLAN, id: 'bad-plan', elements: [] } } },
        'plan.elements',
      ],
      [
        'plan with a float price',
        {
          method: 'POST',
          url: '/v1/price-plans',
          body: { productId: 'prd-e2e', plan: { ...PLAN, id: 'bad-plan', elements: [{ ...PLAN.elements[0], price: 0.1 }] } },
        },
        'plan.elements[0].price',
      ],
      [
        'plan version id mismatch',
        { method: 'POST', url: `/v1/price-plans/${PLAN.id}/versions`, body: { plan: { ...PLAN, id: 'other', version: 9 } } },
        'plan.id',
      ],
      ['rebuild with neither target', { method: 'POST', url: '/v1/admin/rebuild-projection', body: {} }, 'accountId'],
      ['path id with a dot', { method: 'GET', url: '/v1/accounts/a.b' }, 'id'],
      ['page size 0', { method: 'GET', url: '/v1/accounts/acc-bad/subscriptions?limit=0' }, 'limit'],
    ];

    let before: string;
    beforeAll(async () => {
      await provisionPrepaid('bad', '4915100000008', '262010000000008');
      before = await stateFingerprint();
    });

    it.each(cases)('%s', async (_name, c, field) => {
      const res = await call(c);
      expect([res.status, res.body.code, res.body.field]).toEqual([400, 'INVALID_ARGUMENT', field]);
      expect(res.body.message).toContain(field === '(body)' ? 'at least one' : field);
      expect(await stateFingerprint()).toBe(before);
    });

    it('body errors (malformed, empty, too large, wrong media type) get the error format with a code, and change nothing', async () => {
      const send = async (payload: string, contentType = 'application/json') => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/customers',
          payload,
          headers: { 'x-api-key': API_KEY, 'content-type': contentType },
        });
        return { status: res.statusCode, body: JSON.parse(res.body) };
      };
      const broken = await send('{"name":');
      expect(broken).toEqual({
        status: 400,
        body: { code: 'INVALID_ARGUMENT', field: 'body', message: expect.stringMatching(/^body: not valid JSON: /) },
      });
      const empty = await send('');
      expect(empty).toEqual({
        status: 400,
        body: { code: 'INVALID_ARGUMENT', field: 'body', message: expect.stringMatching(/^body: empty/) },
      });
      const huge = await send(JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES) }));
      expect(huge).toEqual({
        status: 413,
        body: {
          code: 'PAYLOAD_TOO_LARGE',
          field: 'body',
          limitBytes: BODY_LIMIT_BYTES,
          message: `body: larger than the limit of ${BODY_LIMIT_BYTES} bytes`,
        },
      });
      const text = await send('name=x', 'text/plain');
      expect(text).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE', field: 'body' } });
      const form = await send('name=x', 'application/x-www-form-urlencoded');
      expect(form).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
      const poisoned = await send('{"name":"x","__proto__":{"admin":true}}');
      expect(poisoned).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', field: 'body' } });
      expect(await stateFingerprint()).toBe(before);
    });
  });

  it('roles: the admin rebuild needs admin (403 FORBIDDEN_ROLE otherwise), writes need write, reads need read', async () => {
    await provisionPrepaid('roles', '4915100000077', '262010000000077');
    const before = await stateFingerprint();
    const nowS = Math.floor(Date.now() / 1000);
    const writerJwt = signHs256Jwt({ sub: 'crm', exp: nowS + 300, scope: 'read write' }, JWT_SECRET);
    const refused: [Call, string][] = [
      [
        { method: 'POST', url: '/v1/admin/rebuild-projection', body: { all: true }, auth: 'none', headers: { 'x-api-key': PLAIN_KEY } },
        'admin',
      ],
      [{ method: 'POST', url: '/v1/admin/rebuild-projection', body: { all: true }, auth: writerJwt }, 'admin'],
      [{ method: 'POST', url: '/v1/customers', body: { name: 'Reader' }, auth: 'none', headers: { 'x-api-key': READ_KEY } }, 'write'],
      [{ method: 'POST', url: '/v1/accounts/acc-roles/bar', auth: 'none', headers: { 'x-api-key': READ_KEY } }, 'write'],
    ];
    for (const [c, role] of refused) {
      const res = await call(c);
      expect([c.url, res.status, res.body]).toEqual([
        c.url,
        403,
        { code: 'FORBIDDEN_ROLE', requiredRole: role, message: expect.stringContaining(`needs the ${role} role`) },
      ]);
    }
    expect(await stateFingerprint()).toBe(before);
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-roles', auth: 'none', headers: { 'x-api-key': READ_KEY } })).status).toBe(
      200,
    );
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-roles', auth: 'none', headers: { 'x-api-key': PLAIN_KEY } })).status).toBe(
      200,
    );
    const adminJwt = signHs256Jwt({ sub: 'ops', exp: nowS + 300, roles: ['admin'] }, JWT_SECRET);
    expect(
      (await call({ method: 'POST', url: '/v1/admin/rebuild-projection', body: { accountId: 'acc-roles' }, auth: adminJwt })).status,
    ).toBe(200);
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-roles', auth: adminJwt })).body).toMatchObject({
      code: 'FORBIDDEN_ROLE',
      requiredRole: 'read',
    });
  });

  it('an unknown route is 404 in the error format', async () => {
    const res = await call({ method: 'GET', url: '/v1/no-such-thing?x=1' });
    expect([res.status, res.body]).toEqual([404, { code: 'NOT_FOUND', message: 'no route GET /v1/no-such-thing' }]);
  });

  it('request metrics: ratel_http_request_duration_seconds by method, route template and status', async () => {
    expect((await call({ method: 'GET', url: '/v1/customers/cus-metrics-none' })).status).toBe(404);
    await call({ method: 'GET', url: '/v1/nowhere/at/all' });
    const text = await app.get<Registry>(METRICS_REGISTRY).metrics();
    const counted = (...labels: string[]) =>
      text
        .split('\n')
        .some((l) => l.startsWith('ratel_http_request_duration_seconds_count{') && labels.every((p) => l.includes(p)) && !l.endsWith(' 0'));
    expect(counted('method="GET"', 'route="/v1/customers/:id"', 'status="404"')).toBe(true);
    expect(counted('method="POST"', 'route="/v1/customers"', 'status="201"')).toBe(true);
    expect(counted('method="GET"', 'route="unmatched"', 'status="404"')).toBe(true);
    expect(text).not.toContain('cus-metrics-none');
  });

  it('not found and preconditions: 404 and 422', async () => {
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-none' })).status).toBe(404);
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-none/balance' })).status).toBe(404);
    expect((await call({ method: 'GET', url: '/v1/customers/cus-none' })).status).toBe(404);
    const noPlan = await call({
      method: 'POST',
      url: '/v1/accounts',
      body: { customerId: 'cus-happy', type: 'PREPAID', currency: 'EUR', timeZone: 'UTC', cycleDay: 1, planId: 'no-such-plan' },
    });
    expect([noPlan.status, noPlan.body.field]).toEqual([422, 'planId']);
    const otherCurrency = await call({
      method: 'POST',
      url: '/v1/accounts',
      body: { customerId: 'cus-happy', type: 'PREPAID', currency: 'USD', timeZone: 'UTC', cycleDay: 1, planId: PLAN.id },
    });
    expect([otherCurrency.status, otherCurrency.body.field]).toEqual([422, 'currency']);
    const dupe = await call({ method: 'POST', url: '/v1/customers', body: { id: 'cus-happy', name: 'again' } });
    expect([dupe.status, dupe.body.code]).toEqual([409, 'ALREADY_EXISTS']);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const json = JSON.parse(doc.body);
    expect(Object.keys(json.paths)).toEqual(
      expect.arrayContaining(['/v1/customers', '/v1/accounts/{id}/top-ups', '/v1/accounts/{id}/balance', '/v1/admin/rebuild-projection']),
    );
    expect(json.components.securitySchemes).toMatchObject({
      apiKey: { type: 'apiKey', name: 'x-api-key' },
      jwt: { type: 'http', scheme: 'bearer' },
    });
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('/openapi.json');
    expect((await app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' })).statusCode).toBe(200);
  });
});
