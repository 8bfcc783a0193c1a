/**
 * The billing catalog's REST API end to end (issue 9, section 1): legal entities, billing terms of
 * accounts, tax rates and product charges. Built like provisioning.e2e-spec.ts: a Nest fastify app
 * (InfraModule + ProvisioningModule) on a fresh migrated PostgreSQL database and a random Redis
 * prefix, driven through `app.inject`. "Nothing written" is checked by fingerprinting every table
 * these endpoints write before and after each refused request.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '@app/config';
import { chargingConfigSchema } from '../src/config';
import { migrate } from '@app/db';
import { createTestDatabase, deleteKeys, requireEnv, uniqueId } from '@app/devstack';
import { DEMO_LOADTEST_PLAN } from '@app/rating';
import { createRestApp } from '@app/runtime/http';
import { BALANCE_ENGINE, type BalanceEngine } from '../src/balance/balance-engine.port';
import { chargingRestOptions } from '../src/bootstrap';
import { InfraModule } from '../src/infra/infra.module';
import { setupOpenApi } from '../src/provisioning/openapi';
import { ProvisioningModule } from '../src/provisioning/provisioning.module';
import {
  AMOUNT_MINOR_MAX,
  INSTALMENT_COUNT_MAX,
  PAYMENT_TERMS_DAYS_MAX,
  REQUIRED_PRODUCTS_PER_DISCOUNT_MAX,
} from '../src/provisioning/billing-catalog/billing-catalog.limits';

const API_KEY = 'test-key';
const READ_KEY = 'read-key';
const TABLES = [
  'charge_allowance',
  'legal_entity',
  'billing_account',
  'tax_rate',
  'product_charge',
  'discount',
  'product',
  'subscription',
  'subscription_lifecycle_event',
  'audit_log',
];
const PLAN = { ...DEMO_LOADTEST_PLAN, id: 'bc-flat', name: 'Billing catalog flat' };

let app: NestFastifyApplication;
let redis: Redis;
let pg: Client;
let prefix: string;

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  body?: unknown;
  key?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function call(c: Call): Promise<{ status: number; body: any }> {
  const res = await app.inject({
    method: c.method,
    url: c.url,
    payload: c.body as object | undefined,
    headers: { 'x-api-key': c.key ?? API_KEY },
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) };
}

async function fingerprint(): Promise<string> {
  const parts: string[] = [];
  for (const t of TABLES) {
    const r = await pg.query(`select coalesce(md5(string_agg(x::text, '|' order by x::text)), '-') as h, count(*) as n from "${t}" x`);
    parts.push(`${t}:${r.rows[0].n}:${r.rows[0].h}`);
  }
  return parts.join('\n');
}

/** Each call is refused with `status` and `code` naming `field`, and writes nothing. */
async function expectRefused(cases: ReadonlyArray<readonly [string, Call, number, string, string]>): Promise<void> {
  for (const [name, c, status, code, field] of cases) {
    const before = await fingerprint();
    const res = await call(c);
    expect([name, res.status, res.body?.code, res.body?.field]).toEqual([name, status, code, field]);
    expect([name, await fingerprint()]).toEqual([name, before]);
  }
}

