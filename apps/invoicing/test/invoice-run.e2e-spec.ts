/**
 * The month-end invoice run end to end, through the operator CLI (`ratel invoice-run start`, whose
 * coordinator launches worker processes per phase), against real PostgreSQL, NATS JetStream and
 * ClickHouse with the real rated-event sink in between:
 *
 *   November: usage of 12 postpaid accounts (and of a prepaid one, and of another cycle type, which
 *   are not billed), one earlier event never billed before (late), one December event (not yet).
 *   The run plans 3 shards, computes, holds the account whose subscription had no usage (zero total
 *   while active), numbers the other 11 gapless in account order, posts them, renders their PDFs
 *   (pdftotext shows the total and the RF reference), delivers them to the portal and reports.
 *   Started again, it changes nothing.
 *
 *   December: a November event that arrived after November's run is billed on December's invoice,
 *   marked late, and November's documents do not change: never lost, never twice.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { connect, type NatsConnection } from 'nats';
import { ClickhouseRatedEventStore, createClickhouseClient, dropClickhouseDatabase, toRatedEventRow } from '@app/analytics';
import { ensureClickhouse, type TestClickhouse } from '@app/devstack';
import { createTestDatabase, requireEnv, uniqueId, waitFor } from '@app/devstack';
import { migrate } from '@app/db';
import type { RatedEvent } from '@app/events';
import { ratedEvent } from '@app/events/testing';
import { createLogger } from '@app/observability';
import { isValidCreditorReference } from '@app/money';
import { loadInvoicingConfig } from '../src/config';
import { PgCycleService } from '../src/billing/cycles/cycle-service';
import { type SinkProcess, startSinkProcess } from '../src/ingest/sink-process';
import { createRatedStream, publishAll } from './sink-test-helpers';
import { signHs256Jwt } from '@app/auth';
import { fatalRules, xsdErrors } from '../src/billing/einvoice/testing/ubl-validators';
import { type InvoicingChild, startInvoicingProcess } from './invoicing-process';

const BILLING_KEY = 'invoice-run-e2e-billing';
const READ_KEY = 'invoice-run-e2e-read';
const JWT_SECRET = 'invoice-run-e2e-jwt';
const LISTENING = /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"invoicing http api listening"/;

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** The CLI compiles on the fly (ts-node), as do the workers of each phase. */
const RUN_TIMEOUT_MS = 600_000;
const NOV = 'MONTHLY_1-2026-11-01';
const DEC = 'MONTHLY_1-2026-12-01';

const billed = Array.from({ length: 12 }, (_, i) => `inv-acc-${String(i + 1).padStart(2, '0')}`);
const idle = 'inv-acc-07'; // a subscription, no usage: a zero invoice while active, HELD

/** Usage of account i in November: i events of (i x 1.234567) EUR each, on two rating groups. */
function novemberUsage(seed: string): RatedEvent[] {
  const events: RatedEvent[] = [];
  billed.forEach((accountId, i) => {
    if (accountId === idle) return;
    for (let k = 0; k <= i; k++)
      events.push(
        ratedEvent(`${seed}-nov-${accountId}-${k}`, {
          accountId,
          subscriberId: `4917000${String(i).padStart(5, '0')}`,
          ratingGroup: 10 + (k % 2),
          amountMicros: String(1_234_567 * (i + 1)),
          billableUnits: 1000,
          occurredAtMs: Date.UTC(2026, 10, 2 + k, 12),
        }),
      );
  });
  return events;
}

