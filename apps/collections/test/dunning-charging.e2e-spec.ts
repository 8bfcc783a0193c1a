/**
 * Dunning against the real charging app (apps/charging/src/main.ts as a child process, as a
 * Deployment runs it, with its own PostgreSQL database, Redis prefix and nats-server; this spec
 * talks to it only through its REST and gRPC APIs, as collections does), on a fake clock: reminder on D+3, warning on D+10, the
 * bar through charging's provisioning API on D+14 (StartSession then answered
 * END_USER_SERVICE_DENIED), and the payment that clears what is overdue lifts the bar: charging
 * answers the next StartSession with SUCCESS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase, freePort, requireEnv, startNats, type StartedServer, uniqueId, waitFor } from '@app/devstack';
import { ChargingServiceClient, ResultCode, StartSessionRequest, StartSessionResponse, UnitType } from '@app/proto';
import { DEMO_POSTPAID_PLAN, RatingGroups } from '@app/rating';
import { dunningAfterPayment } from '../src/api/collections.module';
import { ChargingBarring } from '../src/dunning/barring';
import { Dunning } from '../src/dunning/dunning';
import { PaymentApplier } from '../src/matching/apply-payment';
import { ImportStatement, ImportStatementCommand } from '../src/payments/import-statement.usecase';
import { seedReceivables } from '../src/testing/receivables-fixtures';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const API_KEY = 'dunning-charging-key';
/** ts-node compiles the charging app on start: time for a busy machine. */
const CHARGING_START_TIMEOUT_MS = 90_000;
const ACCOUNT = 'acc-dc-1';
const MSISDN = '33617770001';
const MB = 1_048_576n;
const at = (day: string) => Date.parse(`${day}T06:00:00Z`);

async function rest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('dunning against the real charging app', () => {
  let dir: string;
  let nats: StartedServer;
  let charging: ChildProcess;
  let httpBase: string;
  let client: ChargingServiceClient;
  let pool: Pool;
  let dunning: Dunning;
  let sessions = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-dunning-charging-'));
    nats = await startNats({ dir });
    const chargingDb = await createTestDatabase('dunchgc');
    await migrate(chargingDb);
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    httpBase = `http://127.0.0.1:${httpPort}`;
    charging = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/main.ts'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          REDIS_URL: requireEnv('REDIS_URL'),
          NATS_URL: nats.url,
          DATABASE_URL: chargingDb,
          RATEL_REDIS_PREFIX: `${uniqueId('dunchg')}:`,
          RATEL_GRPC_HOST: '127.0.0.1',
          RATEL_GRPC_PORT: String(grpcPort),
          RATEL_GRPC_INSECURE: 'true',
          RATEL_HTTP_HOST: '127.0.0.1',
          RATEL_HTTP_PORT: String(httpPort),
          RATEL_API_KEYS: `${API_KEY}:read+write`,
          RATEL_LOG_LEVEL: 'warn',
        },
      },
    );
    await waitFor(
      'charging ready',
      async () => (await fetch(`${httpBase}/readyz`).catch(() => undefined))?.ok === true,
      CHARGING_START_TIMEOUT_MS,
      200,
    );
    client = new ChargingServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const plan = DEMO_POSTPAID_PLAN;
    expect((await rest(httpBase, 'POST', '/v1/products', { id: 'prd-dc', name: 'dc' })).status).toBe(201);
    expect((await rest(httpBase, 'POST', '/v1/price-plans', { productId: 'prd-dc', plan })).status).toBe(201);
    expect((await rest(httpBase, 'POST', '/v1/customers', { id: 'cus-dc', name: 'dc' })).status).toBe(201);
    const account = await rest(httpBase, 'POST', '/v1/accounts', {
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
    const subscription = await rest(httpBase, 'POST', '/v1/subscriptions', {
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
    dunning = new Dunning(pool, new ChargingBarring(httpBase, API_KEY));
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await pool?.end();
    if (charging && charging.exitCode === null && charging.signalCode === null) {
      const exited = new Promise((r) => charging.once('exit', r));
      charging.kill('SIGTERM');
      await exited;
    }
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A data session's StartSession result code (each call a new session). */
  function startSession(): Promise<ResultCode> {
    const req = StartSessionRequest.fromPartial({
      sessionId: `sess-dc-${++sessions}`,
      requestNumber: 0,
      subscriber: { msisdn: MSISDN },
      services: [{ ratingGroup: RatingGroups.DATA, requestedUnits: MB, unit: UnitType.BYTES }],
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
    expect((await dunning.evaluateAccount(ACCOUNT, '2026-11-29', at('2026-11-29'))).stepsTaken).toEqual(['SOFT_BAR']);
    expect((await rest(httpBase, 'GET', `/v1/accounts/${ACCOUNT}`)).body).toMatchObject({ status: 'BARRED' });
    expect(await startSession()).toBe(ResultCode.END_USER_SERVICE_DENIED);
    expect((await dunning.evaluateAccount(ACCOUNT, '2026-12-06', at('2026-12-06'))).stepsTaken).toEqual(['HARD_BAR']);
    expect(await startSession()).toBe(ResultCode.END_USER_SERVICE_DENIED);

    const camt = `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct><Ntry><Amt Ccy="EUR">120.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-07</Dt></BookgDt><ValDt><Dt>2026-12-07</Dt></ValDt><AcctSvcrRef>DC-1</AcctSvcrRef>
      <NtryDtls><TxDtls><RmtInf><Ustrd>INV2026-000001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`;
    const clock = { nowMs: () => at('2026-12-07') };
    // As the collections process wires it: the applier re-evaluates the account's dunning after its payment.
    const importer = new ImportStatement(pool, clock, new PaymentApplier(pool, dunningAfterPayment(dunning, clock)));
    const summary = await importer.execute(
      ImportStatementCommand.create({ fileName: 'dc.xml', sha256: 'c'.repeat(64), requestedBy: 'spec' }),
      [camt],
    );
    expect(summary).toMatchObject({ paymentsCreated: 1, rejected: 0 });
    expect(await dunning.accountState(ACCOUNT)).toMatchObject({ barredByDunning: false, cases: [{ status: 'CLOSED' }] });
    expect((await rest(httpBase, 'GET', `/v1/accounts/${ACCOUNT}`)).body).toMatchObject({ status: 'ACTIVE' });
    expect(await startSession()).toBe(ResultCode.SUCCESS);
  });
});