const ADDRESS = { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', countryCode: 'DE' };
const LEGAL_ENTITY = {
  id: 'le-de',
  name: 'Ratel Telecom GmbH',
  address: 'Hauptstr. 1\n10115 Berlin',
  vatId: 'DE123456789',
  iban: 'DE89370400440532013000',
  numberSeriesPrefix: 'RTL-DE',
  postalAddress: { street: 'Hauptstr. 1', additionalStreet: null, city: 'Berlin', postalCode: '10115', countryCode: 'DE' },
  electronicAddress: { scheme: '0204', id: '991-01234-56' },
};

beforeAll(async () => {
  const databaseUrl = await createTestDatabase('bcat');
  await migrate(databaseUrl);
  prefix = `${uniqueId('bcat')}:`;
  const config = loadConfig(chargingConfigSchema, {
    REDIS_URL: requireEnv('REDIS_URL'),
    NATS_URL: requireEnv('NATS_URL'),
    DATABASE_URL: databaseUrl,
    RATEL_REDIS_PREFIX: prefix,
    RATEL_API_KEYS: `${API_KEY}:read+write+admin,${READ_KEY}:read`,
    RATEL_GRPC_INSECURE: 'true',
    RATEL_RELAY_ENABLED: 'false',
    RATEL_EXPIRY_SWEEP_ENABLED: 'false',
    RATEL_LOG_LEVEL: 'silent',
  });
  app = await createRestApp(
    { module: class BillingCatalogE2eRoot {}, imports: [InfraModule.forRoot(config), ProvisioningModule] },
    { ...chargingRestOptions(), logger: false },
  );
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  redis = new Redis(requireEnv('REDIS_URL'));
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();

  expect((await call({ method: 'POST', url: '/v1/products', body: { id: 'prd-bc', name: 'Mobile' } })).status).toBe(201);
  expect((await call({ method: 'POST', url: '/v1/price-plans', body: { productId: 'prd-bc', plan: PLAN } })).status).toBe(201);
  expect((await call({ method: 'POST', url: '/v1/customers', body: { id: 'cus-bc', name: 'Erika' } })).status).toBe(201);
  const account = await call({
    method: 'POST',
    url: '/v1/accounts',
    body: {
      id: 'acc-bc',
      customerId: 'cus-bc',
      type: 'POSTPAID',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      cycleDay: 1,
      planId: PLAN.id,
    },
  });
  expect(account.status).toBe(201);
});

afterAll(async () => {
  if (redis) {
    await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  }
  await pg?.end();
  await app?.close();
});

describe('legal entities', () => {
  it('creates, reads back, audits; a taken prefix is 409', async () => {
    const created = await call({ method: 'POST', url: '/v1/legal-entities', body: LEGAL_ENTITY });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(LEGAL_ENTITY);
    expect((await call({ method: 'GET', url: '/v1/legal-entities/le-de', key: READ_KEY })).body).toMatchObject(LEGAL_ENTITY);
    const audit = await pg.query(`select action, actor from audit_log where entity_id = 'le-de'`);
    expect(audit.rows).toEqual([{ action: 'legal_entity.create', actor: expect.stringMatching(/^apikey:/) }]);
    const again = await call({ method: 'POST', url: '/v1/legal-entities', body: { ...LEGAL_ENTITY, id: 'le-other' } });
    expect([again.status, again.body.code]).toEqual([409, 'ALREADY_EXISTS']);
    expect((await call({ method: 'GET', url: '/v1/legal-entities/le-none' })).status).toBe(404);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const post = (body: object): Call => ({
      method: 'POST',
      url: '/v1/legal-entities',
      body: { ...LEGAL_ENTITY, id: 'le-bad', numberSeriesPrefix: 'BAD', ...body },
    });
    await expectRefused([
      ['IBAN check digits wrong', post({ iban: 'DE89370400440532013001' }), 400, 'INVALID_ARGUMENT', 'iban'],
      ['IBAN with spaces', post({ iban: 'DE89 3704 0044 0532 0130 00' }), 400, 'INVALID_ARGUMENT', 'iban'],
      ['VAT id lower case', post({ vatId: 'de123456789' }), 400, 'INVALID_ARGUMENT', 'vatId'],
      ['prefix with a space', post({ numberSeriesPrefix: 'RTL DE' }), 400, 'INVALID_ARGUMENT', 'numberSeriesPrefix'],
      ['blank name', post({ name: '   ' }), 400, 'INVALID_ARGUMENT', 'name'],
      ['address missing', post({ address: undefined }), 400, 'INVALID_ARGUMENT', 'address'],
      ['address too long', post({ address: 'x'.repeat(501) }), 400, 'INVALID_ARGUMENT', 'address'],
      ['unknown field', post({ country: 'DE' }), 400, 'INVALID_ARGUMENT', 'country'],
      ['postal address not an object', post({ postalAddress: 'Berlin' }), 400, 'INVALID_ARGUMENT', 'postalAddress'],
      [
        'endpoint scheme not an EAS code',
        post({ electronicAddress: { scheme: '0000', id: 'x' } }),
        400,
        'INVALID_ARGUMENT',
        'electronicAddress.scheme',
      ],
      ['endpoint without an id', post({ electronicAddress: { scheme: '0088' } }), 400, 'INVALID_ARGUMENT', 'electronicAddress.id'],
      [
        'postal address without a city',
        post({ postalAddress: { street: 'a', countryCode: 'DE' } }),
        400,
        'INVALID_ARGUMENT',
        'postalAddress.city',
      ],
      [
        'country an alias (UK)',
        post({ postalAddress: { ...ADDRESS, countryCode: 'UK' } }),
        400,
        'INVALID_ARGUMENT',
        'postalAddress.countryCode',
      ],
      [
        'country lower case',
        post({ postalAddress: { ...ADDRESS, countryCode: 'de' } }),
        400,
        'INVALID_ARGUMENT',
        'postalAddress.countryCode',
      ],
      [
        'postal code with a slash',
        post({ postalAddress: { ...ADDRESS, postalCode: '10/115' } }),
        400,
        'INVALID_ARGUMENT',
        'postalAddress.postalCode',
      ],
      ['street with a newline', post({ postalAddress: { ...ADDRESS, street: 'a\nb' } }), 400, 'INVALID_ARGUMENT', 'postalAddress.street'],
      ['blank street', post({ postalAddress: { ...ADDRESS, street: '  ' } }), 400, 'INVALID_ARGUMENT', 'postalAddress.street'],
      ['unknown address field', post({ postalAddress: { ...ADDRESS, state: 'BE' } }), 400, 'INVALID_ARGUMENT', 'postalAddress.state'],
      ['read role cannot write', { ...post({}), key: READ_KEY }, 403, 'FORBIDDEN_ROLE', undefined as unknown as string],
    ]);
  });
});

describe('postal address of a legal entity', () => {
  it('is replaced as a whole, read back and audited before and after', async () => {
    await call({
      method: 'POST',
      url: '/v1/legal-entities',
      body: { ...LEGAL_ENTITY, id: 'le-addr', numberSeriesPrefix: 'ADDR', postalAddress: undefined },
    });
    expect((await call({ method: 'GET', url: '/v1/legal-entities/le-addr', key: READ_KEY })).body.postalAddress).toBeNull();
    const address = { street: 'Friedrichstr. 10', additionalStreet: 'Aufgang B', city: 'Berlin', postalCode: '10117', countryCode: 'DE' };
    const put = await call({ method: 'PUT', url: '/v1/legal-entities/le-addr/postal-address', body: address });
    expect([put.status, put.body.postalAddress]).toEqual([200, address]);
    expect((await call({ method: 'GET', url: '/v1/legal-entities/le-addr', key: READ_KEY })).body.postalAddress).toEqual(address);
    const audit = await pg.query(`select details from audit_log where entity_id = 'le-addr' and action = 'legal_entity.postal_address'`);
    expect(audit.rows).toEqual([{ details: { before: null, after: address } }]);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const put = (body: object, id = 'le-addr'): Call => ({
      method: 'PUT',
      url: `/v1/legal-entities/${id}/postal-address`,
      body: { ...ADDRESS, ...body },
    });
    await expectRefused([
      ['country not assigned (ZZ)', put({ countryCode: 'ZZ' }), 400, 'INVALID_ARGUMENT', 'countryCode'],
      ['country missing', put({ countryCode: undefined }), 400, 'INVALID_ARGUMENT', 'countryCode'],
      ['blank city', put({ city: ' ' }), 400, 'INVALID_ARGUMENT', 'city'],
      ['postal code too long', put({ postalCode: '1'.repeat(17) }), 400, 'INVALID_ARGUMENT', 'postalCode'],
      ['unknown field', put({ region: 'BE' }), 400, 'INVALID_ARGUMENT', 'region'],
      ['read role cannot write', { ...put({}), key: READ_KEY }, 403, 'FORBIDDEN_ROLE', undefined as unknown as string],
      ['legal entity missing', put({}, 'le-none'), 404, 'NOT_FOUND', undefined as unknown as string],
    ]);
  });
});

describe('electronic address of a legal entity', () => {
  it('is set on an existing entity, replaced, read back and audited before and after', async () => {
    await call({
      method: 'POST',
      url: '/v1/legal-entities',
      body: { ...LEGAL_ENTITY, id: 'le-eas', numberSeriesPrefix: 'EAS', electronicAddress: undefined },
    });
    expect((await call({ method: 'GET', url: '/v1/legal-entities/le-eas', key: READ_KEY })).body.electronicAddress).toBeNull();
    const first = { scheme: '9930', id: 'DE123456789' };
    const put = await call({ method: 'PUT', url: '/v1/legal-entities/le-eas/electronic-address', body: first });
    expect([put.status, put.body.electronicAddress]).toEqual([200, first]);
    const second = { scheme: '0204', id: '991-01234-56' };
    await call({ method: 'PUT', url: '/v1/legal-entities/le-eas/electronic-address', body: second });
    expect((await call({ method: 'GET', url: '/v1/legal-entities/le-eas', key: READ_KEY })).body.electronicAddress).toEqual(second);
    const audit = await pg.query(
      `select details from audit_log where entity_id = 'le-eas' and action = 'legal_entity.electronic_address' order by id`,
    );
    expect(audit.rows).toEqual([{ details: { before: null, after: first } }, { details: { before: first, after: second } }]);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const put = (body: object, id = 'le-eas'): Call => ({
      method: 'PUT',
      url: `/v1/legal-entities/${id}/electronic-address`,
      body: { scheme: '0088', id: '4000001000005', ...body },
    });
    await expectRefused([
      ['scheme outside the EAS list', put({ scheme: '0000' }), 400, 'INVALID_ARGUMENT', 'scheme'],
      ['scheme of the wrong shape', put({ scheme: 'gln' }), 400, 'INVALID_ARGUMENT', 'scheme'],
      ['id missing', put({ id: undefined }), 400, 'INVALID_ARGUMENT', 'id'],
      ['id with a space', put({ id: '4000 001' }), 400, 'INVALID_ARGUMENT', 'id'],
      ['id too long', put({ id: 'x'.repeat(129) }), 400, 'INVALID_ARGUMENT', 'id'],
      ['unknown field', put({ name: 'x' }), 400, 'INVALID_ARGUMENT', 'name'],
      ['read role cannot write', { ...put({}), key: READ_KEY }, 403, 'FORBIDDEN_ROLE', undefined as unknown as string],
      ['legal entity missing', put({}, 'le-none'), 404, 'NOT_FOUND', undefined as unknown as string],
    ]);
  });
});

describe('billing terms of an account', () => {
  const TERMS = {
    billingCycleType: 'MONTHLY_D1',
    paymentTermsDays: 14,
    taxJurisdiction: 'DE',
    legalEntityId: 'le-de',
    deliveryEmail: 'erika@example.org',
    deliverySmsMsisdn: '4915100000001',
    minimumCommitment: '2000',
    billingAddress: { street: 'Kerkstraat 12', additionalStreet: '2nd floor', city: 'Amsterdam', postalCode: '1017 GL', countryCode: 'NL' },
    vatId: 'NL123456789B01',
    electronicAddress: { scheme: '9944', id: 'NL123456789B01' },
  };

  it('replaces the terms, reads them back, audits before and after', async () => {
    const put = await call({ method: 'PUT', url: '/v1/accounts/acc-bc/billing-terms', body: TERMS });
    expect(put.status).toBe(200);
    const expected = { ...TERMS, accountId: 'acc-bc', timeZone: 'Europe/Berlin', deliveryPortalOnly: false, currency: 'EUR' };
    expect(put.body).toEqual(expected);
    expect((await call({ method: 'GET', url: '/v1/accounts/acc-bc/billing-terms', key: READ_KEY })).body).toEqual(expected);

    const portal = await call({
      method: 'PUT',
      url: '/v1/accounts/acc-bc/billing-terms',
      body: {
        ...TERMS,
        deliveryEmail: undefined,
        deliverySmsMsisdn: undefined,
        minimumCommitment: undefined,
        billingAddress: undefined,
        vatId: undefined,
        electronicAddress: undefined,
        deliveryPortalOnly: true,
      },
    });
    expect(portal.body).toMatchObject({
      deliveryPortalOnly: true,
      deliveryEmail: null,
      deliverySmsMsisdn: null,
      minimumCommitment: null,
      billingAddress: null,
      vatId: null,
      electronicAddress: null,
    });
    const audit = await pg.query(
      `select details from audit_log where entity_id = 'acc-bc' and action = 'billing_account.billing_terms' order by id`,
    );
    expect(audit.rows).toHaveLength(2);
    expect(audit.rows[1].details.before).toMatchObject({ minimumCommitmentMinor: '2000', deliveryPortalOnly: false });
    expect(audit.rows[1].details.after).toMatchObject({ minimumCommitmentMinor: null, deliveryPortalOnly: true, billingAddress: null });
    expect(audit.rows[1].details.before.billingAddress).toEqual(TERMS.billingAddress);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const put = (body: object, id = 'acc-bc'): Call => ({
      method: 'PUT',
      url: `/v1/accounts/${id}/billing-terms`,
      body: { ...TERMS, ...body },
    });
    await expectRefused([
      [
        'payment terms beyond the maximum',
        put({ paymentTermsDays: PAYMENT_TERMS_DAYS_MAX + 1 }),
        400,
        'INVALID_ARGUMENT',
        'paymentTermsDays',
      ],
      ['payment terms negative', put({ paymentTermsDays: -1 }), 400, 'INVALID_ARGUMENT', 'paymentTermsDays'],
      ['payment terms as a string', put({ paymentTermsDays: '14' }), 400, 'INVALID_ARGUMENT', 'paymentTermsDays'],
      ['jurisdiction lower case', put({ taxJurisdiction: 'de' }), 400, 'INVALID_ARGUMENT', 'taxJurisdiction'],
      ['cycle type with a space', put({ billingCycleType: 'MONTHLY 1' }), 400, 'INVALID_ARGUMENT', 'billingCycleType'],
      ['e-mail not an e-mail', put({ deliveryEmail: 'nope' }), 400, 'INVALID_ARGUMENT', 'deliveryEmail'],
      ['SMS number with +', put({ deliverySmsMsisdn: '+4915100000001' }), 400, 'INVALID_ARGUMENT', 'deliverySmsMsisdn'],
      ['portal only with an e-mail', put({ deliveryPortalOnly: true }), 400, 'INVALID_ARGUMENT', 'deliveryPortalOnly'],
      ['minimum as a JSON number', put({ minimumCommitment: 2000 }), 400, 'INVALID_ARGUMENT', 'minimumCommitment'],
      ['minimum with decimals', put({ minimumCommitment: '20.00' }), 400, 'INVALID_ARGUMENT', 'minimumCommitment'],
      [
        'billing address in Kosovo (XK: not ISO 3166-1)',
        put({ billingAddress: { ...TERMS.billingAddress, countryCode: 'XK' } }),
        400,
        'INVALID_ARGUMENT',
        'billingAddress.countryCode',
      ],
      [
        'billing city too long',
        put({ billingAddress: { ...TERMS.billingAddress, city: 'x'.repeat(101) } }),
        400,
        'INVALID_ARGUMENT',
        'billingAddress.city',
      ],
      ['minimum beyond 2^53 - 1', put({ minimumCommitment: String(AMOUNT_MINOR_MAX + 1n) }), 400, 'INVALID_ARGUMENT', 'minimumCommitment'],
      ['VAT id lower case', put({ vatId: 'nl123456789b01' }), 400, 'INVALID_ARGUMENT', 'vatId'],
      [
        'endpoint scheme not an EAS code',
        put({ electronicAddress: { scheme: '1234', id: 'x' } }),
        400,
        'INVALID_ARGUMENT',
        'electronicAddress.scheme',
      ],
      [
        'endpoint scheme malformed',
        put({ electronicAddress: { scheme: '12', id: 'x' } }),
        400,
        'INVALID_ARGUMENT',
        'electronicAddress.scheme',
      ],
      [
        'endpoint id with a space',
        put({ electronicAddress: { scheme: '0088', id: 'a b' } }),
        400,
        'INVALID_ARGUMENT',
        'electronicAddress.id',
      ],
      ['legal entity missing', put({ legalEntityId: 'le-none' }), 422, 'FAILED_PRECONDITION', 'legalEntityId'],
      ['account missing', put({}, 'acc-none'), 404, 'NOT_FOUND', undefined as unknown as string],
    ]);
  });
});

describe('tax rates', () => {
  const RATE = { jurisdiction: 'DE', category: 'STANDARD', ratePercent: '19', validFrom: '2026-01-01', validTo: '2027-01-01' };

  it('creates windows that do not overlap, lists them by category and start', async () => {
    const first = await call({ method: 'POST', url: '/v1/tax-rates', body: { ...RATE, id: 'tax-de-19' } });
    expect([first.status, first.body]).toEqual([201, { ...RATE, id: 'tax-de-19', createdAt: expect.any(String) }]);
    const next = await call({
      method: 'POST',
      url: '/v1/tax-rates',
      body: { ...RATE, id: 'tax-de-20', ratePercent: '20.50', validFrom: '2027-01-01', validTo: undefined },
    });
    expect([next.status, next.body.ratePercent, next.body.validTo]).toEqual([201, '20.5', null]);
    const reduced = await call({
      method: 'POST',
      url: '/v1/tax-rates',
      body: { ...RATE, id: 'tax-de-7', category: 'REDUCED', ratePercent: '7' },
    });
    expect(reduced.status).toBe(201);
    const list = await call({ method: 'GET', url: '/v1/tax-rates?jurisdiction=DE', key: READ_KEY });
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual(['tax-de-7', 'tax-de-19', 'tax-de-20']);
    const standard = await call({ method: 'GET', url: '/v1/tax-rates?jurisdiction=DE&category=STANDARD' });
    expect(standard.body.items.map((r: { id: string }) => r.id)).toEqual(['tax-de-19', 'tax-de-20']);
  });

  it('an overlapping window is 422 TAX_RATE_OVERLAP naming the rate it meets; concurrent overlapping creations: one wins', async () => {
    const overlap = await call({
      method: 'POST',
      url: '/v1/tax-rates',
      body: { ...RATE, id: 'tax-de-x', validFrom: '2026-06-01', validTo: '2026-07-01' },
    });
    expect([overlap.status, overlap.body.code, overlap.body.reason, overlap.body.conflictingTaxRateId]).toEqual([
      422,
      'FAILED_PRECONDITION',
      'TAX_RATE_OVERLAP',
      'tax-de-19',
    ]);
    const racers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call({ method: 'POST', url: '/v1/tax-rates', body: { ...RATE, jurisdiction: 'FR', id: `tax-fr-${i}`, ratePercent: '20' } }),
      ),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([201, 422, 422, 422]);
    expect((await pg.query(`select count(*)::int as n from tax_rate where jurisdiction = 'FR'`)).rows[0].n).toBe(1);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const post = (body: object): Call => ({ method: 'POST', url: '/v1/tax-rates', body: { ...RATE, jurisdiction: 'AT', ...body } });
    await expectRefused([
      ['rate above 100', post({ ratePercent: '100.01' }), 400, 'INVALID_ARGUMENT', 'ratePercent'],
      ['rate negative', post({ ratePercent: '-1' }), 400, 'INVALID_ARGUMENT', 'ratePercent'],
      ['rate with 5 decimals', post({ ratePercent: '19.00001' }), 400, 'INVALID_ARGUMENT', 'ratePercent'],
      ['rate as a JSON number', post({ ratePercent: 19 }), 400, 'INVALID_ARGUMENT', 'ratePercent'],
      ['category unknown', post({ category: 'ZERO' }), 400, 'INVALID_ARGUMENT', 'category'],
      ['jurisdiction a name', post({ jurisdiction: 'Germany' }), 400, 'INVALID_ARGUMENT', 'jurisdiction'],
      ['validFrom not a date', post({ validFrom: '2026-02-30' }), 400, 'INVALID_ARGUMENT', 'validFrom'],
      ['validTo before validFrom', post({ validTo: '2025-12-31' }), 400, 'INVALID_ARGUMENT', 'validTo'],
      ['validTo equal to validFrom', post({ validTo: '2026-01-01' }), 400, 'INVALID_ARGUMENT', 'validTo'],
      ['overlap', post({ jurisdiction: 'DE' }), 422, 'FAILED_PRECONDITION', 'validFrom'],
      ['list without jurisdiction', { method: 'GET', url: '/v1/tax-rates' }, 400, 'INVALID_ARGUMENT', 'jurisdiction'],
    ]);
  });
});

