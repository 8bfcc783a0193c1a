/**
 * Dunning against the real charging app (src/testing/charging-process.ts: main.ts as a child process
 * with its own PostgreSQL database, Redis prefix and nats-server; this spec talks to it only through
 * its REST and gRPC APIs, as collections does), on a fake clock: reminder on D+3, warning on D+10, the
 * soft bar through charging's provisioning API on D+14 (a data session is then answered
 * END_USER_SERVICE_DENIED, a call to a free freephone number still SUCCESS), the hard bar on D+21 (the
 * freephone call denied too), and the payment that clears what is overdue lifts the bar: charging
 * answers the next StartSession with SUCCESS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, startNats, type StartedServer } from '@app/devstack';
import { ChargingServiceClient, ResultCode, StartSessionRequest, StartSessionResponse, UnitType } from '@app/proto';
import { DEMO_POSTPAID_PLAN, type PricePlan, RatingGroups } from '@app/rating';
import { dunningAfterPayments } from '../src/api/collections.module';
import type { AfterPaymentFailures } from '../src/dunning/after-payment-failures';

/** Failures of the hook, which must not fail here (checked empty after the import). */
const hookFailures: unknown[] = [];
const noFailures: AfterPaymentFailures = { failed: (count, listed) => void hookFailures.push({ count, listed }) };
import { ChargingBarring } from '../src/dunning/barring';
import { Dunning } from '../src/dunning/dunning';
import { PaymentApplier } from '../src/matching/apply-payment';
import { ImportStatement, ImportStatementCommand } from '../src/payments/import-statement.usecase';
import { type ChargingProcess, chargingProcess } from '../src/testing/charging-process';
import { seedReceivables } from '../src/testing/receivables-fixtures';

const API_KEY = 'dunning-charging-key';
const ACCOUNT = 'acc-dc-1';
const MSISDN = '33617770001';
const MB = 1_048_576n;
const FREEPHONE = '33800123456';
/** The demo business plan with a freephone zone whose calls cost nothing: what a soft bar still lets through. */
const PLAN: PricePlan = {
  ...DEMO_POSTPAID_PLAN,
  zones: [{ id: 'FREEPHONE', name: 'Freephone', prefixes: ['33800'] }, ...DEMO_POSTPAID_PLAN.zones],
  elements: [
    {
      id: 'voice-freephone',
      ratingGroup: RatingGroups.VOICE,
      zones: ['FREEPHONE'],
      roaming: false,
      unit: 'SECONDS',
      price: '0',
      per: 60,
      firstUnits: 1,
      nextUnits: 1,
    },
    ...DEMO_POSTPAID_PLAN.elements,
  ],
};
const at = (day: string) => Date.parse(`${day}T06:00:00Z`);

