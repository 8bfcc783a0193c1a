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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { connect, type NatsConnection } from 'nats';
import { dropClickhouseDatabase } from '@app/analytics';
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

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** The CLI compiles on the fly (ts-node), as do the workers of each phase. */
const RUN_TIMEOUT_MS = 240_000;
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
        `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, billing_cycle_type, created_at, updated_at)
         values ($1, $2, $3, 'EUR', 'Europe/Paris', 1, 'pp-1', $4, $5, $5)`,
        [id, `c-${id}`, type, cycleType, at],
      );
    }
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
      expect(issued.map((d) => d.number_text)).toEqual(Array.from({ length: 11 }, (_, i) => `INV2026-${String(i + 1).padStart(6, '0')}`));
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
          `select r.storage_key from billing_rendition r join billing_document d on d.id = r.document_id where d.number_text = 'INV2026-000001'`,
        )
      ).rows[0];
      const text = execFileSync('pdftotext', ['-layout', join(docsDir, rendition.storage_key), '-'], { encoding: 'utf8' });
      const first = issued[0];
      expect(text).toContain('INV2026-000001');
      expect(text).toContain(`${(Number(first.gross_minor) / 100).toFixed(2)} EUR`);
      expect(text.replace(/\s/g, '')).toContain(first.payment_reference);
      expect(
        (await pool.query(`select count(*)::int as n from billing_delivery where channel = 'PORTAL' and status = 'SENT'`)).rows[0].n,
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
      expect(decNumbers[0]).toBe('INV2026-000012');
    },
    RUN_TIMEOUT_MS,
  );
});