describe('product charges', () => {
  const MONTHLY = {
    name: 'Monthly fee',
    kind: 'RECURRING',
    period: 'MONTHLY',
    billing: 'ADVANCE',
    prorated: true,
    amount: '1999',
    currency: 'EUR',
    taxCategory: 'STANDARD',
  };
  const LEASE = {
    name: 'Handset lease',
    kind: 'INSTALMENT',
    instalmentCount: 24,
    amount: '2500',
    currency: 'EUR',
    taxCategory: 'STANDARD',
  };
  const ACTIVATION = { name: 'Activation', kind: 'ACTIVATION', amount: '4999', currency: 'EUR', taxCategory: 'REDUCED' };

  it('adds recurring, instalment and one-time charges, lists them, audits each', async () => {
    const monthly = await call({ method: 'POST', url: '/v1/products/prd-bc/charges', body: { ...MONTHLY, id: 'chg-a-monthly' } });
    expect([monthly.status, monthly.body]).toEqual([
      201,
      { ...MONTHLY, id: 'chg-a-monthly', productId: 'prd-bc', instalmentCount: null, createdAt: expect.any(String) },
    ]);
    const lease = await call({ method: 'POST', url: '/v1/products/prd-bc/charges', body: { ...LEASE, id: 'chg-b-lease' } });
    expect([lease.status, lease.body.instalmentCount, lease.body.period, lease.body.prorated]).toEqual([201, 24, null, null]);
    const big = await call({
      method: 'POST',
      url: '/v1/products/prd-bc/charges',
      body: { ...ACTIVATION, id: 'chg-c-act', amount: String(AMOUNT_MINOR_MAX) },
    });
    expect([big.status, big.body.amount]).toEqual([201, String(AMOUNT_MINOR_MAX)]);
    const list = await call({ method: 'GET', url: '/v1/products/prd-bc/charges', key: READ_KEY });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual(['chg-a-monthly', 'chg-b-lease', 'chg-c-act']);
    const stored = await pg.query(`select amount_minor::text as a from product_charge where id = 'chg-c-act'`);
    expect(stored.rows[0].a).toBe(String(AMOUNT_MINOR_MAX));
    const audit = await pg.query(`select count(*)::int as n from audit_log where action = 'product_charge.create'`);
    expect(audit.rows[0].n).toBe(3);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const post = (body: object, product = 'prd-bc'): Call => ({ method: 'POST', url: `/v1/products/${product}/charges`, body });
    await expectRefused([
      ['recurring without period', post({ ...MONTHLY, period: undefined }), 400, 'INVALID_ARGUMENT', 'period'],
      ['recurring without billing', post({ ...MONTHLY, billing: undefined }), 400, 'INVALID_ARGUMENT', 'billing'],
      ['recurring without prorated', post({ ...MONTHLY, prorated: undefined }), 400, 'INVALID_ARGUMENT', 'prorated'],
      ['recurring with parts', post({ ...MONTHLY, instalmentCount: 3 }), 400, 'INVALID_ARGUMENT', 'instalmentCount'],
      ['period WEEKLY', post({ ...MONTHLY, period: 'WEEKLY' }), 400, 'INVALID_ARGUMENT', 'period'],
      ['instalment without parts', post({ ...LEASE, instalmentCount: undefined }), 400, 'INVALID_ARGUMENT', 'instalmentCount'],
      ['instalment with 1 part', post({ ...LEASE, instalmentCount: 1 }), 400, 'INVALID_ARGUMENT', 'instalmentCount'],
      [
        'instalment beyond the maximum',
        post({ ...LEASE, instalmentCount: INSTALMENT_COUNT_MAX + 1 }),
        400,
        'INVALID_ARGUMENT',
        'instalmentCount',
      ],
      ['instalment with a period', post({ ...LEASE, period: 'MONTHLY' }), 400, 'INVALID_ARGUMENT', 'period'],
      ['activation prorated', post({ ...ACTIVATION, prorated: false }), 400, 'INVALID_ARGUMENT', 'prorated'],
      ['amount as a JSON number', post({ ...MONTHLY, amount: 1999 }), 400, 'INVALID_ARGUMENT', 'amount'],
      ['amount with decimals', post({ ...MONTHLY, amount: '19.99' }), 400, 'INVALID_ARGUMENT', 'amount'],
      ['amount negative', post({ ...MONTHLY, amount: '-1' }), 400, 'INVALID_ARGUMENT', 'amount'],
      ['amount beyond 2^53 - 1', post({ ...MONTHLY, amount: String(AMOUNT_MINOR_MAX + 1n) }), 400, 'INVALID_ARGUMENT', 'amount'],
      ['currency lower case', post({ ...MONTHLY, currency: 'eur' }), 400, 'INVALID_ARGUMENT', 'currency'],
      ['tax category unknown', post({ ...MONTHLY, taxCategory: 'ZERO' }), 400, 'INVALID_ARGUMENT', 'taxCategory'],
      ['kind unknown', post({ ...MONTHLY, kind: 'USAGE' }), 400, 'INVALID_ARGUMENT', 'kind'],
      ['product missing', post(MONTHLY, 'prd-none'), 404, 'NOT_FOUND', undefined as unknown as string],
      ['taken id', post({ ...MONTHLY, id: 'chg-a-monthly' }), 409, 'ALREADY_EXISTS', undefined as unknown as string],
    ]);
  });

  it('adds allowance templates to a recurring charge, lists them, audits each; bad input writes nothing', async () => {
    const url = '/v1/products/prd-bc/charges/chg-a-monthly/allowances';
    const data = await call({ method: 'POST', url, body: { id: 'alw-data', unit: 'BYTES', ratingGroups: [20, 10], units: 5_000_000_000 } });
    expect([data.status, data.body]).toEqual([
      201,
      {
        id: 'alw-data',
        chargeId: 'chg-a-monthly',
        unit: 'BYTES',
        ratingGroups: [10, 20],
        units: 5_000_000_000,
        createdAt: expect.any(String),
      },
    ]);
    const voice = await call({ method: 'POST', url, body: { unit: 'SECONDS', units: 6000 } });
    expect([voice.status, voice.body.id.startsWith('alw'), voice.body.ratingGroups]).toEqual([201, true, []]);
    const list = await call({ method: 'GET', url, key: READ_KEY });
    expect(list.body.items.map((a: { unit: string }) => a.unit).sort()).toEqual(['BYTES', 'SECONDS']);
    const audit = await pg.query(`select count(*)::int as n from audit_log where action = 'charge_allowance.create'`);
    expect(audit.rows[0].n).toBe(2);
    const post = (body: object, u = url): Call => ({ method: 'POST', url: u, body });
    const none = undefined as unknown as string;
    await expectRefused([
      ['unit unknown', post({ unit: 'EUROS', units: 1 }), 400, 'INVALID_ARGUMENT', 'unit'],
      ['units zero', post({ unit: 'BYTES', units: 0 }), 400, 'INVALID_ARGUMENT', 'units'],
      ['units as text', post({ unit: 'BYTES', units: '10' }), 400, 'INVALID_ARGUMENT', 'units'],
      ['rating group twice', post({ unit: 'BYTES', units: 1, ratingGroups: [1, 1] }), 400, 'INVALID_ARGUMENT', 'ratingGroups'],
      ['rating group negative', post({ unit: 'BYTES', units: 1, ratingGroups: [-1] }), 400, 'INVALID_ARGUMENT', 'ratingGroups'],
      [
        'bad charge id',
        post({ unit: 'BYTES', units: 1 }, '/v1/products/prd-bc/charges/bad%20id/allowances'),
        400,
        'INVALID_ARGUMENT',
        'chargeId',
      ],
      ['charge missing', post({ unit: 'BYTES', units: 1 }, '/v1/products/prd-bc/charges/chg-none/allowances'), 404, 'NOT_FOUND', none],
      [
        'charge of another product',
        post({ unit: 'BYTES', units: 1 }, '/v1/products/prd-none/charges/chg-a-monthly/allowances'),
        404,
        'NOT_FOUND',
        none,
      ],
      [
        'not a recurring charge',
        post({ unit: 'BYTES', units: 1 }, '/v1/products/prd-bc/charges/chg-b-lease/allowances'),
        422,
        'FAILED_PRECONDITION',
        'chargeId',
      ],
      ['taken id', post({ id: 'alw-data', unit: 'BYTES', units: 1 }), 409, 'ALREADY_EXISTS', none],
    ]);
  });
});