describe('dunning against the real charging app', () => {
  let dir: string;
  let nats: StartedServer;
  let charging: ChargingProcess;
  let client: ChargingServiceClient;
  let pool: Pool;
  let dunning: Dunning;
  let sessions = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-dunning-charging-'));
    nats = await startNats({ dir });
    charging = await chargingProcess({ natsUrl: nats.url, apiKey: API_KEY, label: 'dunchgc' });
    await charging.start();
    client = new ChargingServiceClient(charging.grpcAddress, credentials.createInsecure());
    const plan = PLAN;
    expect((await charging.rest('POST', '/v1/products', { id: 'prd-dc', name: 'dc' })).status).toBe(201);
    expect((await charging.rest('POST', '/v1/price-plans', { productId: 'prd-dc', plan })).status).toBe(201);
    expect((await charging.rest('POST', '/v1/customers', { id: 'cus-dc', name: 'dc' })).status).toBe(201);
    const account = await charging.rest('POST', '/v1/accounts', {
      id: ACCOUNT,
      customerId: 'cus-dc',
      type: 'POSTPAID',
      currency: 'EUR',
      timeZone: 'Europe/Paris',
      cycleDay: 1,
      planId: plan.id,
      creditLimit: '100.00',
    });
    expect(account.status).toBe(201);
    const subscription = await charging.rest('POST', '/v1/subscriptions', {
      id: 'sub-dc-1',
      msisdn: MSISDN,
      imsi: '208017770000001',
      accountId: ACCOUNT,
      productId: 'prd-dc',
    });
    expect(subscription.status).toBe(201);
    const url = await createTestDatabase('dunchg');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 4 });
    // The same billing account on the receivables side: one invoice issued 2026-11-01, due 2026-11-15.
    await seedReceivables(pool, {
      accounts: [ACCOUNT],
      invoices: [{ n: 1, accountId: ACCOUNT, grossMinor: 12000n, issueDate: '2026-11-01' }],
      at: new Date(Date.UTC(2026, 10, 1)),
    });
    dunning = new Dunning(pool, new ChargingBarring(charging.httpBase, API_KEY));
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await pool?.end();
    await charging?.stop();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A data session's (or a freephone call's) StartSession result code (each call a new session). */
  function startSession(what: 'data' | 'freephone' = 'data'): Promise<ResultCode> {
    const req = StartSessionRequest.fromPartial({
      sessionId: `sess-dc-${++sessions}`,
      requestNumber: 0,
      subscriber: { msisdn: MSISDN },
      ...(what === 'data'
        ? { services: [{ ratingGroup: RatingGroups.DATA, requestedUnits: MB, unit: UnitType.BYTES }] }
        : { calledNumber: FREEPHONE, services: [{ ratingGroup: RatingGroups.VOICE, requestedUnits: 60n, unit: UnitType.SECONDS }] }),
    });
    return new Promise((resolve, reject) =>
      client.startSession(req, new Metadata(), { deadline: Date.now() + 10_000 }, (err: ServiceError | null, res: StartSessionResponse) =>
        err ? reject(err) : resolve(res.resultCode),
      ),
    );
  }

  it('bars on its day through charging, and the payment that clears the overdue amount lets the next StartSession succeed', async () => {
    expect(await startSession()).toBe(ResultCode.SUCCESS);
    expect((await dunning.evaluateAccount(ACCOUNT, '2026-11-18', at('2026-11-18'))).stepsTaken).toEqual(['REMINDER_EMAIL']);
    expect((await dunning.evaluateAccount(ACCOUNT, '2026-11-25', at('2026-11-25'))).stepsTaken).toEqual(['WARNING_SMS_EMAIL']);
    expect(await startSession()).toBe(ResultCode.SUCCESS);
    expect(await startSession('freephone')).toBe(ResultCode.SUCCESS);
    expect((await dunning.evaluateAccount(ACCOUNT, '2026-11-29', at('2026-11-29'))).stepsTaken).toEqual(['SOFT_BAR']);
    expect((await charging.rest('GET', `/v1/accounts/${ACCOUNT}`)).body).toMatchObject({ status: 'SOFT_BARRED' });
    expect(await startSession()).toBe(ResultCode.END_USER_SERVICE_DENIED);
    expect(await startSession('freephone')).toBe(ResultCode.SUCCESS);
    expect((await dunning.evaluateAccount(ACCOUNT, '2026-12-06', at('2026-12-06'))).stepsTaken).toEqual(['HARD_BAR']);
    expect((await charging.rest('GET', `/v1/accounts/${ACCOUNT}`)).body).toMatchObject({ status: 'BARRED' });
    expect(await startSession()).toBe(ResultCode.END_USER_SERVICE_DENIED);
    expect(await startSession('freephone')).toBe(ResultCode.END_USER_SERVICE_DENIED);

    const camt = `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct><Ntry><Amt Ccy="EUR">120.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-07</Dt></BookgDt><ValDt><Dt>2026-12-07</Dt></ValDt><AcctSvcrRef>DC-1</AcctSvcrRef>
      <NtryDtls><TxDtls><RmtInf><Ustrd>INV2026-000001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`;
    const clock = { nowMs: () => at('2026-12-07') };
    // As the collections process wires it: the applier re-evaluates the account's dunning after its payment.
    const importer = new ImportStatement(pool, clock, new PaymentApplier(pool, dunningAfterPayments(dunning, clock, noFailures)));
    const summary = await importer.execute(
      ImportStatementCommand.create({ fileName: 'dc.xml', sha256: 'c'.repeat(64), requestedBy: 'spec' }),
      [camt],
    );
    expect(summary).toMatchObject({ paymentsCreated: 1, rejected: 0 });
    expect(hookFailures).toEqual([]);
    expect(await dunning.accountState(ACCOUNT)).toMatchObject({ barredByDunning: false, cases: [{ status: 'CLOSED' }] });
    expect((await charging.rest('GET', `/v1/accounts/${ACCOUNT}`)).body).toMatchObject({ status: 'ACTIVE' });
    expect(await startSession()).toBe(ResultCode.SUCCESS);
  });
});