describe('ratel invoice-run (CLI, workers, PostgreSQL, JetStream, ClickHouse)', () => {
  let pool: Pool;
  let databaseUrl: string;
  let ch: TestClickhouse;
  let nc: NatsConnection;
  let sink: SinkProcess;
  let docsDir: string;
  const chDb = uniqueId('invrun').replace(/-/g, '_');
  const stream = uniqueId('RATED').toUpperCase().replace(/-/g, '_');
  const root = `${stream}.ratel.rated.v1`;
  const seed = uniqueId('s');

  const publish = (events: RatedEvent[]) =>
    publishAll(
      nc.jetstream(),
      events.map((e) => ({ subject: `${root}.${e.accountId}`, data: Buffer.from(JSON.stringify(e)), msgId: e.eventId })),
    );
  const drained = () =>
    waitFor(
      'the sink to store everything',
      async () => (await nc.jetstreamManager()).consumers.info(stream, 'sink'),
      (i) => i.num_pending === 0 && i.num_ack_pending === 0,
      60_000,
    );

  function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          NATS_URL: requireEnv('NATS_URL'),
          CLICKHOUSE_URL: ch.url,
          CLICKHOUSE_DATABASE: chDb,
          SINK_STREAM: stream,
          SINK_CONSUMER: 'sink',
          INVOICE_DOCUMENTS_DIR: docsDir,
          INVOICE_RUN_LEASE_MS: '5000',
          RATEL_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
  }

  const documents = async (cycleId: string) =>
    (
      await pool.query(
        `select account_id, type, status, number_text, net_minor, tax_minor, gross_minor, usage_minor, payment_reference, hold_reasons
         from billing_document where cycle_id = $1 order by account_id`,
        [cycleId],
      )
    ).rows;

  beforeAll(async () => {
    docsDir = mkdtempSync(join(tmpdir(), 'ratel-docs-'));
    databaseUrl = await createTestDatabase('invrun');
    await migrate(databaseUrl);
    pool = new Pool({ connectionString: databaseUrl, max: 4 });
    const at = new Date(Date.UTC(2026, 9, 1));
    await pool.query(`insert into product (id, name, created_at) values ('p-mobile', 'Mobile', $1)`, [at]);
    await pool.query(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('pp-1', 'p-mobile', 'Plan', 'EUR', 1, $1, $1)`,
      [at],
    );
    await pool.query(
      `insert into legal_entity (id, name, address, vat_id, iban, number_series_prefix, postal_street, postal_city, postal_code,
         postal_country_code, created_at, updated_at)
       values ('le-ratel', 'Ratel Telecom SAS', '1 rue de la Paix, 75002 Paris', 'FR40303265045', 'FR7630006000011234567890189', 'RT',
         '1 rue de la Paix', 'Paris', '75002', 'FR', $1, $1)`,
      [at],
    );
    await pool.query(
      `insert into tax_rate (id, jurisdiction, category, rate_percent, valid_from, created_at) values ('fr-std', 'FR', 'STANDARD', 20, '2000-01-01', $1)`,
      [at],
    );
    const accounts = [
      ...billed.map((id) => [id, 'POSTPAID', 'MONTHLY_1']),
      ['inv-prepaid', 'PREPAID', 'MONTHLY_1'],
      ['inv-mid', 'POSTPAID', 'MONTHLY_15'],
    ];
    for (const [id, type, cycleType] of accounts) {
      await pool.query(`insert into customer (id, name, email, created_at, updated_at) values ($1, $2, $3, $4, $4)`, [
        `c-${id}`,
        `Customer ${id}`,
        `${id}@example.org`,
        at,
      ]);
      await pool.query(
        `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, billing_cycle_type, tax_jurisdiction,
           legal_entity_id, payment_terms_days, delivery_email, created_at, updated_at)
         values ($1, $2, $3, 'EUR', 'Europe/Paris', 1, 'pp-1', $4, 'FR', 'le-ratel', 14, $5, $6, $6)`,
        [id, `c-${id}`, type, cycleType, `${id}@example.org`, at],
      );
    }
    // inv-acc-01 has a bill-to address (its documents get a UBL e-invoice); the other accounts have none (their UBL is skipped).
    await pool.query(`update legal_entity set endpoint_scheme = '0009', endpoint_id = '30326504500017' where id = 'le-ratel'`);
    await pool.query(
      `update billing_account set billing_street = '5 avenue Foch', billing_city = 'Lyon', billing_postal_code = '69006', billing_country_code = 'FR',
         vat_id = 'FR83404833048', endpoint_scheme = '0009', endpoint_id = '40483304800022'
       where id = 'inv-acc-01'`,
    );
    const n = (i: number) => String(i).padStart(5, '0');
    for (const [i, id] of billed.entries())
      await pool.query(
        `insert into subscription (id, msisdn, imsi, account_id, product_id, created_at) values ($1, $2, $3, $4, 'p-mobile', $5)`,
        [`sub-${id}`, `4917000${n(i)}`, `2620100000${n(i)}`, id, at],
      );
    const cycles = new PgCycleService(pool);
    await cycles.ensureCycles(Date.UTC(2026, 10, 10), 2);
    await cycles.advance(Date.UTC(2026, 11, 5)); // November's grace (3 days) is over

    ch = await ensureClickhouse();
    nc = await connect({ servers: requireEnv('NATS_URL') });
    await createRatedStream(await nc.jetstreamManager(), stream, root);
    const config = loadInvoicingConfig({
      NATS_URL: requireEnv('NATS_URL'),
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_DATABASE: chDb,
      SINK_STREAM: stream,
      SINK_CONSUMER: 'sink',
      SINK_METRICS_PORT: '0',
    });
    sink = await startSinkProcess(config, createLogger('invoice-run-e2e', 'silent'));
  }, 120_000);

  afterAll(async () => {
    await sink?.stop();
    await (await nc?.jetstreamManager())?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await dropClickhouseDatabase(ch.url, chDb).catch(() => undefined);
    await ch?.stop();
    await pool?.end();
    rmSync(docsDir, { recursive: true, force: true });
  });

  it(
    'bills November: drafts, one held for review, gapless numbers, ledger, PDFs, portal, report; a second start changes nothing',
    async () => {
      const others = [
        ratedEvent(`${seed}-prepaid`, { accountId: 'inv-prepaid', amountMicros: '9000000', occurredAtMs: Date.UTC(2026, 10, 3) }),
        ratedEvent(`${seed}-mid`, { accountId: 'inv-mid', amountMicros: '9000000', occurredAtMs: Date.UTC(2026, 10, 3) }),
        // Never billed before: late on November's invoice. And December's: not yet.
        ratedEvent(`${seed}-oct`, { accountId: 'inv-acc-01', amountMicros: '2500000', occurredAtMs: Date.UTC(2026, 9, 20) }),
        ratedEvent(`${seed}-dec`, { accountId: 'inv-acc-01', amountMicros: '7000000', occurredAtMs: Date.UTC(2026, 11, 2) }),
      ];
      await publish([...novemberUsage(seed), ...others]);
      await drained();

      const run = await runCli(['invoice-run', 'start', '--cycle', NOV, '--workers', '2', '--shards', '3']);
      expect({ code: run.code, output: run.output.slice(-2000) }).toMatchObject({ code: 0 });
      expect(run.output).toContain(`"runId":"run-${NOV}","cycleId":"${NOV}","status":"COMPLETED"`);

      const docs = await documents(NOV);
      expect(docs.map((d) => d.account_id)).toEqual(billed); // not the prepaid account, not the other cycle type
      const held = docs.find((d) => d.account_id === idle)!;
      expect(held).toMatchObject({ status: 'HELD', number_text: null });
      expect(held.hold_reasons.map((r: { code: string }) => r.code)).toEqual(['ZERO_TOTAL_ACTIVE']);
      const issued = docs.filter((d) => d.status === 'ISSUED');
      expect(issued.map((d) => d.number_text)).toEqual(
        Array.from({ length: 11 }, (_, i) => `RT-INV2026-${String(i + 1).padStart(6, '0')}`),
      );
      for (const d of issued) {
        const i = billed.indexOf(d.account_id);
        // (i + 1) events of (i + 1) x 1.234567 EUR, on two lines by rating group; each line rounded once to cents.
        const perEvent = 1_234_567 * (i + 1);
        const lines = [0, 1].map((rg) => Array.from({ length: i + 1 }, (_, k) => k).filter((k) => k % 2 === rg).length * perEvent);
        const late = d.account_id === 'inv-acc-01' ? 250 : 0;
        const net = lines.reduce((s, micros) => s + Math.round(micros / 10_000), 0) + late;
        const tax = Math.round(net * 0.2);
        expect({ account: d.account_id, net: d.net_minor, tax: d.tax_minor, gross: d.gross_minor }).toEqual({
          account: d.account_id,
          net: String(net),
          tax: String(tax),
          gross: String(net + tax),
        });
        expect(isValidCreditorReference(d.payment_reference)).toBe(true);
      }
      const lateLines = (
        await pool.query(`select amount_minor, late from billing_document_line where document_id = $1 and late`, [`doc-${NOV}-inv-acc-01`])
      ).rows;
      expect(lateLines).toEqual([{ amount_minor: '250', late: true }]);

      // Ledger: each issued document posts AR = gross; every transaction balances.
      const ar = (await pool.query(`select coalesce(sum(amount_minor), 0)::text as ar from ledger_posting where account_code = 'AR'`))
        .rows[0].ar;
      expect(ar).toBe(issued.reduce((s, d) => s + BigInt(d.gross_minor), 0n).toString());
      expect((await pool.query(`select coalesce(sum(amount_minor), 0)::text as s from ledger_posting`)).rows[0].s).toBe('0');
      expect((await pool.query(`select count(*)::int as n from billing_outbox`)).rows[0].n).toBe(11);

      // Rendered and delivered to the portal; the PDF shows the total and the RF reference.
      const rendition = (
        await pool.query(
          `select r.storage_key from billing_rendition r join billing_document d on d.id = r.document_id
           where d.number_text = 'RT-INV2026-000001' and r.kind = 'PDF'`,
        )
      ).rows[0];
      const text = execFileSync('pdftotext', ['-layout', join(docsDir, rendition.storage_key), '-'], { encoding: 'utf8' });
      const first = issued[0];
      expect(text).toContain('RT-INV2026-000001');
      expect(text).toContain(`${(Number(first.gross_minor) / 100).toFixed(2)} EUR`);
      expect(text.replace(/\s/g, '')).toContain(first.payment_reference);
      // The UBL e-invoice of a real run (the one account with a billing address) passes the UBL XSD and the EN 16931 rules.
      const ubl = (
        await pool.query(
          `select r.storage_key from billing_rendition r join billing_document d on d.id = r.document_id
           where d.account_id = 'inv-acc-01' and d.cycle_id = $1 and r.kind = 'UBL' and r.status = 'RENDERED'`,
          [NOV],
        )
      ).rows[0];
      expect(xsdErrors(join(docsDir, ubl.storage_key), 'UBL-Invoice-2.1.xsd')).toBeNull();
      // Both Peppol endpoints and the buyer's VAT id, from the legal entity and the billing account.
      const ublXml = readFileSync(join(docsDir, ubl.storage_key), 'utf8');
      expect(ublXml).toContain('<cbc:EndpointID schemeID="0009">30326504500017</cbc:EndpointID>');
      expect(ublXml).toContain('<cbc:EndpointID schemeID="0009">40483304800022</cbc:EndpointID>');
      expect(ublXml).toContain('<cbc:CompanyID>FR83404833048</cbc:CompanyID>');
      expect(fatalRules(join(docsDir, ubl.storage_key))).toEqual([]);
      expect(
        (await pool.query(`select count(*)::int as n from delivery where channel = 'PORTAL' and subject_kind = 'DOCUMENT'`)).rows[0].n,
      ).toBe(11);

      // The report adds up: its revenue is the documents', which is the usage billed plus tax.
      const report = (await pool.query(`select report from billing_run where cycle_id = $1`, [NOV])).rows[0].report;
      const gross = issued.reduce((s, d) => s + BigInt(d.gross_minor), 0n);
      const usage = issued.reduce((s, d) => s + BigInt(d.usage_minor), 0n);
      const tax = issued.reduce((s, d) => s + BigInt(d.tax_minor), 0n);
      expect(report.totals).toEqual([
        { currency: 'EUR', grossMinor: String(gross), netMinor: String(usage), taxMinor: String(tax), usageMinor: String(usage) },
      ]);
      expect(report.held).toEqual([{ documentId: `doc-${NOV}-${idle}`, accountId: idle, reasons: held.hold_reasons }]);
      expect(report.documentsByStatus).toEqual([
        { status: 'HELD', documents: 1 },
        { status: 'ISSUED', documents: 11 },
      ]);
      // A held draft keeps the cycle from BILLED.
      expect((await pool.query(`select status from billing_cycle where id = $1`, [NOV])).rows[0].status).toBe('BILLING');

      // Started again: the same documents, numbers and ledger.
      const ledgerRows = (await pool.query(`select count(*)::int as n from ledger_posting`)).rows[0].n;
      const again = await runCli(['invoice-run', 'start', '--cycle', NOV, '--workers', '2', '--shards', '3']);
      expect(again.code).toBe(0);
      expect(await documents(NOV)).toEqual(docs);
      expect((await pool.query(`select count(*)::int as n from ledger_posting`)).rows[0].n).toBe(ledgerRows);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'bills December with the November usage that arrived after November was billed, marked late, once',
    async () => {
      const november = await documents(NOV);
      await publish([
        ratedEvent(`${seed}-nov-late`, { accountId: 'inv-acc-02', amountMicros: '3330000', occurredAtMs: Date.UTC(2026, 10, 29, 23) }),
        ratedEvent(`${seed}-dec-2`, { accountId: 'inv-acc-02', amountMicros: '1000000', occurredAtMs: Date.UTC(2026, 11, 10) }),
      ]);
      await drained();
      await new PgCycleService(pool).advance(Date.UTC(2027, 0, 5));
      const run = await runCli(['invoice-run', 'start', '--cycle', DEC, '--workers', '1', '--shards', '2']);
      expect({ code: run.code, output: run.output.slice(-2000) }).toMatchObject({ code: 0 });
      const lines = (
        await pool.query(
          `select amount_minor, late from billing_document_line where document_id = $1 and kind = 'USAGE' order by line_no`,
          [`doc-${DEC}-inv-acc-02`],
        )
      ).rows;
      expect(lines).toEqual([
        { amount_minor: '100', late: false },
        { amount_minor: '333', late: true },
      ]);
      // inv-acc-01's December event (published before November's run) is December's, not late.
      const acc1 = (
        await pool.query(`select amount_minor, late from billing_document_line where document_id = $1 and kind = 'USAGE'`, [
          `doc-${DEC}-inv-acc-01`,
        ])
      ).rows;
      expect(acc1).toEqual([{ amount_minor: '700', late: false }]);
      expect(await documents(NOV)).toEqual(november);
      // December's numbers follow November's in the same yearly series.
      const decNumbers = (await documents(DEC)).filter((d) => d.status === 'ISSUED').map((d) => d.number_text);
      expect(decNumbers[0]).toBe('RT-INV2026-000012');
    },
    RUN_TIMEOUT_MS,
  );

  describe('the billing API', () => {
    let api: InvoicingChild;
    let url: string;
    const call = async (
      method: string,
      path: string,
      o: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked by the expectations
    ): Promise<{ status: number; type: string; body: any }> => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(o.key === '' ? {} : { 'x-api-key': o.key ?? BILLING_KEY }),
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...o.headers,
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const type = res.headers.get('content-type') ?? '';
      return {
        status: res.status,
        type,
        body: type.includes('json') ? await res.json() : type.includes('pdf') ? Buffer.from(await res.arrayBuffer()) : await res.text(),
      };
    };
    const portal = (account: string) => {
      const nowS = Math.floor(Date.now() / 1000);
      return {
        authorization: `Bearer ${signHs256Jwt({ sub: `user-${account}`, exp: nowS + 300, scope: 'read', ratel_account: account }, JWT_SECRET)}`,
      };
    };

    beforeAll(async () => {
      api = await startInvoicingProcess({
        env: {
          NATS_URL: requireEnv('NATS_URL'),
          CLICKHOUSE_URL: ch.url,
          CLICKHOUSE_DATABASE: chDb,
          DATABASE_URL: databaseUrl,
          RATEL_INVOICING_ROLES: 'api',
          SINK_STREAM: stream,
          ASSURANCE_SUBJECT_PREFIX: root,
          INVOICING_HTTP_PORT: '0',
          RATEL_API_KEYS: `${BILLING_KEY}:billing+read,${READ_KEY}:read`,
          RATEL_JWT_SECRET: JWT_SECRET,
          INVOICE_DOCUMENTS_DIR: docsDir,
          RATEL_LOG_LEVEL: 'info',
        },
        ready: (out) => LISTENING.test(out),
        startTimeoutMs: 120_000,
      });
      url = LISTENING.exec(api.output())![1];
    }, 150_000);
    afterAll(async () => {
      api?.child.kill('SIGTERM');
      await api?.exited;
    });

    it('lists, reads and serves documents: operators any, a portal user only its own account', async () => {
      const list = await call('GET', `/v1/billing/documents?cycleId=${NOV}&status=ISSUED&sort=number&limit=5`);
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(11);
      expect(list.body.documents.map((d: { number: string }) => d.number)).toEqual([
        'RT-INV2026-000001',
        'RT-INV2026-000002',
        'RT-INV2026-000003',
        'RT-INV2026-000004',
        'RT-INV2026-000005',
      ]);
      const big = await call('GET', `/v1/billing/documents?cycleId=${NOV}&grossMin=10000&sort=-gross`);
      expect(big.body.documents.length).toBeGreaterThan(0);
      expect(big.body.documents.every((d: { grossMinor: string }) => BigInt(d.grossMinor) >= 10000n)).toBe(true);
      const one = await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01`);
      expect(one.body).toMatchObject({
        number: 'RT-INV2026-000001',
        status: 'ISSUED',
        deliveries: [
          { channel: 'EMAIL', status: 'PENDING' },
          { channel: 'PORTAL', status: 'PENDING' },
        ],
      });
      expect(one.body.lines.map((l: { kind: string; late: boolean }) => [l.kind, l.late])).toEqual([
        ['SUBSCRIPTION', false],
        ['USAGE', false],
        ['SUBSCRIPTION', false],
        ['USAGE', true],
      ]);
      const pdf = await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01/pdf`);
      expect(pdf.status).toBe(200);
      expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
      expect(
        (await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01/pdf`, { key: '', headers: portal('inv-acc-01') })).status,
      ).toBe(200);
      expect(
        (await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01/pdf`, { key: '', headers: portal('inv-acc-02') })).status,
      ).toBe(404);
      expect((await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01/pdf`, { key: READ_KEY })).status).toBe(404);
      // The UBL e-invoice, under the same rules; an account without a billing address has none, and says why.
      const ubl = await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01/ubl`);
      expect([ubl.status, ubl.type]).toEqual([200, 'application/xml; charset=utf-8']);
      expect(ubl.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Invoice /);
      expect(ubl.body).toContain('<cbc:ID>RT-INV2026-000001</cbc:ID>');
      expect(ubl.body).toContain('<cbc:CityName>Lyon</cbc:CityName>');
      for (const [headers, key, status] of [
        [portal('inv-acc-01'), '', 200],
        [portal('inv-acc-02'), '', 404],
        [{}, READ_KEY, 404],
      ] as const) {
        expect((await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01/ubl`, { key, headers })).status).toBe(status);
      }
      const skipped = await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-02/ubl`);
      expect([skipped.status, skipped.body.code]).toEqual([422, 'UBL_NOT_AVAILABLE']);
      expect(skipped.body.message).toContain('CUSTOMER_ADDRESS_MISSING');
      expect((await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-02`)).body.renditions).toEqual([
        expect.objectContaining({ kind: 'PDF', status: 'RENDERED', skipCode: null }),
        { kind: 'UBL', status: 'SKIPPED', sha256: null, bytes: null, skipCode: 'CUSTOMER_ADDRESS_MISSING', skipReason: expect.any(String) },
      ]);
      expect((await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01`, { key: READ_KEY })).status).toBe(403);
      expect((await call('GET', `/v1/billing/runs/run-${NOV}`)).body).toMatchObject({ status: 'COMPLETED', phases: expect.any(Array) });
      const csv = await call('GET', `/v1/billing/runs/run-${NOV}/report.csv`);
      expect(csv.body).toMatch(/^section,currency,key,value,previous\ntotals,EUR,netMinor,/);
    });

    it('reviews held drafts: a manual line, approval issues with the next number, rejection never issues; all audited', async () => {
      const held = await call('GET', `/v1/billing/review?cycleId=${NOV}`);
      expect(held.body.documents.map((d: { accountId: string }) => d.accountId)).toEqual([idle]);
      const id = `doc-${NOV}-${idle}`;
      const added = await call('POST', `/v1/billing/review/${id}/lines`, {
        body: {
          description: 'Monthly fee (agreed by phone)',
          amountMinor: '1000',
          taxCategory: 'STANDARD',
          taxRate: '0.2',
          reason: 'missing fee',
        },
      });
      expect(added.status).toBe(200);
      expect(added.body).toMatchObject({ netMinor: '1000', taxMinor: '200', grossMinor: '1200', status: 'HELD' });
      const approved = await call('POST', `/v1/billing/review/${id}/approve`, { body: { reason: 'checked with the customer' } });
      expect(approved.body).toMatchObject({
        status: 'ISSUED',
        number: 'RT-INV2026-000014',
        grossMinor: '1200',
        approvedBy: expect.stringMatching(/^apikey:/),
      });
      // December held the accounts without usage; reject one: it is never issued.
      const decHeld = (await call('GET', `/v1/billing/review?cycleId=${DEC}&limit=1`)).body.documents[0];
      const rejected = await call('POST', `/v1/billing/review/${decHeld.id}/reject`, { body: { reason: 'no activity' } });
      expect(rejected.body).toMatchObject({ status: 'REJECTED', number: null });
      const again = await call('POST', `/v1/billing/review/${decHeld.id}/approve`, { body: { reason: 'changed my mind' } });
      expect([again.status, again.body.code]).toEqual([422, 'DOCUMENT_IMMUTABLE']);
      const audit = (await pool.query(`select action from audit_log where entity_id = any($1) order by id`, [[id, decHeld.id]])).rows;
      expect(audit.map((a) => a.action)).toEqual([
        'billing_document.manual_line_added',
        'billing_document.approved',
        'billing_document.rejected',
      ]);
    });

    it('issues credit and debit notes, never crediting more than is left, once per idempotency key', async () => {
      const invoice = `doc-${NOV}-inv-acc-12`;
      const gross = BigInt((await call('GET', `/v1/billing/documents/${invoice}`)).body.grossMinor);
      const first = await call('POST', `/v1/billing/documents/${invoice}/credit-notes`, {
        body: { netMinor: '1000', reason: 'goodwill', creditKind: 'REFUND' },
        headers: { 'idempotency-key': 'cn-1' },
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        type: 'CREDIT_NOTE',
        status: 'ISSUED',
        number: 'RT-CN2026-000001',
        netMinor: '1000',
        taxMinor: '200',
        correctsDocumentId: invoice,
      });
      const replay = await call('POST', `/v1/billing/documents/${invoice}/credit-notes`, {
        body: { netMinor: '1000', reason: 'goodwill', creditKind: 'REFUND' },
        headers: { 'idempotency-key': 'cn-1' },
      });
      expect(replay.body.id).toBe(first.body.id);
      const reused = await call('POST', `/v1/billing/documents/${invoice}/credit-notes`, {
        body: { netMinor: '5', reason: 'x' },
        headers: { 'idempotency-key': 'cn-1' },
      });
      expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
      // What is left to credit is gross - 1,200; a net whose gross is above it is refused, and nothing is written.
      const before = (await pool.query(`select count(*)::int as n from billing_document`)).rows[0].n;
      const over = await call('POST', `/v1/billing/documents/${invoice}/credit-notes`, {
        body: { netMinor: String(gross), reason: 'too much' },
        headers: { 'idempotency-key': 'cn-2' },
      });
      expect([over.status, over.body.code]).toEqual([422, 'CREDIT_LIMIT_EXCEEDED']);
      expect((await pool.query(`select count(*)::int as n from billing_document`)).rows[0].n).toBe(before);
      const debit = await call('POST', `/v1/billing/documents/${invoice}/debit-notes`, {
        body: { netMinor: '250', reason: 'late fee' },
        headers: { 'idempotency-key': 'dn-1' },
      });
      expect(debit.body).toMatchObject({ type: 'DEBIT_NOTE', number: 'RT-DN2026-000001', grossMinor: '300' });
      const lines = await call('POST', `/v1/billing/review/${invoice}/lines`, {
        body: { description: 'x', amountMinor: '1', reason: 'x' },
      });
      expect([lines.status, lines.body.code]).toEqual([422, 'DOCUMENT_IMMUTABLE']);
    });

    it('publishes every billing event to the RATEL_BILLING stream, in the order written, once', async () => {
      const rows = (await pool.query(`select event_id from billing_outbox order by id`)).rows.map((r) => r.event_id as string);
      expect(rows.length).toBeGreaterThanOrEqual(15); // 14 invoices and the notes
      await waitFor(
        'the outbox relayed',
        async () => (await pool.query(`select count(*)::int as n from billing_outbox where published_at is null`)).rows[0].n,
        (n) => n === 0,
        30_000,
      );
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info('RATEL_BILLING');
      const ids: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage('RATEL_BILLING', { seq }).catch(() => null);
        const id = m?.header.get('Nats-Msg-Id');
        if (id && rows.includes(id)) ids.push(id);
      }
      expect(ids).toEqual(rows);
      const first = await jsm.streams.getMessage('RATEL_BILLING', { seq: info.state.first_seq });
      expect(first.json()).toMatchObject({
        schema: 'ratel.billing.v1',
        type: 'DOCUMENT_ISSUED',
        number: expect.stringMatching(/^RT-INV2026-/),
      });
    });

    it("answers an account's billing-cycle query: its current period, the next billing date, the invoice expected so far", async () => {
      const month = new Date().toISOString().slice(0, 7);
      const res = await call('GET', '/v1/billing/accounts/inv-acc-02/cycle');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        accountId: 'inv-acc-02',
        cycleType: 'MONTHLY_1',
        cycleId: `MONTHLY_1-${month}-01`,
        periodStart: `${month}-01`,
        timeZone: 'UTC',
        currency: 'EUR',
        expected: { documentType: 'INVOICE' },
      });
      // The grace of MONTHLY_1 is 3 days.
      const end = new Date(`${res.body.periodEnd}T00:00:00Z`).getTime();
      expect(res.body.nextBillingDate).toBe(new Date(end + 3 * 86_400_000).toISOString().slice(0, 10));
      const e = res.body.expected;
      expect(BigInt(e.netMinor) + BigInt(e.taxMinor)).toBe(BigInt(e.grossMinor));
      const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/v1/billing/accounts/{accountId}/cycle', '/v1/billing/accounts/{accountId}/advance-invoices']),
      );
      // A portal user sees its own account's cycle, never another's.
      expect((await call('GET', '/v1/billing/accounts/inv-acc-02/cycle', { key: '', headers: portal('inv-acc-02') })).status).toBe(200);
      const cases: Array<[string, string, Record<string, string> | undefined, number, string]> = [
        ['unknown account', '/v1/billing/accounts/nobody/cycle', undefined, 404, 'ACCOUNT_NOT_FOUND'],
        ['prepaid account', '/v1/billing/accounts/inv-prepaid/cycle', undefined, 422, 'NOT_INVOICED'],
        ['malformed id', '/v1/billing/accounts/bad%20id/cycle', undefined, 400, 'INVALID_ARGUMENT'],
        ["another account's portal user", '/v1/billing/accounts/inv-acc-02/cycle', portal('inv-acc-03'), 404, 'ACCOUNT_NOT_FOUND'],
      ];
      for (const [what, path, headers, status, code] of cases) {
        const bad = await call('GET', path, headers ? { key: '', headers } : {});
        expect([what, bad.status, bad.body.code]).toEqual([what, status, code]);
      }
    });

    it('serves issued documents as TMF678 CustomerBills', async () => {
      const res = await fetch(`${url}/tmf-api/customerBillManagement/v4/customerBill?billingAccount.id=inv-acc-01`, {
        headers: { 'x-api-key': BILLING_KEY },
      });
      expect(res.headers.get('x-total-count')).toBe('2');
      const bills = (await res.json()) as Record<string, unknown>[];
      const nov = bills.find((b) => b.billNo === 'RT-INV2026-000001')!;
      const doc = (await call('GET', `/v1/billing/documents/doc-${NOV}-inv-acc-01`)).body;
      expect(nov).toMatchObject({
        id: `doc-${NOV}-inv-acc-01`,
        category: 'normal',
        state: 'sent',
        billDate: '2026-11-30',
        taxIncludedAmount: { unit: 'EUR', value: Number(doc.grossMinor) / 100 },
        taxExcludedAmount: { unit: 'EUR', value: Number(doc.netMinor) / 100 },
        billingAccount: { id: 'inv-acc-01' },
        '@type': 'CustomerBill',
      });
      expect((await call('GET', `/tmf-api/customerBillManagement/v4/customerBill/doc-${NOV}-inv-acc-01`)).body.billNo).toBe(
        'RT-INV2026-000001',
      );
      expect((await call('GET', `/tmf-api/customerBillManagement/v4/customerBill/doc-${DEC}-${idle}`)).status).toBe(404);
      expect((await call('GET', '/tmf-api/customerBillManagement/v4/customerBill?state=sent')).body.parameter).toBe('state');
    });

    it('refuses a run of a cycle that is still open, and bad input everywhere, precisely', async () => {
      const open = await call('POST', '/v1/billing/runs', { body: { cycleId: 'MONTHLY_1-2027-01-01' } });
      expect([open.status, open.body.code]).toEqual([422, 'CYCLE_NOT_CLOSED']);
      const creditNoteId = (
        await pool.query(
          `select id from billing_document where type = 'CREDIT_NOTE' and run_id is null and status = 'ISSUED' order by number limit 1`,
        )
      ).rows[0].id as string;
      const cases: [string, string, unknown, number, string][] = [
        ['GET', '/v1/billing/documents?status=PENDING', undefined, 400, 'status'],
        ['GET', '/v1/billing/documents?limit=0', undefined, 400, 'limit'],
        ['GET', '/v1/billing/documents?grossMin=-1', undefined, 400, 'grossMin'],
        ['GET', '/v1/billing/documents?issuedFrom=2026-13-01', undefined, 400, 'issuedFrom'],
        ['GET', '/v1/billing/documents?issuedFrom=2026-12-01&issuedTo=2026-11-01', undefined, 400, 'issuedTo'],
        ['GET', '/v1/billing/documents?colour=red', undefined, 400, 'colour'],
        ['GET', '/v1/billing/documents/bad%20id', undefined, 400, 'documentId'],
        ['GET', '/v1/billing/documents/no-such-doc', undefined, 404, 'documentId'],
        ['GET', '/v1/billing/documents/bad%20id/ubl', undefined, 400, 'documentId'],
        ['GET', '/v1/billing/documents/no-such-doc/ubl', undefined, 404, 'documentId'],
        // Issued outside a run, rendered at once: its UBL skipped (the parties have no postal address), with the reason.
        ['GET', `/v1/billing/documents/${creditNoteId}/ubl`, undefined, 422, 'documentId'],
        // No billing address: RENDER recorded why there is no UBL.
        ['GET', `/v1/billing/documents/doc-${NOV}-inv-acc-02/ubl`, undefined, 422, 'documentId'],
        [
          'POST',
          `/v1/billing/review/doc-${NOV}-inv-acc-01/lines`,
          { description: 'x', amountMinor: '1.5', reason: 'r' },
          400,
          'amountMinor',
        ],
        [
          'POST',
          `/v1/billing/review/doc-${NOV}-inv-acc-01/lines`,
          { description: 'x', amountMinor: '1', taxRate: '20', reason: 'r' },
          400,
          'taxRate',
        ],
        ['POST', `/v1/billing/review/doc-${NOV}-inv-acc-01/approve`, {}, 400, 'reason'],
        ['POST', `/v1/billing/review/doc-${NOV}-inv-acc-01/approve`, { reason: 'r', extra: 1 }, 400, 'extra'],
        ['POST', '/v1/billing/runs', { cycleId: NOV, shards: 0 }, 400, 'shards'],
        ['POST', '/v1/billing/runs', {}, 400, 'cycleId'],
        ['POST', `/v1/billing/runs/run-${NOV}/phases/BILL/rerun`, {}, 400, 'phase'],
        ['GET', '/v1/billing/runs/no-such-run', undefined, 404, 'runId'],
      ];
      for (const [method, path, body, status, parameter] of cases) {
        const r = await call(method, path, { body });
        expect({ method, path, status: r.status, parameter: r.body.parameter }).toEqual({ method, path, status, parameter });
      }
      const credit = await call('POST', `/v1/billing/documents/doc-${NOV}-inv-acc-03/credit-notes`, {
        body: { netMinor: '1', reason: 'r' },
      });
      expect([credit.status, credit.body.parameter]).toEqual([400, 'Idempotency-Key']);
    });

    it('issues advance invoices: a deposit without tax, a prepayment taxed, once per key, owed to the customer until settled', async () => {
      const path = '/v1/billing/accounts/inv-acc-05/advance-invoices';
      const deposit = { kind: 'DEPOSIT', netMinor: '10000', description: 'Handset deposit' };
      const first = await call('POST', path, { body: deposit, headers: { 'idempotency-key': 'adv-1' } });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        type: 'ADVANCE_INVOICE',
        status: 'ISSUED',
        accountId: 'inv-acc-05',
        number: 'RT-ADV2026-000001',
        netMinor: '10000',
        taxMinor: '0',
        grossMinor: '10000',
      });
      expect(isValidCreditorReference(first.body.paymentReference)).toBe(true);
      const again = await call('POST', path, { body: deposit, headers: { 'idempotency-key': 'adv-1' } });
      expect([again.status, again.body.id, again.body.number]).toEqual([201, first.body.id, 'RT-ADV2026-000001']);
      const prepayment = await call('POST', path, {
        body: { kind: 'PREPAYMENT', netMinor: '5000', description: 'Three months ahead' },
        headers: { 'idempotency-key': 'adv-2' },
      });
      expect(prepayment.body).toMatchObject({ number: 'RT-ADV2026-000002', netMinor: '5000', taxMinor: '1000', grossMinor: '6000' });
      // Rendered when issued, without waiting for a run's RENDER.
      const pdf = await call('GET', `/v1/billing/documents/${prepayment.body.id}/pdf`);
      expect(pdf.status).toBe(200);
      expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
      // Two requests with one key at once: one document, both answered with it.
      const both = await Promise.all(
        [1, 2].map(() => call('POST', path, { body: { ...deposit, netMinor: '700' }, headers: { 'idempotency-key': 'adv-race' } })),
      );
      expect(both.map((r) => r.status)).toEqual([201, 201]);
      expect(both[0].body.id).toBe(both[1].body.id);
      // Owed by the customer (AR) and owed to the customer until settled (CUSTOMER_ADVANCES): not revenue.
      const legs = (
        await pool.query(
          `select p.account_code, p.party_account_id, p.amount_minor::text as amount from ledger_posting p
           join ledger_transaction t on t.id = p.transaction_id where t.source_id = $1 order by p.line_no`,
          [prepayment.body.id],
        )
      ).rows;
      expect(legs).toEqual([
        { account_code: 'AR', party_account_id: 'inv-acc-05', amount: '6000' },
        { account_code: 'CUSTOMER_ADVANCES', party_account_id: 'inv-acc-05', amount: '-5000' },
        { account_code: 'TAX_PAYABLE', party_account_id: null, amount: '-1000' },
      ]);
      const cases: Array<[string, string, unknown, Record<string, string>, number, string]> = [
        ['a reused key', path, { ...deposit, netMinor: '1' }, { 'idempotency-key': 'adv-1' }, 422, 'Idempotency-Key'],
        ['no key', path, deposit, {}, 400, 'Idempotency-Key'],
        ['an unknown kind', path, { ...deposit, kind: 'LOAN' }, { 'idempotency-key': 'adv-3' }, 400, 'kind'],
        ['a zero amount', path, { ...deposit, netMinor: '0' }, { 'idempotency-key': 'adv-3' }, 400, 'netMinor'],
        ['a fraction', path, { ...deposit, netMinor: '1.5' }, { 'idempotency-key': 'adv-3' }, 400, 'netMinor'],
        ['no description', path, { kind: 'DEPOSIT', netMinor: '1' }, { 'idempotency-key': 'adv-3' }, 400, 'description'],
        ['an unknown field', path, { ...deposit, due: 'now' }, { 'idempotency-key': 'adv-3' }, 400, 'due'],
        ['an unknown account', '/v1/billing/accounts/nobody/advance-invoices', deposit, { 'idempotency-key': 'adv-3' }, 404, 'accountId'],
      ];
      for (const [what, p, body, headers, status, parameter] of cases) {
        const r = await call('POST', p, { body, headers });
        expect([what, r.status, r.body.parameter]).toEqual([what, status, parameter]);
      }
      expect((await call('POST', path, { key: READ_KEY, body: deposit, headers: { 'idempotency-key': 'adv-4' } })).status).toBe(403);
      // Nothing the refusals touched was written.
      const count = await pool.query(`select count(*)::int as n from billing_document where type = 'ADVANCE_INVOICE'`);
      expect(count.rows[0].n).toBe(3);
    });

    it('serves cycle types and cycles: adds a type without a code change, creates its cycles ahead, and reads a billed cycle', async () => {
      const types = await call('GET', '/v1/billing/cycle-types');
      expect(types.body.cycleTypes.map((t: { code: string }) => t.code)).toEqual(expect.arrayContaining(['MONTHLY_1', 'WEEKLY_MON']));
      const paris = { code: 'PARIS_M1', kind: 'MONTHLY', anchorDay: 1, timeZone: 'Europe/Paris', description: 'calendar month in Paris' };
      const added = await call('POST', '/v1/billing/cycle-types', { body: paris });
      expect([added.status, added.body]).toEqual([201, { ...paris, graceDays: 3 }]);
      const again = await call('POST', '/v1/billing/cycle-types', { body: paris });
      expect([again.status, again.body.code]).toEqual([409, 'CYCLE_TYPE_EXISTS']);
      const due = await call('POST', '/v1/billing/cycles/due', { body: { ahead: 1 } });
      expect(due.status).toBe(200);
      expect(due.body.created).toBeGreaterThanOrEqual(2);
      const listed = await call('GET', '/v1/billing/cycles?cycleType=PARIS_M1');
      expect(listed.body.total).toBe(2);
      expect(listed.body.cycles[0].periodStart > listed.body.cycles[1].periodStart).toBe(true);
      expect(listed.body.cycles.every((c: { status: string }) => c.status === 'OPEN')).toBe(true);
      const nov = await call('GET', `/v1/billing/cycles/${NOV}`);
      expect(nov.body).toMatchObject({
        id: NOV,
        cycleType: 'MONTHLY_1',
        periodStart: '2026-11-01',
        periodEnd: '2026-12-01',
        runId: expect.any(String),
      });
      expect(nov.body.accounts).toBe(billed.length);
      expect(nov.body.documentsByStatus).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'ISSUED' })]));
      const cases: Array<[string, string, unknown, number, string]> = [
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'paris' }, 400, 'code'],
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'P2', kind: 'DAILY' }, 400, 'kind'],
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'P2', anchorDay: 29 }, 400, 'anchorDay'],
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'P2', kind: 'WEEKLY', anchorDay: 8 }, 400, 'anchorDay'],
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'P2', timeZone: 'Mars/Olympus' }, 400, 'timeZone'],
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'P2', graceDays: 40 }, 400, 'graceDays'],
        ['POST', '/v1/billing/cycle-types', { ...paris, code: 'P2', colour: 'red' }, 400, 'colour'],
        ['GET', '/v1/billing/cycles?status=DONE', undefined, 400, 'status'],
        ['GET', '/v1/billing/cycles?from=2026-13-01', undefined, 400, 'from'],
        ['GET', '/v1/billing/cycles?from=2026-12-01&to=2026-11-01', undefined, 400, 'to'],
        ['GET', '/v1/billing/cycles?limit=0', undefined, 400, 'limit'],
        ['GET', '/v1/billing/cycles?colour=red', undefined, 400, 'colour'],
        ['GET', '/v1/billing/cycles/no-such-cycle', undefined, 404, 'cycleId'],
        ['GET', '/v1/billing/cycles/bad%20id', undefined, 400, 'cycleId'],
        ['POST', '/v1/billing/cycles/due', { ahead: 99 }, 400, 'ahead'],
      ];
      for (const [method, path, body, status, parameter] of cases) {
        const r = await call(method, path, { body });
        expect({ method, path, status: r.status, parameter: r.body.parameter }).toEqual({ method, path, status, parameter });
      }
      // None of the refusals added a type.
      expect((await call('GET', '/v1/billing/cycle-types')).body.cycleTypes.some((t: { code: string }) => t.code === 'P2')).toBe(false);
      expect((await call('GET', '/v1/billing/cycles', { key: READ_KEY })).status).toBe(403);
    });

    it('assures the invoiced usage: published = ClickHouse = invoiced per account, late usage followed to the next run, every difference reported', async () => {
      const nov = await call('GET', `/v1/billing/cycles/${NOV}/usage-assurance`);
      expect(nov.status).toBe(200);
      expect(nov.body).toMatchObject({ cycleId: NOV, runId: `run-${NOV}`, balanced: true, nextRun: { runId: `run-${DEC}` } });
      expect(nov.body.published.clean).toBe(true);
      // November's usage of the 11 accounts with events, plus inv-acc-01's October event billed late.
      const usageMicros = novemberUsage(seed).reduce((s, e) => s + BigInt(e.amountMicros), 0n) + 2_500_000n;
      expect(nov.body.invoiced).toMatchObject({
        differenceCount: 0,
        differences: [],
        expected: { events: String(novemberUsage(seed).length + 1), amountMicros: String(usageMicros) },
      });
      expect(nov.body.invoiced.invoiced.amountMinor).toBe(nov.body.invoiced.expected.amountMinor);
      // The November event stored after November's run: billed by December's, late.
      expect(nov.body.afterWatermark).toEqual({
        billedByNextRun: { events: '1', amountMicros: '3330000', accounts: 1 },
        notBilledYet: { events: '0', amountMicros: '0', accounts: 0, accountIds: [] },
      });
      const dec = await call('GET', `/v1/billing/cycles/${DEC}/usage-assurance?accountId=inv-acc-02`);
      expect(dec.body).toMatchObject({ balanced: true, nextRun: null, accountId: 'inv-acc-02' });
      expect(dec.body.invoiced.expected).toMatchObject({ events: '2', amountMicros: '4330000', amountMinor: '433' });

      // An event ClickHouse holds below November's watermark that no invoice billed (written around the stream): reported on both sides.
      const store = new ClickhouseRatedEventStore(createClickhouseClient({ url: ch.url }), chDb);
      const stray = ratedEvent(`${seed}-stray`, { accountId: 'inv-acc-03', amountMicros: '4444444', occurredAtMs: Date.UTC(2026, 10, 20) });
      await store.insertRatedEvents([toRatedEventRow(stray, { streamSeq: 1, ingestedAtMs: Date.now() })]);
      const tampered = await call('GET', `/v1/billing/cycles/${NOV}/usage-assurance`);
      expect(tampered.body.balanced).toBe(false);
      expect(tampered.body.published.accountsWithDifferences).toEqual(['inv-acc-03']);
      // Its line key is one inv-acc-03 already has: the key differs by the stray line, one line and 4.44 EUR more than billed.
      const [diff] = tampered.body.invoiced.differences;
      expect(tampered.body.invoiced.differenceCount).toBe(1);
      expect(diff).toMatchObject({ accountId: 'inv-acc-03', expected: { lines: 2 }, invoiced: { lines: 1 } });
      expect(BigInt(diff.expected.amountMinor) - BigInt(diff.invoiced.amountMinor)).toBe(444n);
      const one = await call('GET', `/v1/billing/cycles/${NOV}/usage-assurance?accountId=inv-acc-04`);
      expect(one.body).toMatchObject({ balanced: true, accountId: 'inv-acc-04' });

      const cases: Array<[string, number, string | undefined]> = [
        [`/v1/billing/cycles/no-such-cycle/usage-assurance`, 404, 'cycleId'],
        [`/v1/billing/cycles/${NOV}/usage-assurance?accountId=inv-prepaid`, 404, 'accountId'],
        [`/v1/billing/cycles/${NOV}/usage-assurance?accountId=bad%20id`, 400, 'accountId'],
        [`/v1/billing/cycles/${NOV}/usage-assurance?colour=red`, 400, 'colour'],
        [`/v1/billing/cycles/MONTHLY_1-2027-01-01/usage-assurance`, 422, undefined],
      ];
      for (const [path, status, parameter] of cases) {
        const r = await call('GET', path);
        expect({ path, status: r.status, parameter: r.body.parameter }).toEqual({ path, status, parameter });
      }
      expect((await call('GET', `/v1/billing/cycles/${NOV}/usage-assurance`, { key: READ_KEY })).status).toBe(403);
    });
  });
});
