/**
 * The collections process (apps/collections/src/main.ts under ts-node) on a real PostgreSQL: health
 * and metrics, OpenAPI, authentication and roles, a camt.053 statement posted through the API, the
 * payments, allocations and suspense queue read back, a repeated post that changes nothing, bad
 * requests answered precisely, and a clean stop on SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { createTestDatabase } from '@app/devstack';
import { seedReceivables } from '../src/testing/receivables-fixtures';
import { type CollectionsProcess, startCollectionsProcess } from '../src/testing/collections-process';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = readFileSync(join(__dirname, 'fixtures', 'camt053-mixed.xml'));
const OPERATOR_KEY = 'e2e-operator-key';
const VIEWER_KEY = 'e2e-viewer-key';

let collections: CollectionsProcess;
let base: string;
let pool: Pool;

async function call(
  method: string,
  path: string,
  o: { key?: string; body?: Buffer | string; type?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.key !== undefined) headers['x-api-key'] = o.key;
  if (o.type !== undefined) headers['content-type'] = o.type;
  const res = await fetch(`${base}${path}`, { method, headers, body: o.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text (healthz, metrics)
  }
  return { status: res.status, body: body as Record<string, unknown> & { items?: Record<string, unknown>[] } };
}

beforeAll(async () => {
  const url = await createTestDatabase('collections');
  await migrate(url);
  pool = new Pool({ connectionString: url, max: 2 });
  await seedReceivables(pool, {
    accounts: ['acc-1', 'acc-2', 'acc-3', 'acc-4'],
    invoices: [
      { n: 1, accountId: 'acc-1', grossMinor: 12000n, issueDate: '2026-11-01' },
      { n: 2, accountId: 'acc-1', grossMinor: 10000n, issueDate: '2026-11-01' },
      { n: 5, accountId: 'acc-3', grossMinor: 3000n, issueDate: '2026-11-01' },
      { n: 8, accountId: 'acc-4', grossMinor: 4000n, issueDate: '2026-11-01' },
    ],
    at: new Date(Date.UTC(2026, 11, 1)),
  });
  collections = await startCollectionsProcess({
    DATABASE_URL: url,
    RATEL_API_KEYS: `${OPERATOR_KEY}:collections+read,${VIEWER_KEY}:read`,
    DD_CREDITOR_NAME: 'Ratel Telecom GmbH',
    DD_CREDITOR_IBAN: 'DE89370400440532013000',
    DD_CREDITOR_ID: 'DE98ZZZ09999999999',
    // Credit is applied on POST /v1/collections/credits/apply here, so that the tests see each step.
    CREDIT_APPLY_INTERVAL_MS: '0',
  });
  base = collections.base;
});

afterAll(async () => {
  await collections?.kill();
  await pool?.end();
});

describe('collections process', () => {
  it('answers health, readiness, metrics and OpenAPI without credentials', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect(await call('GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    const openApi = await call('GET', '/openapi.json');
    expect(Object.keys(openApi.body.paths as object)).toEqual(
      expect.arrayContaining([
        '/v1/collections/statements',
        '/v1/collections/payments',
        '/v1/collections/suspense',
        '/v1/collections/allocations',
      ]),
    );
  });

  it('refuses a post without credentials (401) and with a read-only key (403), changing nothing', async () => {
    const anonymous = await call('POST', '/v1/collections/statements', { body: FIXTURE, type: 'application/xml' });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    const viewer = await call('POST', '/v1/collections/statements', { key: VIEWER_KEY, body: FIXTURE, type: 'application/xml' });
    expect([viewer.status, viewer.body.code, viewer.body.requiredRole]).toEqual([403, 'FORBIDDEN_ROLE', 'collections']);
    expect((await pool.query('select count(*)::int as n from payment')).rows[0].n).toBe(0);
  });

  it('imports a camt.053 statement posted by an operator, then reads payments, allocations and the suspense queue', async () => {
    const posted = await call('POST', '/v1/collections/statements?fileName=dec-02.xml', {
      key: OPERATOR_KEY,
      body: FIXTURE,
      type: 'application/xml',
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ format: 'CAMT_053', status: 'DONE', paymentsCreated: 6, duplicates: 0, skipped: 2, rejected: 3 });
    const stored = await call('GET', `/v1/collections/statements/${String(posted.body.importId)}`, { key: VIEWER_KEY });
    expect(stored.body).toMatchObject({ fileName: 'dec-02.xml', requestedBy: expect.stringMatching(/^apikey:/), rejected: 3 });
    expect((stored.body.rejections as unknown[]).length).toBe(3);

    const suspense = await call('GET', '/v1/collections/suspense', { key: VIEWER_KEY });
    expect(suspense.body.total).toBe(1);
    expect(suspense.body.items![0]).toMatchObject({ bankReference: 'BNK-0005', amountMinor: '1000', status: 'SUSPENSE', accountId: null });

    const credit = await call('GET', '/v1/collections/payments?accountId=acc-3', { key: VIEWER_KEY });
    expect(credit.body.items!.map((p) => [p.bankReference, p.status, p.unappliedMinor])).toEqual([['BNK-0004-A', 'UNAPPLIED', '2000']]);
    const one = await call('GET', `/v1/collections/payments/${String(credit.body.items![0].id)}`, { key: VIEWER_KEY });
    expect((one.body.allocations as Record<string, unknown>[]).map((a) => [a.documentId, a.amountMinor])).toEqual([['doc-5', '3000']]);

    const ofDocument = await call('GET', '/v1/collections/allocations?documentId=doc-2', { key: VIEWER_KEY });
    expect(ofDocument.body.items!.map((a) => a.amountMinor)).toEqual(['4000']);
  });

  it('changes nothing when the same statement is posted again', async () => {
    const again = await call('POST', '/v1/collections/statements', { key: OPERATOR_KEY, body: FIXTURE, type: 'text/xml' });
    expect(again.body).toMatchObject({ paymentsCreated: 0, duplicates: 6 });
    // doc-1, doc-2, doc-5 and doc-8 (the others of the statement are not seeded here: acc-2's payment is all account credit)
    expect((await pool.query('select count(*)::int as n from payment_allocation')).rows[0].n).toBe(4);
    const metrics = await call('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/ratel_collections_statement_entries_total\{[^}]*result="created"[^}]*\} 6\n/);
    expect(String(metrics.body)).toMatch(/ratel_collections_statement_entries_total\{[^}]*result="duplicate"[^}]*\} 6\n/);
  });

  it('checks the ledger, and answers the seed-003 account queries: payment status and balance', async () => {
    const checks = await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY });
    expect(checks.status).toBe(200);
    expect(checks.body).toMatchObject({ ok: true, transactions: { unbalanced: 0 }, receivables: { accountsChecked: 4, mismatched: 0 } });
    const status = await call('GET', '/v1/collections/accounts/acc-1/payment-status', { key: VIEWER_KEY });
    // doc-1 paid, doc-2 paid 40.00 of 100.00, both due 2026-11-15: overdue since.
    expect(status.body).toMatchObject({
      accountId: 'acc-1',
      currency: 'EUR',
      standing: 'OVERDUE',
      openDocuments: 1,
      openMinor: '6000',
      overdue: { documents: 1, amountMinor: '6000', oldestDueDate: '2026-11-15' },
      nextDue: null,
    });
    expect((status.body.recentPayments as unknown[]).length).toBeGreaterThan(0);
    const credit = await call('GET', '/v1/collections/accounts/acc-3/balance', { key: VIEWER_KEY });
    expect(credit.body).toEqual({
      accountId: 'acc-3',
      type: 'POSTPAID',
      currency: 'EUR',
      receivablesMinor: '0',
      creditsMinor: '2000',
      netMinor: '-2000',
      creditLimitMinor: '0',
      availableCreditMinor: '2000',
    });
    expect((await call('GET', '/v1/collections/accounts/acc-none/balance', { key: VIEWER_KEY })).status).toBe(404);
    expect((await call('GET', '/v1/collections/accounts/bad%20id/payment-status', { key: VIEWER_KEY })).body.parameter).toBe('accountId');
    expect((await call('GET', '/v1/collections/ledger/checks?acount=x', { key: VIEWER_KEY })).body.parameter).toBe('acount');
    expect((await call('GET', '/v1/collections/ledger/checks')).status).toBe(401);
  });

  it('collects by SEPA direct debit over REST: a mandate, the run and its pain.008 (XSD-valid), settlement, an MD01 return', async () => {
    await seedReceivables(pool, {
      accounts: ['acc-2'],
      invoices: [{ n: 9, accountId: 'acc-2', grossMinor: 2500n, issueDate: '2026-11-01' }],
      at: new Date(Date.UTC(2026, 10, 1)),
    });
    const json = (body: unknown) => ({ key: OPERATOR_KEY, body: JSON.stringify(body), type: 'application/json' });
    const mandate = { mandateId: 'MNDT-E2E', accountId: 'acc-2', debtorName: 'Erika', iban: 'NL91ABNA0417164300', signedOn: '2026-01-01' };
    expect((await call('POST', '/v1/collections/mandates', json(mandate))).status).toBe(201);
    const run = await call('POST', '/v1/collections/direct-debit/runs', json({ collectionDate: '2026-12-20' }));
    expect(run.body).toMatchObject({ created: true, instructions: 1, totalMinor: '2500' });
    const file = await fetch(`${base}/v1/collections/direct-debit/runs/2026-12-20/pain008`, { headers: { 'x-api-key': OPERATOR_KEY } });
    expect(file.headers.get('content-type')).toContain('application/xml');
    const dir = mkdtempSync(join(tmpdir(), 'ratel-dd-e2e-'));
    writeFileSync(join(dir, 'p.xml'), await file.text());
    execFileSync(
      'xmllint',
      ['--noout', '--schema', join(REPO_ROOT, 'apps/collections/src/direct-debit/schemas/pain.008.001.02.xsd'), join(dir, 'p.xml')],
      { stdio: 'pipe' },
    );
    rmSync(dir, { recursive: true, force: true });
    expect((await call('POST', '/v1/collections/direct-debit/runs/2026-12-20/settle', { key: OPERATOR_KEY })).body).toEqual({ settled: 1 });
    expect((await pool.query(`select status from billing_document where id = 'doc-9'`)).rows[0].status).toBe('PAID');
    const e2e = (await pool.query(`select id from dd_instruction where document_id = 'doc-9'`)).rows[0].id;
    const returns = `<Document><CstmrPmtStsRpt><OrgnlPmtInfAndSts><TxInfAndSts><OrgnlEndToEndId>${e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
      <StsRsnInf><Rsn><Cd>MD01</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`;
    const ret = await call('POST', '/v1/collections/direct-debit/returns', { key: OPERATOR_KEY, body: returns, type: 'application/xml' });
    expect(ret.body).toMatchObject({ returns: 1, actions: [{ reasonCode: 'MD01', action: 'STOP_MANDATE' }] });
    expect((await pool.query(`select status from billing_document where id = 'doc-9'`)).rows[0].status).toBe('ISSUED');
    expect((await call('GET', '/v1/collections/mandates?accountId=acc-2', { key: VIEWER_KEY })).body.items![0]).toMatchObject({
      status: 'STOPPED',
    });
    expect((await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY })).body.ok).toBe(true);
    const cases: Array<[string, string, unknown, number, string | undefined]> = [
      ['POST', '/v1/collections/mandates', { ...mandate, mandateId: 'M2', iban: 'NL91ABNA0417164301' }, 400, 'iban'],
      ['POST', '/v1/collections/mandates', { ...mandate, mandateId: 'M2', colour: 'red' }, 400, 'colour'],
      ['POST', '/v1/collections/mandates', { ...mandate, mandateId: 'M2', accountId: 'acc-none' }, 404, undefined],
      ['POST', '/v1/collections/direct-debit/runs', { collectionDate: '20.12.2026' }, 400, 'collectionDate'],
      ['POST', '/v1/collections/direct-debit/returns', '<Document><BkToCstmrStmt/></Document>', 400, 'body'],
    ];
    for (const [method, path, body, status, parameter] of cases) {
      const before = (await pool.query('select (select count(*) from sepa_mandate) + (select count(*) from dd_run) as n')).rows[0].n;
      const r = await call(method, path, typeof body === 'string' ? { key: OPERATOR_KEY, body, type: 'application/xml' } : json(body));
      expect({ path, status: r.status, parameter: r.body.parameter }).toEqual({ path, status, parameter });
      expect((await pool.query('select (select count(*) from sepa_mandate) + (select count(*) from dd_run) as n')).rows[0].n).toBe(before);
    }
  });

  it('serves dunning: policies, a run that reminds, promises to pay, disputes, morale; bad input refused naming the field', async () => {
    const json = (body: unknown) => ({ key: OPERATOR_KEY, body: JSON.stringify(body), type: 'application/json' });
    const policies = await call('GET', '/v1/collections/dunning/policies', { key: VIEWER_KEY });
    expect((policies.body.items as { segment: string }[]).map((p) => p.segment)).toEqual(['BUSINESS', 'CONSUMER']);
    // doc-2 (acc-1, due 2026-11-15, 60.00 of it unpaid) is overdue: on 2026-11-19 only the reminder is due (no bar: charging is not configured here).
    const run = await call('POST', '/v1/collections/dunning/run', json({ date: '2026-11-19' }));
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ failed: [] });
    const state = await call('GET', '/v1/collections/accounts/acc-1/dunning', { key: VIEWER_KEY });
    expect(state.body).toMatchObject({ segment: 'CONSUMER', cases: [{ status: 'OPEN', steps: [{ action: 'REMINDER_EMAIL' }] }] });
    expect((await call('PUT', '/v1/collections/accounts/acc-1/promise-to-pay', json({ until: null, note: 'withdrawn' }))).status).toBe(204);
    expect((await call('POST', '/v1/collections/documents/doc-2/dispute', json({ reason: 'wrong tariff' }))).body).toEqual({
      disputed: true,
    });
    expect((await call('DELETE', '/v1/collections/documents/doc-2/dispute', { key: OPERATOR_KEY })).body).toEqual({ disputed: false });
    expect((await call('GET', '/v1/collections/accounts/acc-1/morale', { key: VIEWER_KEY })).body).toMatchObject({
      accountId: 'acc-1',
      invoicesDue: 2,
    });
    const cases: Array<[string, string, unknown, number, string | undefined]> = [
      ['PUT', '/v1/collections/accounts/acc-1/promise-to-pay', { until: '2020-01-01' }, 400, 'until'],
      ['PUT', '/v1/collections/accounts/acc-1/promise-to-pay', { until: '2026-13-01' }, 400, 'until'],
      ['PUT', '/v1/collections/accounts/acc-1/promise-to-pay', { until: null, colour: 'red' }, 400, 'colour'],
      ['PUT', '/v1/collections/accounts/acc-1/dunning-segment', { segment: 'VIP' }, 400, 'segment'],
      ['POST', '/v1/collections/documents/doc-2/dispute', { reason: '' }, 400, 'reason'],
      ['POST', '/v1/collections/documents/doc-none/dispute', { reason: 'x' }, 404, undefined],
      ['POST', '/v1/collections/dunning/run', { date: 'tomorrow' }, 400, 'date'],
    ];
    for (const [method, path, body, status, parameter] of cases) {
      const before = (
        await pool.query(
          'select (select count(*) from dunning_action) + (select count(*) from document_dispute) + (select count(*) from dunning_account) as n',
        )
      ).rows[0].n;
      const r = await call(method, path, json(body));
      expect({ path, status: r.status, parameter: r.body.parameter }).toEqual({ path, status, parameter });
      expect(
        (
          await pool.query(
            'select (select count(*) from dunning_action) + (select count(*) from document_dispute) + (select count(*) from dunning_account) as n',
          )
        ).rows[0].n,
      ).toBe(before);
    }
  });

  it.each([
    ['GET', '/v1/collections/payments?status=LOST', 400, 'status', undefined, undefined],
    ['GET', '/v1/collections/payments?acount=acc-1', 400, 'acount', undefined, undefined],
    ['GET', '/v1/collections/payments?limit=0', 400, 'limit', undefined, undefined],
    ['GET', '/v1/collections/allocations', 400, 'paymentId', undefined, undefined],
    ['GET', '/v1/collections/payments/pay-nope', 404, undefined, undefined, undefined],
    ['POST', '/v1/collections/statements', 400, 'body', '{"a":1}', 'application/json'],
    ['POST', '/v1/collections/statements?fileName=', 400, 'fileName', 'x', 'text/plain'],
  ])('%s %s: %i naming %s, nothing changed', async (method, path, status, parameter, body, type) => {
    const before = (await pool.query('select count(*)::int as n from bank_statement_import')).rows[0].n;
    const res = await call(method, path, { key: OPERATOR_KEY, body, type });
    expect([res.status, res.body.parameter]).toEqual([status, parameter]);
    expect((await pool.query('select count(*)::int as n from bank_statement_import')).rows[0].n).toBe(before);
  });

  it('allocates by hand: a suspense payment given to an account and its documents, account credit spent; replays, conflicts and refusals', async () => {
    await seedReceivables(pool, {
      accounts: ['acc-3'],
      invoices: [{ n: 31, accountId: 'acc-3', grossMinor: 1500n, issueDate: '2026-11-20' }],
      at: new Date(Date.UTC(2026, 10, 20)),
    });
    const suspense = await call('GET', '/v1/collections/suspense', { key: VIEWER_KEY });
    const suspenseId = String(suspense.body.items![0].id);
    const credit = await call('GET', '/v1/collections/payments?accountId=acc-3&status=UNAPPLIED', { key: VIEWER_KEY });
    const creditId = String(credit.body.items![0].id);
    const allocate = (paymentId: string, key: string | undefined, body: unknown, apiKey = OPERATOR_KEY) =>
      call('POST', `/v1/collections/payments/${paymentId}/allocations`, {
        key: apiKey,
        body: JSON.stringify(body),
        type: 'application/json',
        headers: key === undefined ? {} : { 'idempotency-key': key },
      });
    const fingerprint = async () =>
      (
        await pool.query(
          `select (select string_agg(id || ':' || status || ':' || unapplied_minor || ':' || coalesce(account_id, '-'), ',' order by id) from payment) as payments,
             (select count(*) from payment_allocation) as allocations, (select count(*) from ledger_posting) as postings,
             (select string_agg(id || ':' || paid_minor, ',' order by id) from billing_document) as documents`,
        )
      ).rows[0];

    // 10.00 nobody was identified for: given to acc-1, 6.00 on doc-2 (60.00 open), 4.00 left as acc-1's credit.
    const given = await allocate(suspenseId, 'hand-1', {
      accountId: 'acc-1',
      allocations: [{ documentId: 'doc-2', amountMinor: '600' }],
      note: 'phoned',
    });
    expect([given.status, given.body]).toEqual([
      201,
      {
        paymentId: suspenseId,
        accountId: 'acc-1',
        status: 'UNAPPLIED',
        unappliedMinor: '400',
        allocations: [{ documentId: 'doc-2', amountMinor: '600' }],
        created: true,
      },
    ]);
    expect((await pool.query(`select status, paid_minor from billing_document where id = 'doc-2'`)).rows[0]).toEqual({
      status: 'PARTIALLY_PAID',
      paid_minor: '4600',
    });
    expect((await pool.query(`select match_rule from payment where id = $1`, [suspenseId])).rows[0].match_rule).toBe('BY_HAND');
    expect(
      (await pool.query(`select actor from audit_log where action = 'payment.allocate_by_hand' and entity_id = $1`, [suspenseId])).rows,
    ).toEqual([{ actor: expect.stringMatching(/^apikey:/) }]);
    // The same key again: what was done, nothing more; with another request: 409.
    const before = await fingerprint();
    const replay = await allocate(suspenseId, 'hand-1', { accountId: 'acc-1', allocations: [{ documentId: 'doc-2', amountMinor: '600' }] });
    expect([replay.status, replay.body.created, replay.body.unappliedMinor]).toEqual([201, false, '400']);
    const reused = await allocate(suspenseId, 'hand-1', { accountId: 'acc-1', allocations: [{ documentId: 'doc-2', amountMinor: '500' }] });
    expect([reused.status, reused.body.code]).toEqual([409, 'CONFLICT']);
    expect(await fingerprint()).toEqual(before);

    // acc-3's credit (20.00) spent on its new invoice doc-31 (15.00): paid, 5.00 left.
    const spent = await allocate(creditId, 'hand-2', { accountId: 'acc-3', allocations: [{ documentId: 'doc-31', amountMinor: '1500' }] });
    expect([spent.status, spent.body.status, spent.body.unappliedMinor]).toEqual([201, 'UNAPPLIED', '500']);
    expect((await pool.query(`select status, paid_minor from billing_document where id = 'doc-31'`)).rows[0]).toEqual({
      status: 'PAID',
      paid_minor: '1500',
    });
    const checks = await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY });
    expect(checks.body).toMatchObject({
      ok: true,
      transactions: { unbalanced: 0 },
      receivables: { mismatched: 0 },
      unappliedCash: { mismatched: 0 },
    });

    const unchanged = await fingerprint();
    const allocatedId = String((await pool.query(`select id from payment where status = 'ALLOCATED' limit 1`)).rows[0].id);
    const doc2 = (amountMinor: string) => ({ accountId: 'acc-1', allocations: [{ documentId: 'doc-2', amountMinor }] });
    const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, string, string | undefined][] = [
      ['no Idempotency-Key', () => allocate(suspenseId, undefined, doc2('1')), 400, 'INVALID_ARGUMENT', 'Idempotency-Key'],
      ['no account', () => allocate(suspenseId, 'k-1', { allocations: [] }), 400, 'INVALID_ARGUMENT', 'accountId'],
      [
        'amount zero',
        () => allocate(creditId, 'k-2', { accountId: 'acc-3', allocations: [{ documentId: 'doc-31', amountMinor: '0' }] }),
        400,
        'INVALID_ARGUMENT',
        'allocations[0].amountMinor',
      ],
      [
        'amount with decimals',
        () => allocate(creditId, 'k-3', { accountId: 'acc-3', allocations: [{ documentId: 'doc-31', amountMinor: '1.5' }] }),
        400,
        'INVALID_ARGUMENT',
        'allocations[0].amountMinor',
      ],
      [
        'amount as a number',
        () => allocate(creditId, 'k-4', { accountId: 'acc-3', allocations: [{ documentId: 'doc-31', amountMinor: 5 }] }),
        400,
        'INVALID_ARGUMENT',
        'allocations[0].amountMinor',
      ],
      [
        'a document twice',
        () =>
          allocate(creditId, 'k-5', {
            accountId: 'acc-3',
            allocations: [
              { documentId: 'doc-5', amountMinor: '1' },
              { documentId: 'doc-5', amountMinor: '1' },
            ],
          }),
        400,
        'INVALID_ARGUMENT',
        'allocations[1].documentId',
      ],
      [
        'unknown field',
        () => allocate(creditId, 'k-6', { accountId: 'acc-3', allocations: [], colour: 'red' }),
        400,
        'INVALID_ARGUMENT',
        'colour',
      ],
      [
        'nothing to pay from credit',
        () => allocate(creditId, 'k-7', { accountId: 'acc-3', allocations: [] }),
        400,
        'INVALID_ARGUMENT',
        'allocations',
      ],
      [
        'more than unapplied',
        () => allocate(suspenseId, 'k-8', { accountId: 'acc-1', allocations: [{ documentId: 'doc-2', amountMinor: '401' }] }),
        422,
        'ALLOCATION_REFUSED',
        'allocations',
      ],
      [
        'a document it already paid part of',
        () => allocate(suspenseId, 'k-9', doc2('100')),
        422,
        'ALLOCATION_REFUSED',
        'allocations[0].documentId',
      ],
      ["another account than the payment's", () => allocate(creditId, 'k-10', doc2('100')), 422, 'ALLOCATION_REFUSED', 'accountId'],
      [
        "another account's document",
        () => allocate(creditId, 'k-11', { accountId: 'acc-3', allocations: [{ documentId: 'doc-2', amountMinor: '100' }] }),
        422,
        'ALLOCATION_REFUSED',
        'allocations[0].documentId',
      ],
      [
        'a paid document',
        () => allocate(creditId, 'k-12', { accountId: 'acc-3', allocations: [{ documentId: 'doc-31', amountMinor: '1' }] }),
        422,
        'ALLOCATION_REFUSED',
        'allocations[0].documentId',
      ],
      [
        'no such document',
        () => allocate(creditId, 'k-13', { accountId: 'acc-3', allocations: [{ documentId: 'doc-404', amountMinor: '1' }] }),
        422,
        'ALLOCATION_REFUSED',
        'allocations[0].documentId',
      ],
      ['an allocated payment', () => allocate(allocatedId, 'k-14', doc2('1')), 422, 'ALLOCATION_REFUSED', 'paymentId'],
      ['no such payment', () => allocate('pay-none', 'k-15', doc2('1')), 404, 'NOT_FOUND', undefined],
      ['read role', () => allocate(suspenseId, 'k-16', doc2('1'), VIEWER_KEY), 403, 'FORBIDDEN_ROLE', undefined],
    ];
    for (const [name, send, status, code, parameter] of cases) {
      const res = await send();
      expect([name, res.status, res.body.code, res.body.parameter]).toEqual([name, status, code, parameter]);
    }
    expect(await fingerprint()).toEqual(unchanged);
  });

  it('enters manual payments: cash on a document, a cheque for an account, a transfer nobody is named for; replays, conflicts and refusals', async () => {
    await seedReceivables(pool, {
      accounts: ['acc-4'],
      invoices: [{ n: 32, accountId: 'acc-4', grossMinor: 2500n, issueDate: '2026-11-21' }],
      at: new Date(Date.UTC(2026, 10, 21)),
    });
    const enter = (key: string | undefined, body: Record<string, unknown>, apiKey = OPERATOR_KEY) =>
      call('POST', '/v1/collections/payments', {
        key: apiKey,
        body: JSON.stringify(body),
        type: 'application/json',
        headers: key === undefined ? {} : { 'idempotency-key': key },
      });
    const cash = { method: 'CASH', amountMinor: '2500', currency: 'EUR', valueDate: '2026-12-01', documentId: 'doc-32', note: 'shop 12' };
    const paid = await enter('till-12-0001', cash);
    expect([paid.status, paid.body.status, paid.body.accountId, paid.body.matchRule, paid.body.unappliedMinor, paid.body.created]).toEqual([
      201,
      'ALLOCATED',
      'acc-4',
      'DOCUMENT_NUMBER',
      '0',
      true,
    ]);
    expect((await pool.query(`select status from billing_document where id = 'doc-32'`)).rows[0].status).toBe('PAID');
    expect(
      (
        await pool.query(`select actor, details->>'method' as method from audit_log where action = 'payment.manual' and entity_id = $1`, [
          paid.body.paymentId,
        ])
      ).rows,
    ).toEqual([{ actor: expect.stringMatching(/^apikey:/), method: 'CASH' }]);
    const again = await enter('till-12-0001', cash);
    expect([again.status, again.body.paymentId, again.body.created]).toEqual([201, paid.body.paymentId, false]);
    const reused = await enter('till-12-0001', { ...cash, amountMinor: '2400' });
    expect([reused.status, reused.body.code]).toEqual([409, 'CONFLICT']);

    const cheque = await enter('chq-881', {
      method: 'CHEQUE',
      amountMinor: '700',
      currency: 'EUR',
      valueDate: '2026-12-02',
      accountId: 'acc-1',
    });
    expect([cheque.body.status, cheque.body.accountId, cheque.body.matchRule]).toEqual(['ALLOCATED', 'acc-1', 'ACCOUNT_OLDEST_FIRST']);
    const unknown = await enter('trf-77', {
      method: 'TRANSFER',
      amountMinor: '300',
      currency: 'EUR',
      valueDate: '2026-12-02',
      reference: 'thanks',
    });
    expect([unknown.body.status, unknown.body.accountId]).toEqual(['SUSPENSE', null]);
    const checks = await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY });
    expect(checks.body).toMatchObject({ ok: true });

    const before = (await pool.query(`select count(*)::int as p, (select count(*)::int from ledger_posting) as l from payment`)).rows[0];
    const ok = { method: 'CASH', amountMinor: '100', currency: 'EUR', valueDate: '2026-12-01', accountId: 'acc-1' };
    const cases: [string, () => ReturnType<typeof enter>, number, string, string | undefined][] = [
      ['no Idempotency-Key', () => enter(undefined, ok), 400, 'INVALID_ARGUMENT', 'Idempotency-Key'],
      ['unknown method', () => enter('b-1', { ...ok, method: 'GOLD' }), 400, 'INVALID_ARGUMENT', 'method'],
      ['amount zero', () => enter('b-2', { ...ok, amountMinor: '0' }), 400, 'INVALID_ARGUMENT', 'amountMinor'],
      ['amount as a number', () => enter('b-3', { ...ok, amountMinor: 100 }), 400, 'INVALID_ARGUMENT', 'amountMinor'],
      ['amount too large', () => enter('b-4', { ...ok, amountMinor: '100000001' }), 400, 'INVALID_ARGUMENT', 'amountMinor'],
      ['not a currency', () => enter('b-5', { ...ok, currency: 'EURO' }), 400, 'INVALID_ARGUMENT', 'currency'],
      ['a date that does not exist', () => enter('b-6', { ...ok, valueDate: '2026-02-30' }), 400, 'INVALID_ARGUMENT', 'valueDate'],
      ['a date in the future', () => enter('b-7', { ...ok, valueDate: '2099-01-01' }), 400, 'INVALID_ARGUMENT', 'valueDate'],
      ['a bad account id', () => enter('b-8', { ...ok, accountId: 'acc 1' }), 400, 'INVALID_ARGUMENT', 'accountId'],
      ['unknown field', () => enter('b-9', { ...ok, iban: 'DE89370400440532013000' }), 400, 'INVALID_ARGUMENT', 'iban'],
      ['no such account', () => enter('b-10', { ...ok, accountId: 'acc-404' }), 422, 'ALLOCATION_REFUSED', 'accountId'],
      ['no such document', () => enter('b-11', { ...ok, documentId: 'doc-404' }), 422, 'ALLOCATION_REFUSED', 'documentId'],
      ["another account's document", () => enter('b-12', { ...ok, documentId: 'doc-32' }), 422, 'ALLOCATION_REFUSED', 'documentId'],
      ['a reference with a newline', () => enter('b-14', { ...ok, reference: 'a\nb' }), 400, 'INVALID_ARGUMENT', 'reference'],
      ['read role', () => enter('b-13', ok, VIEWER_KEY), 403, 'FORBIDDEN_ROLE', undefined],
    ];
    for (const [name, send, status, code, parameter] of cases) {
      const res = await send();
      expect([name, res.status, res.body.code, res.body.parameter]).toEqual([name, status, code, parameter]);
    }
    expect((await pool.query(`select count(*)::int as p, (select count(*)::int from ledger_posting) as l from payment`)).rows[0]).toEqual(
      before,
    );
  });

  it("spends account credit on the account's next invoice by itself", async () => {
    // acc-4 paid 60.00 for 40.00 (BNK-0004-B): 20.00 of credit; its new invoice doc-33 is 15.00.
    await seedReceivables(pool, {
      accounts: ['acc-4'],
      invoices: [{ n: 33, accountId: 'acc-4', grossMinor: 1500n, issueDate: '2026-11-25' }],
      at: new Date(Date.UTC(2026, 10, 25)),
    });
    const apply = () => call('POST', '/v1/collections/credits/apply', { key: OPERATOR_KEY, body: '{}', type: 'application/json' });
    const first = await apply();
    // Also acc-2: its 75.00 of credit (BNK-0003) pays doc-9 (25.00), reopened by the MD01 return above. acc-1 is looked at
    // (its 4.00 of credit and doc-2 still open) but that credit's payment already paid part of doc-2: left alone.
    expect([first.status, first.body]).toEqual([
      200,
      { accounts: 3, allocations: 2, appliedMinor: '4000', deferred: 0, creditNotes: 0, nettedMinor: '0' },
    ]);
    expect(
      (await pool.query(`select id, status, paid_minor from billing_document where id in ('doc-9', 'doc-33') order by id`)).rows,
    ).toEqual([
      { id: 'doc-33', status: 'PAID', paid_minor: '1500' },
      { id: 'doc-9', status: 'PAID', paid_minor: '2500' },
    ]);
    const balance = await call('GET', '/v1/collections/accounts/acc-4/balance', { key: VIEWER_KEY });
    expect(balance.body).toMatchObject({ receivablesMinor: '0', creditsMinor: '500' });
    expect((await pool.query(`select count(*)::int as n from audit_log where actor = 'collections:credit'`)).rows[0].n).toBe(2);
    // Nothing left that credit may pay: a second run allocates nothing.
    expect((await apply()).body).toEqual({ accounts: 1, allocations: 0, appliedMinor: '0', deferred: 0, creditNotes: 0, nettedMinor: '0' });
    expect((await call('GET', '/v1/collections/ledger/checks', { key: VIEWER_KEY })).body).toMatchObject({ ok: true });
    expect(
      (await call('POST', '/v1/collections/credits/apply', { key: OPERATOR_KEY, body: '{"all":true}', type: 'application/json' })).body
        .parameter,
    ).toBe('all');
    expect((await call('POST', '/v1/collections/credits/apply', { key: VIEWER_KEY, body: '{}', type: 'application/json' })).status).toBe(
      403,
    );
  });

  it('serves payments as TMF676 Payment resources, with the documents they paid as paymentItems', async () => {
    const list = await call('GET', '/tmf-api/paymentManagement/v4/payment?account.id=acc-1&limit=2', { key: VIEWER_KEY });
    expect(list.status).toBe(200);
    const items = list.body as unknown as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    expect(items.every((p) => p['@type'] === 'Payment' && (p.account as { id: string }).id === 'acc-1')).toBe(true);
    const bnk1 = (await pool.query(`select id from payment where bank_reference = 'BNK-0001'`)).rows[0].id as string;
    const one = await call('GET', `/tmf-api/paymentManagement/v4/payment/${bnk1}`, { key: VIEWER_KEY });
    expect(one.body).toMatchObject({
      id: bnk1,
      href: `/tmf-api/paymentManagement/v4/payment/${bnk1}`,
      correlatorId: 'BNK-0001',
      status: 'allocated',
      amount: { unit: 'EUR', value: 120 },
      account: { id: 'acc-1', '@referredType': 'BillingAccount' },
      paymentItem: [
        {
          amount: { unit: 'EUR', value: 120 },
          item: { id: 'doc-1', href: '/tmf-api/customerBillManagement/v4/customerBill/doc-1', '@referredType': 'CustomerBill' },
        },
      ],
    });
    const bad: [string, number, string | undefined][] = [
      ['/tmf-api/paymentManagement/v4/payment?acount.id=x', 400, 'acount.id'],
      ['/tmf-api/paymentManagement/v4/payment?limit=0', 400, 'limit'],
      ['/tmf-api/paymentManagement/v4/payment/pay-none', 404, undefined],
      ['/tmf-api/paymentManagement/v4/payment/bad%20id', 400, 'id'],
    ];
    for (const [path, status, parameter] of bad) {
      const r = await call('GET', path, { key: VIEWER_KEY });
      expect([path, r.status, r.body.parameter]).toEqual([path, status, parameter]);
    }
    expect((await call('GET', '/tmf-api/paymentManagement/v4/payment')).status).toBe(401);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    collections.child.kill('SIGTERM');
    expect(await collections.exited).toBe(0);
  });
});