describe('discounts', () => {
  const BUNDLE = {
    name: 'Fixed + mobile',
    kind: 'PERCENT',
    percent: '10',
    scope: 'INVOICE',
    requiredProductIds: ['prd-fixed', 'prd-bc'],
    validFrom: '2026-01-01',
  };

  beforeAll(async () => {
    expect((await call({ method: 'POST', url: '/v1/products', body: { id: 'prd-fixed', name: 'Fixed line' } })).status).toBe(201);
  });

  it('creates percent (cross-product, invoice), fixed (on a charge) and service discounts and reads them back', async () => {
    const bundle = await call({ method: 'POST', url: '/v1/discounts', body: { ...BUNDLE, id: 'dis-bundle' } });
    expect([bundle.status, bundle.body]).toEqual([
      201,
      {
        ...BUNDLE,
        id: 'dis-bundle',
        requiredProductIds: ['prd-bc', 'prd-fixed'],
        amount: null,
        currency: null,
        chargeId: null,
        service: null,
        validTo: null,
        createdAt: expect.any(String),
      },
    ]);
    const fixed = await call({
      method: 'POST',
      url: '/v1/discounts',
      body: {
        id: 'dis-fee',
        name: 'Fee -5',
        kind: 'FIXED',
        amount: '500',
        currency: 'EUR',
        scope: 'CHARGE',
        chargeId: 'chg-a-monthly',
        validFrom: '2026-01-01',
        validTo: '2026-07-01',
      },
    });
    expect([fixed.status, fixed.body.amount, fixed.body.chargeId, fixed.body.percent]).toEqual([201, '500', 'chg-a-monthly', null]);
    const data = await call({
      method: 'POST',
      url: '/v1/discounts',
      body: { id: 'dis-data', name: 'Data', kind: 'PERCENT', percent: '100', scope: 'SERVICE', service: 'data', validFrom: '2026-01-01' },
    });
    expect([data.status, data.body.service, data.body.percent]).toEqual([201, 'data', '100']);
    expect((await call({ method: 'GET', url: '/v1/discounts/dis-fee', key: READ_KEY })).body).toEqual(fixed.body);
  });

  it('bad input is refused naming the field, nothing written', async () => {
    const post = (body: object): Call => ({ method: 'POST', url: '/v1/discounts', body: { ...BUNDLE, ...body } });
    const fixed = { kind: 'FIXED', percent: undefined, amount: '500', currency: 'EUR' };
    await expectRefused([
      ['percent 0', post({ percent: '0' }), 400, 'INVALID_ARGUMENT', 'percent'],
      ['percent above 100', post({ percent: '100.5' }), 400, 'INVALID_ARGUMENT', 'percent'],
      ['percent as a JSON number', post({ percent: 10 }), 400, 'INVALID_ARGUMENT', 'percent'],
      ['percent missing', post({ percent: undefined }), 400, 'INVALID_ARGUMENT', 'percent'],
      ['percent with an amount', post({ amount: '1' }), 400, 'INVALID_ARGUMENT', 'amount'],
      ['fixed with a percent', post({ ...fixed, percent: '5' }), 400, 'INVALID_ARGUMENT', 'percent'],
      ['fixed amount 0', post({ ...fixed, amount: '0' }), 400, 'INVALID_ARGUMENT', 'amount'],
      ['fixed without currency', post({ ...fixed, currency: undefined }), 400, 'INVALID_ARGUMENT', 'currency'],
      ['charge scope without a charge', post({ scope: 'CHARGE' }), 400, 'INVALID_ARGUMENT', 'chargeId'],
      ['invoice scope naming a service', post({ service: 'data' }), 400, 'INVALID_ARGUMENT', 'service'],
      ['service with a space', post({ scope: 'SERVICE', service: 'mobile data' }), 400, 'INVALID_ARGUMENT', 'service'],
      ['scope unknown', post({ scope: 'LINE' }), 400, 'INVALID_ARGUMENT', 'scope'],
      ['a required product twice', post({ requiredProductIds: ['prd-bc', 'prd-bc'] }), 400, 'INVALID_ARGUMENT', 'requiredProductIds'],
      [
        'too many required products',
        post({ requiredProductIds: Array.from({ length: REQUIRED_PRODUCTS_PER_DISCOUNT_MAX + 1 }, (_, i) => `p${i}`) }),
        400,
        'INVALID_ARGUMENT',
        'requiredProductIds',
      ],
      ['validTo before validFrom', post({ validTo: '2025-01-01' }), 400, 'INVALID_ARGUMENT', 'validTo'],
      ['validFrom not a date', post({ validFrom: 'tomorrow' }), 400, 'INVALID_ARGUMENT', 'validFrom'],
      ['required product missing', post({ requiredProductIds: ['prd-bc', 'prd-none'] }), 422, 'FAILED_PRECONDITION', 'requiredProductIds'],
      ['charge missing', post({ ...fixed, scope: 'CHARGE', chargeId: 'chg-none' }), 422, 'FAILED_PRECONDITION', 'chargeId'],
      [
        'currency other than the charge',
        post({ ...fixed, currency: 'USD', scope: 'CHARGE', chargeId: 'chg-a-monthly' }),
        422,
        'FAILED_PRECONDITION',
        'currency',
      ],
      ['taken id', post({ id: 'dis-bundle' }), 409, 'ALREADY_EXISTS', undefined as unknown as string],
    ]);
  });
});

describe('subscription lifecycle', () => {
  const MSISDN = '4915100000042';
  const IMSI = '262010000000042';
  const URL = '/v1/subscriptions/sub-life';

  beforeAll(async () => {
    const sub = await call({
      method: 'POST',
      url: '/v1/subscriptions',
      body: { id: 'sub-life', msisdn: MSISDN, imsi: IMSI, accountId: 'acc-bc', productId: 'prd-bc' },
    });
    expect(sub.status).toBe(201);
  });

  it('suspend unroutes (the subscriber cannot charge, also after a rebuild), resume routes again, product change and cancel are events', async () => {
    const engine = app.get<BalanceEngine>(BALANCE_ENGINE);
    expect(await engine.resolveSubscriber(MSISDN)).toMatchObject({ accountId: 'acc-bc' });

    const suspended = await call({ method: 'POST', url: `${URL}/suspend` });
    expect([suspended.status, suspended.body.status, suspended.body.event.kind, suspended.body.event.timeZone]).toEqual([
      200,
      'SUSPENDED',
      'SUSPEND',
      'Europe/Berlin',
    ]);
    expect(suspended.body.event.effectiveLocalDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await engine.resolveSubscriber(MSISDN)).toBeUndefined();
    expect(await engine.resolveSubscriber(IMSI)).toBeUndefined();
    expect((await call({ method: 'GET', url: URL, key: READ_KEY })).body.status).toBe('SUSPENDED');

    await deleteKeys(redis, `${prefix}*`);
    const rebuild = await call({ method: 'POST', url: '/v1/admin/rebuild-projection', body: { all: true } });
    expect(rebuild.status).toBe(200);
    expect(await engine.resolveSubscriber(MSISDN)).toBeUndefined();

    const resumed = await call({ method: 'POST', url: `${URL}/resume` });
    expect([resumed.status, resumed.body.status]).toEqual([200, 'ACTIVE']);
    expect(await engine.resolveSubscriber(MSISDN)).toMatchObject({ accountId: 'acc-bc' });
    expect(await engine.resolveSubscriber(IMSI)).toMatchObject({ accountId: 'acc-bc' });

    const changed = await call({ method: 'POST', url: `${URL}/change-product`, body: { productId: 'prd-fixed' } });
    expect([changed.status, changed.body.productId, changed.body.event.fromProductId, changed.body.event.toProductId]).toEqual([
      200,
      'prd-fixed',
      'prd-bc',
      'prd-fixed',
    ]);
    expect(await engine.resolveSubscriber(MSISDN)).toMatchObject({ accountId: 'acc-bc' });

    const cancelled = await call({ method: 'POST', url: `${URL}/cancel` });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    expect(await engine.resolveSubscriber(MSISDN)).toBeUndefined();

    const events = await call({ method: 'GET', url: `${URL}/lifecycle-events`, key: READ_KEY });
    expect(events.body.items.map((e: { kind: string }) => e.kind)).toEqual(['ACTIVATE', 'SUSPEND', 'RESUME', 'CHANGE_PRODUCT', 'CANCEL']);
    const audit = await pg.query(
      `select action from audit_log where entity_id = 'sub-life' and action <> 'subscription.create' order by id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'subscription.suspend',
      'subscription.resume',
      'subscription.change_product',
      'subscription.cancel',
    ]);
  });

  it('changes not allowed in the state, or with bad input, are refused and write nothing', async () => {
    await expectRefused([
      [
        'resume a cancelled subscription',
        { method: 'POST', url: `${URL}/resume` },
        422,
        'FAILED_PRECONDITION',
        undefined as unknown as string,
      ],
      [
        'suspend a cancelled subscription',
        { method: 'POST', url: `${URL}/suspend` },
        422,
        'FAILED_PRECONDITION',
        undefined as unknown as string,
      ],
      ['cancel twice', { method: 'POST', url: `${URL}/cancel` }, 422, 'FAILED_PRECONDITION', undefined as unknown as string],
      [
        'change product without a product',
        { method: 'POST', url: `${URL}/change-product`, body: {} },
        400,
        'INVALID_ARGUMENT',
        'productId',
      ],
      [
        'change product to a bad id',
        { method: 'POST', url: `${URL}/change-product`, body: { productId: 'a/b' } },
        400,
        'INVALID_ARGUMENT',
        'productId',
      ],
      [
        'subscription missing',
        { method: 'POST', url: '/v1/subscriptions/sub-none/suspend' },
        404,
        'NOT_FOUND',
        undefined as unknown as string,
      ],
      [
        'read role cannot suspend',
        { method: 'POST', url: `${URL}/suspend`, key: READ_KEY },
        403,
        'FORBIDDEN_ROLE',
        undefined as unknown as string,
      ],
    ]);
    const res = await call({ method: 'POST', url: `${URL}/resume` });
    expect(res.body.reason).toBe('INVALID_TRANSITION');
  });
});

describe('OpenAPI', () => {
  it('documents the billing catalog routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/v1/legal-entities',
      '/v1/legal-entities/{id}',
      '/v1/legal-entities/{id}/postal-address',
      '/v1/legal-entities/{id}/electronic-address',
      '/v1/accounts/{id}/billing-terms',
      '/v1/tax-rates',
      '/v1/products/{id}/charges',
      '/v1/products/{id}/charges/{chargeId}/allowances',
    ]) {
      expect([path, doc.paths[path] !== undefined]).toEqual([path, true]);
    }
    // The structured addresses of e-invoices, with their parts.
    expect(Object.keys(doc.components.schemas.PostalAddressBody.properties)).toEqual([
      'street',
      'additionalStreet',
      'city',
      'postalCode',
      'countryCode',
    ]);
    expect(doc.components.schemas.PostalAddressBody.required).toEqual(['street', 'city', 'countryCode']);
  });
});
