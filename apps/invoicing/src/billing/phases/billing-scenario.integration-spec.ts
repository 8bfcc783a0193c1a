/**
 * The billing scenario of issue 9 "Done means", through the invoice run's phases (PLAN, COMPUTE,
 * VALIDATE, FINALIZE) on real PostgreSQL and ClickHouse, with a fake clock, checked line by line
 * against amounts computed by hand. The pure computation of the same scenario is
 * compute/billing-scenario.spec.ts; here every input comes from the tables (catalog, lifecycle
 * events, earlier invoices) and from rated events in ClickHouse.
 *
 * Account A1: EUR, Europe/Paris (cycle type PARIS_M1: calendar months in Paris), FR VAT 20 % and
 * 5.5 %, minimum commitment 150.00 EUR. Summer time ends on Sunday 25 October 2026 at 03:00 CEST.
 *
 *   September's run bills what October's invoice builds on: October's landline fee in advance,
 *   the first handset instalment; and September's usage up to its watermark.
 *   October's run: an activation in mid-cycle, a suspension and resumption, a product change
 *   (S1); a fibre fee in arrears with a reduced-rate press fee, a call across the cycle boundary
 *   at midnight Paris time, and late September usage (S2); a cancellation whose local date is a
 *   day after its UTC date (S3); the second handset instalment (S4); a line discount, a
 *   cross-product discount, an invoice discount, and the minimum commitment top-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import {
  ClickhouseRatedEventStore,
  createClickhouseClient,
  dropClickhouseDatabase,
  migrateClickhouse,
  queryInvoiceUsage,
  toRatedEventRow,
  type ClickHouseClient,
} from '@app/analytics';
import { migrate } from '@app/db';
import { createTestDatabase, ensureClickhouse, type TestClickhouse, uniqueId } from '@app/devstack';
import { ratedEvent } from '@app/events/testing';
import { createLogger, FakeClock } from '@app/observability';
import { AccountCycleService } from '../cycles/account-cycle';
import { PgCycleService } from '../cycles/cycle-service';
import { BillingDocumentService } from '../documents/document-service';
import { documentIdOf } from '../compute/draft-document';
import { microsToMinor } from '../compute/line-factory';
import { Finalizer } from '../documents/finalize';
import { PgDocumentStore } from '../documents/pg-document-store';
import { fatalRules, xsdErrors } from '../einvoice/testing/ubl-validators';
import { FsDocumentStore } from '../render/document-store';
import { PgRunStore } from '../run/run-store';
import type { RunPhase } from '../run/run-phases';
import type { StepContext } from '../run/run-worker';
import { VALIDATION_LIMITS_DEFAULT } from '../validate/draft-checks';
import type { BillingDeps } from './billing-deps';
import { ComputeExecutor } from './compute.executor';
import { FinalizeExecutor } from './finalize.executor';
import { PlanExecutor } from './plan.executor';
import { RenderExecutor } from './render.executor';
import { ReportExecutor, type CycleReport } from './report.executor';
import { ValidateExecutor } from './validate.executor';

const SEP = 'PARIS_M1-2026-09-01';
const OCT = 'PARIS_M1-2026-10-01';
const NOV = 'PARIS_M1-2026-11-01';
const MSISDN = { S1: '33600000001', S2: '33600000002', S3: '33600000003', S4: '33600000004' };

/** Rated events of A1: [seed, subscription, occurredAt (UTC), micros, service, rating group, tariff, unit, units, stream position]. */
const USAGE: ReadonlyArray<[string, keyof typeof MSISDN, string, number, number, number, string, 'BYTES' | 'SECONDS', number, number]> = [
  // September, stored before September's run (watermark 100): on September's invoice. 1.00 EUR.
  ['sep-call', 'S2', '2026-09-10T12:00:00Z', 1_000_000, 1, 1, 'T2', 'SECONDS', 120, 10],
  // October. 4.5675 EUR = 456.75 cents -> 457; 1.234449 EUR -> 123.
  ['oct-data', 'S1', '2026-10-11T10:00:00Z', 4_567_500, 2, 10, 'T1', 'BYTES', 2048, 110],
  ['oct-call', 'S1', '2026-10-20T12:00:00Z', 1_234_449, 1, 1, 'T2', 'SECONDS', 3600, 111],
  // A call across the cycle boundary, rated in two parts: 23:55 on 31 October in Paris (22:55 UTC) is
  // October's, 1.50 EUR; 00:05 on 1 November in Paris (23:05 UTC on 31 October) is November's.
  ['oct-boundary-1', 'S2', '2026-10-31T22:55:00Z', 1_500_000, 1, 1, 'T2', 'SECONDS', 300, 112],
  ['oct-boundary-2', 'S2', '2026-10-31T23:05:00Z', 700_000, 1, 1, 'T2', 'SECONDS', 300, 113],
  // September's, stored after September's run (position 150 > 100): late on October's invoice. 2.3455 EUR -> 235.
  ['sep-late', 'S2', '2026-09-20T12:00:00Z', 2_345_500, 1, 1, 'T9', 'SECONDS', 120, 150],
];

describe('billing scenario through the invoice run (PostgreSQL, ClickHouse, fake clock)', () => {
  let pool: Pool;
  let ch: TestClickhouse;
  let clickhouse: ClickHouseClient;
  const chDb = uniqueId('scenario').replace(/-/g, '_');
  const clock = new FakeClock(Date.UTC(2026, 9, 5));
  let watermark = 0n;
  let deps: BillingDeps;

  async function runPhases(cycleId: string, phases: RunPhase[]): Promise<void> {
    const run = await deps.runs.openRun({ runId: `run-${cycleId}`, cycleId, shardCount: 1 });
    const executors = {
      REPORT: new ReportExecutor(deps),
      PLAN: new PlanExecutor(deps),
      COMPUTE: new ComputeExecutor(deps),
      VALIDATE: new ValidateExecutor(deps),
      FINALIZE: new FinalizeExecutor(deps),
    };
    for (const phase of phases) {
      const ctx = {
        run: await deps.runs.getRun(run.id),
        step: { runId: run.id, phase, shardIndex: 0 },
        progress: async () => undefined,
        signal: new AbortController().signal,
      } as unknown as StepContext;
      await executors[phase as keyof typeof executors].execute(ctx);
    }
  }

  const lines = async (cycleId: string) =>
    (
      await pool.query<{
        kind: string;
        subscription_id: string | null;
        ref: string | null;
        period: string;
        amount_minor: string;
        tax_category: string;
        tax_rate: string;
        late: boolean;
        parent: string | null;
      }>(
        `select l.kind, l.subscription_id, coalesce(l.charge_id, l.discount_id) as ref, l.period_start || '..' || l.period_end as period,
           l.amount_minor::text, l.tax_category, l.tax_rate::text, l.late, p.kind as parent
         from billing_document d join billing_document_line l on l.document_id = d.id
         left join billing_document_line p on p.document_id = l.document_id and p.line_no = l.parent_line_no
         where d.cycle_id = $1 order by l.line_no`,
        [cycleId],
      )
    ).rows.map((r) => [
      r.kind,
      r.subscription_id,
      r.ref,
      r.period,
      BigInt(r.amount_minor),
      `${r.tax_category} ${Number(r.tax_rate) * 100}`.replace('NONE 0', '-'),
      r.late,
    ]);

  const document = async (cycleId: string) =>
    (
      await pool.query(
        `select type, status, number_text, net_minor::text, tax_minor::text, gross_minor::text, usage_minor::text from billing_document where cycle_id = $1`,
        [cycleId],
      )
    ).rows;

  beforeAll(async () => {
    const url = await createTestDatabase('scenario');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 4 });
    ch = await ensureClickhouse();
    await migrateClickhouse(ch.url, chDb);
    clickhouse = createClickhouseClient({ url: ch.url });
    const at = new Date(Date.UTC(2025, 0, 1));
    const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);
    await q(`insert into billing_cycle_type (code, kind, anchor_day, time_zone, grace_days, description)
             values ('PARIS_M1', 'MONTHLY', 1, 'Europe/Paris', 3, 'calendar month in Paris')`);
    await q(
      `insert into tax_rate (id, jurisdiction, category, rate_percent, valid_from, created_at) values
             ('fr-std', 'FR', 'STANDARD', 20, '2014-01-01', $1), ('fr-red', 'FR', 'REDUCED', 5.5, '2014-01-01', $1)`,
      [at],
    );
    await q(
      `insert into product (id, name, created_at) values ('MOBILE', 'Mobile 20GB', $1), ('MOBILE_PLUS', 'Mobile 100GB', $1),
             ('FIBRE', 'Fibre', $1), ('LANDLINE', 'Landline', $1), ('HANDSET', 'Handset', $1), ('TV', 'TV', $1),
             ('US_MOBILE', 'Mobile (US)', $1)`,
      [at],
    );
    await q(
      `insert into product_charge (id, product_id, name, kind, period, billing, prorated, instalment_count, amount_minor, currency, tax_category, created_at) values
      ('C_MOB', 'MOBILE', 'Mobile 20GB', 'RECURRING', 'MONTHLY', 'ADVANCE', true, null, 2000, 'EUR', 'STANDARD', $1),
      ('C_MOB_ACT', 'MOBILE', 'SIM activation', 'ACTIVATION', null, null, null, null, 1000, 'EUR', 'STANDARD', $1),
      ('C_PLUS', 'MOBILE_PLUS', 'Mobile 100GB', 'RECURRING', 'MONTHLY', 'ADVANCE', true, null, 3100, 'EUR', 'STANDARD', $1),
      ('C_FIB', 'FIBRE', 'Fibre', 'RECURRING', 'MONTHLY', 'ARREARS', true, null, 3000, 'EUR', 'STANDARD', $1),
      ('C_PRESS', 'FIBRE', 'Press kiosk', 'RECURRING', 'MONTHLY', 'ARREARS', false, null, 999, 'EUR', 'REDUCED', $1),
      ('C_LAND', 'LANDLINE', 'Landline', 'RECURRING', 'MONTHLY', 'ADVANCE', true, null, 1550, 'EUR', 'STANDARD', $1),
      ('C_LAND_TERM', 'LANDLINE', 'Line termination', 'TERMINATION', null, null, null, null, 2500, 'EUR', 'STANDARD', $1),
      ('C_HANDSET', 'HANDSET', 'Handset lease', 'INSTALMENT', null, null, null, 24, 59900, 'EUR', 'STANDARD', $1),
      ('C_TV', 'TV', 'TV', 'RECURRING', 'MONTHLY', 'ADVANCE', true, null, 1000, 'EUR', 'STANDARD', $1),
      ('C_US', 'US_MOBILE', 'Mobile (US)', 'RECURRING', 'MONTHLY', 'ADVANCE', true, null, 2500, 'USD', 'STANDARD', $1)`,
      [at],
    );
    await q(
      `insert into discount (id, name, kind, percent, amount_minor, currency, scope, charge_id, service, required_product_ids, valid_from, valid_to, created_at) values
      ('D_PLUS10', '10 % on Mobile 100GB', 'PERCENT', 10, null, null, 'CHARGE', 'C_PLUS', null, '{}', '2026-01-01', '2027-01-01', $1),
      ('D_CONVERGENT', 'Fibre + mobile', 'FIXED', null, 500, 'EUR', 'CHARGE', 'C_FIB', null, '{FIBRE,MOBILE_PLUS}', '2026-01-01', '2027-01-01', $1),
      ('D_TRIPLE', 'Triple play', 'FIXED', null, 1000, 'EUR', 'INVOICE', null, null, '{FIBRE,TV}', '2026-01-01', '2027-01-01', $1),
      ('D_SUMMER', 'Summer', 'PERCENT', 50, null, null, 'INVOICE', null, null, '{}', '2026-06-01', '2026-10-01', $1),
      ('D_LOYALTY', 'Loyalty 5 %', 'PERCENT', 5, null, null, 'INVOICE', null, null, '{}', '2026-01-01', null, $1),
      -- Another currency's offer: never on a EUR invoice (and its product's USD charge is no part of A1's input).
      ('D_US', 'US welcome', 'FIXED', null, 100, 'USD', 'INVOICE', null, null, '{}', '2026-01-01', null, $1)`,
      [at],
    );
    await q(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('pp', 'MOBILE', 'Plan', 'EUR', 1, $1, $1)`,
      [at],
    );
    await q(`insert into customer (id, name, created_at, updated_at) values ('cu', 'Customer', $1, $1)`, [at]);
    await q(
      `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, billing_cycle_type, tax_jurisdiction,
               payment_terms_days, minimum_commitment_minor, created_at, updated_at)
             values ('A1', 'cu', 'POSTPAID', 'EUR', 'Europe/Paris', 1, 'pp', 'PARIS_M1', 'FR', 30, 15000, $1, $1)`,
      [at],
    );
    await q(
      `insert into subscription (id, msisdn, imsi, account_id, product_id, status, created_at) values
      ('S1', $2, '208010000000001', 'A1', 'MOBILE_PLUS', 'ACTIVE', $1), ('S2', $3, '208010000000002', 'A1', 'FIBRE', 'ACTIVE', $1),
      ('S3', $4, '208010000000003', 'A1', 'LANDLINE', 'CANCELLED', $1), ('S4', $5, '208010000000004', 'A1', 'HANDSET', 'ACTIVE', $1)`,
      [at, MSISDN.S1, MSISDN.S2, MSISDN.S3, MSISDN.S4],
    );
    // Lifecycle events, dated by instant and by their local date in Paris (what provisioning writes).
    const events: Array<[string, string, string, string | null, string | null]> = [
      ['S1', 'ACTIVATE', '2026-10-10T08:00:00Z', null, 'MOBILE'], // 10:00 CEST
      ['S1', 'SUSPEND', '2026-10-13T10:00:00Z', null, null],
      ['S1', 'RESUME', '2026-10-16T08:00:00Z', null, null],
      ['S1', 'CHANGE_PRODUCT', '2026-10-21T09:00:00Z', 'MOBILE', 'MOBILE_PLUS'],
      ['S2', 'ACTIVATE', '2026-03-01T10:00:00Z', null, 'FIBRE'],
      ['S3', 'ACTIVATE', '2025-01-01T10:00:00Z', null, 'LANDLINE'],
      ['S3', 'CANCEL', '2026-10-25T23:30:00Z', null, null], // 00:30 CET on 26 October in Paris
      ['S4', 'ACTIVATE', '2026-08-05T10:00:00Z', null, 'HANDSET'],
    ];
    for (const [s, kind, instant, from, to] of events)
      await q(
        `insert into subscription_lifecycle_event (subscription_id, account_id, kind, effective_at, effective_local_date, time_zone, from_product_id, to_product_id, actor)
         values ($1, 'A1', $2, $3, ($3::timestamptz at time zone 'Europe/Paris')::date, 'Europe/Paris', $4, $5, 'spec')`,
        [s, kind, instant, from, to],
      );
    const store = new ClickhouseRatedEventStore(clickhouse, chDb);
    for (const [seed, s, occurred, micros, serviceId, ratingGroup, tariffId, unit, units, seq] of USAGE) {
      const occurredAtMs = Date.parse(occurred);
      const e = ratedEvent(`scenario-${seed}`, {
        accountId: 'A1',
        subscriberId: MSISDN[s],
        occurredAtMs,
        amountMicros: String(micros),
        serviceId,
        ratingGroup,
        tariffId,
        unit,
        usedUnits: units,
        billableUnits: units,
      });
      await store.insertRatedEvents([toRatedEventRow(e, { streamSeq: seq, ingestedAtMs: occurredAtMs })]);
    }
    const cycles = new PgCycleService(pool);
    deps = {
      pool,
      runs: new PgRunStore(pool, clock),
      cycles,
      documents: new PgDocumentStore(pool),
      finalizer: new Finalizer(pool),
      clickhouse,
      clickhouseDatabase: chDb,
      // The sink's stored position, as the test moves it (SinkAckFloorWatermark reads it from JetStream in a real run).
      watermark: { read: async () => watermark },
      validation: VALIDATION_LIMITS_DEFAULT,
      clock,
      logger: createLogger('scenario-spec', 'silent'),
    };
    await cycles.ensureCycles(Date.UTC(2026, 8, 10), 2);
  });

  afterAll(async () => {
    await pool?.end();
    await clickhouse?.close();
    await dropClickhouseDatabase(ch.url, chDb).catch(() => undefined);
    await ch?.stop();
  });

  it("September's run bills October's landline fee in advance and the first handset instalment", async () => {
    clock.set(Date.UTC(2026, 9, 5));
    await deps.cycles.advance(clock.nowMs());
    watermark = 100n;
    await runPhases(SEP, ['PLAN', 'COMPUTE', 'VALIDATE', 'FINALIZE']);
    const sep = await lines(SEP);
    expect(sep).toEqual(
      expect.arrayContaining([
        ['RECURRING', 'S3', 'C_LAND', '2026-10-01..2026-11-01', 1550n, 'STANDARD 20', false],
        ['ONE_TIME', 'S4', 'C_HANDSET', '2026-09-01..2026-10-01', 2495n, 'STANDARD 20', false],
        ['USAGE', 'S2', null, '2026-09-10..2026-09-11', 100n, 'STANDARD 20', false],
      ]),
    );
    expect(sep.some((l) => l[1] === 'S1')).toBe(false); // activated in October
    expect((await document(SEP))[0]).toMatchObject({ type: 'INVOICE', status: 'ISSUED' });
  });

  it("seed 003: in mid-October the account's cycle expects the invoice October's run will issue", async () => {
    clock.set(Date.UTC(2026, 9, 20, 12));
    const view = await new AccountCycleService(pool, deps.cycles, clickhouse, chDb, clock).current('A1');
    expect(view).toMatchObject({
      cycleId: OCT,
      periodStart: '2026-10-01',
      periodEnd: '2026-11-01',
      timeZone: 'Europe/Paris',
      status: 'OPEN',
      nextBillingDate: '2026-11-04',
      currency: 'EUR',
      // Every event stored so far (the late September call included), and the lifecycle as recorded.
      expected: { documentType: 'INVOICE', usageMinor: '965', netMinor: '15000', taxMinor: '2862', grossMinor: '17862' },
    });
  });

  it("October's invoice, line by line", async () => {
    clock.set(Date.UTC(2026, 10, 5));
    await deps.cycles.advance(clock.nowMs());
    watermark = 200n;
    await runPhases(OCT, ['PLAN', 'COMPUTE', 'VALIDATE', 'FINALIZE']);
    // Usage of 9.65 EUR against 1.00 EUR in September: more than twice the median of the account's last invoices.
    const held = (await pool.query(`select status, hold_reasons from billing_document where cycle_id = $1`, [OCT])).rows[0];
    expect(held.status).toBe('HELD');
    expect(held.hold_reasons.map((r: { code: string }) => r.code)).toEqual(['USAGE_SPIKE']);
    expect(await lines(OCT)).toEqual([
      // S1 = 516 + 1100 + 3100 + 1000 + 457 + 123 - 420 = 5876
      ['SUBSCRIPTION', 'S1', null, '2026-10-01..2026-11-01', 0n, '-', false],
      // MOBILE in advance, never billed: 10-12 and 16-20 October = 8 chargeable days of 31 (suspended 13-15): 2000 x 8 / 31 = 516.13 -> 516.
      ['RECURRING', 'S1', 'C_MOB', '2026-10-10..2026-11-01', 516n, 'STANDARD 20', false],
      // MOBILE_PLUS from 21 October: 3100 x 11 / 31 = 1100; then November in advance, whole: 3100.
      ['RECURRING', 'S1', 'C_PLUS', '2026-10-21..2026-11-01', 1100n, 'STANDARD 20', false],
      ['RECURRING', 'S1', 'C_PLUS', '2026-11-01..2026-12-01', 3100n, 'STANDARD 20', false],
      ['ONE_TIME', 'S1', 'C_MOB_ACT', '2026-10-10..2026-10-11', 1000n, 'STANDARD 20', false],
      ['USAGE', 'S1', null, '2026-10-20..2026-10-21', 123n, 'STANDARD 20', false],
      ['USAGE', 'S1', null, '2026-10-11..2026-10-12', 457n, 'STANDARD 20', false],
      // 10 % of the MOBILE_PLUS lines: (1100 + 3100) x 0.10 = 420.
      ['DISCOUNT', 'S1', 'D_PLUS10', '2026-10-01..2026-11-01', -420n, 'STANDARD 20', false],
      // S2 = 3000 + 999 + 150 + 235 - 500 = 3884
      ['SUBSCRIPTION', 'S2', null, '2026-10-01..2026-11-01', 0n, '-', false],
      ['RECURRING', 'S2', 'C_FIB', '2026-10-01..2026-11-01', 3000n, 'STANDARD 20', false],
      ['RECURRING', 'S2', 'C_PRESS', '2026-10-01..2026-11-01', 999n, 'REDUCED 5.5', false],
      // The boundary call: only its October part (23:55 Paris), 1.50 EUR; the part at 00:05 Paris on 1 November is not here.
      ['USAGE', 'S2', null, '2026-10-31..2026-11-01', 150n, 'STANDARD 20', false],
      ['USAGE', 'S2', null, '2026-09-20..2026-09-21', 235n, 'STANDARD 20', true],
      // Fibre + MOBILE_PLUS held in October: 5.00 EUR off the fibre fee.
      ['DISCOUNT', 'S2', 'D_CONVERGENT', '2026-10-01..2026-11-01', -500n, 'STANDARD 20', false],
      // S3 = -300 + 2500 = 2200: cancelled on 26 October in Paris (25 October in UTC): 26-31 October unused, 6 of the 31
      // days September's invoice billed in advance: 1550 x 6 / 31 = 300 (in UTC it would be 7 days, 350).
      ['SUBSCRIPTION', 'S3', null, '2026-10-01..2026-11-01', 0n, '-', false],
      ['RECURRING', 'S3', 'C_LAND', '2026-10-26..2026-11-01', -300n, 'STANDARD 20', false],
      ['ONE_TIME', 'S3', 'C_LAND_TERM', '2026-10-26..2026-10-27', 2500n, 'STANDARD 20', false],
      // Handset 599.00 in 24 parts: 59900 / 24 = 2495.83 -> parts 1..23 are 2495; part 2 now (part 1 was September's).
      ['SUBSCRIPTION', 'S4', null, '2026-10-01..2026-11-01', 0n, '-', false],
      ['ONE_TIME', 'S4', 'C_HANDSET', '2026-10-01..2026-11-01', 2495n, 'STANDARD 20', false],
      // Before invoice discounts 14455: STANDARD 13456, REDUCED 999. Loyalty 5 % per rate: 672.8 -> 673; 49.95 -> 50.
      ['DISCOUNT', null, 'D_LOYALTY', '2026-10-01..2026-11-01', -673n, 'STANDARD 20', false],
      ['DISCOUNT', null, 'D_LOYALTY', '2026-10-01..2026-11-01', -50n, 'REDUCED 5.5', false],
      // Net 14455 - 723 = 13732, below the 15000 minimum: 1268 more.
      ['MINIMUM', null, null, '2026-10-01..2026-11-01', 1268n, 'STANDARD 20', false],
    ]);
    // Subtotals per subscription: its children.
    const subtotals = (
      await pool.query(
        `select p.subscription_id, sum(l.amount_minor)::text as total from billing_document_line l join billing_document d on d.id = l.document_id
         join billing_document_line p on p.document_id = l.document_id and p.line_no = l.parent_line_no where d.cycle_id = $1 group by 1 order by 1`,
        [OCT],
      )
    ).rows;
    expect(subtotals).toEqual([
      { subscription_id: 'S1', total: '5876' },
      { subscription_id: 'S2', total: '3884' },
      { subscription_id: 'S3', total: '2200' },
      { subscription_id: 'S4', total: '2495' },
    ]);
    // Tax per rate: STANDARD (13456 - 673 + 1268) = 14051 x 0.2 = 2810.2 -> 2810; REDUCED 949 x 0.055 = 52.195 -> 52.
    expect(
      (
        await pool.query(
          `select t.tax_category, t.taxable_minor::text, t.tax_minor::text from billing_document_tax t join billing_document d on d.id = t.document_id where d.cycle_id = $1 order by 1 desc`,
          [OCT],
        )
      ).rows,
    ).toEqual([
      { tax_category: 'STANDARD', taxable_minor: '14051', tax_minor: '2810' },
      { tax_category: 'REDUCED', taxable_minor: '949', tax_minor: '52' },
    ]);
    // An operator checks it and approves it: issued at once.
    await new BillingDocumentService(pool, clock).approve(documentIdOf(OCT, 'A1'), 'usage checked with the customer', 'apikey:ops');
    expect(await document(OCT)).toEqual([
      {
        type: 'INVOICE',
        status: 'ISSUED',
        number_text: expect.any(String),
        net_minor: '15000',
        tax_minor: '2862',
        gross_minor: '17862',
        usage_minor: '965',
      },
    ]);
  });

  it("October's cycle report adds up: usage (ClickHouse's, line by line) + fees - discounts + the top-up = net; + tax = the documents' gross", async () => {
    await runPhases(OCT, ['REPORT']);
    const report = (await pool.query<{ report: CycleReport }>(`select report from billing_run where id = $1`, [`run-${OCT}`])).rows[0]
      .report;
    const kinds = Object.fromEntries(report.revenueByLineKind.map((k) => [k.kind, BigInt(k.netMinor)]));
    expect(kinds).toEqual({
      RECURRING: 516n + 1100n + 3100n + 3000n + 999n - 300n,
      ONE_TIME: 1000n + 2500n + 2495n,
      USAGE: 965n,
      DISCOUNT: -(420n + 500n + 673n + 50n),
      MINIMUM: 1268n,
    });
    const net = Object.values(kinds).reduce((a, b) => a + b, 0n);
    const docs = (
      await pool.query(`select sum(net_minor)::text as net, sum(gross_minor)::text as gross from billing_document where run_id = $1`, [
        `run-${OCT}`,
      ])
    ).rows[0];
    expect([net.toString(), report.totals[0].netMinor, report.totals[0].grossMinor]).toEqual([docs.net, docs.net, docs.gross]);
    expect(BigInt(report.totals[0].netMinor) + BigInt(report.totals[0].taxMinor)).toBe(BigInt(report.totals[0].grossMinor));
    // The usage ClickHouse holds for the run (its period and watermarks), each line rounded once, is the usage invoiced.
    const run = await deps.runs.getRun(`run-${OCT}`);
    const cycle = await deps.cycles.get(OCT);
    const stored = await queryInvoiceUsage(clickhouse, chDb, {
      firstAccountId: 'A1',
      lastAccountId: 'A1',
      periodStartMs: cycle.startsAtMs,
      periodEndMs: cycle.endsAtMs,
      watermarkSeq: run.usageWatermarkSeq!,
      previousWatermarkSeq: run.previousWatermarkSeq!,
    });
    expect(stored.reduce((a, u) => a + microsToMinor(u.amountMicros, 'EUR'), 0n)).toBe(kinds.USAGE);
    expect(report.documentsByStatus).toEqual([{ status: 'ISSUED', documents: 1 }]);
  });

  it("October's invoice as a UBL e-invoice: RENDER stores one that passes the UBL 2.1 XSD and the EN 16931 rules", async () => {
    const doc = (await pool.query(`select id, legal_entity_id from billing_document where cycle_id = $1 and status = 'ISSUED'`, [OCT]))
      .rows[0];
    const at = new Date(clock.nowMs());
    await pool.query(
      `insert into legal_entity (id, name, address, vat_id, iban, number_series_prefix, postal_street, postal_city, postal_code, postal_country_code,
         created_at, updated_at)
       values ($1, 'Ratel Telecom SAS', '1 rue de la Paix, 75002 Paris', 'FR40303265045', 'FR7630006000011234567890189', 'RTS', '1 rue de la Paix',
         'Paris', '75002', 'FR', $2, $2)
       on conflict (id) do update set postal_street = excluded.postal_street, postal_city = excluded.postal_city,
         postal_code = excluded.postal_code, postal_country_code = excluded.postal_country_code`,
      [doc.legal_entity_id, at],
    );
    await pool.query(
      `update billing_account set billing_street = '5 avenue Foch', billing_city = 'Lyon', billing_postal_code = '69006', billing_country_code = 'FR'
       where id = 'A1'`,
    );
    const root = mkdtempSync(join(tmpdir(), 'ratel-scenario-docs-'));
    try {
      const run = await deps.runs.getRun(`run-${OCT}`);
      await new RenderExecutor(deps, new FsDocumentStore(root)).execute({
        run,
        step: { runId: run.id, phase: 'RENDER', shardIndex: 0 },
        progress: async () => undefined,
        signal: new AbortController().signal,
      } as unknown as StepContext);
      const renditions = (
        await pool.query(`select kind, status, storage_key, skip_reason from billing_rendition where document_id = $1 order by kind`, [
          doc.id,
        ])
      ).rows;
      expect(renditions.map((r) => [r.kind, r.status, r.skip_reason])).toEqual([
        ['PDF', 'RENDERED', null],
        ['UBL', 'RENDERED', null],
      ]);
      const file = join(root, renditions[1].storage_key);
      expect(xsdErrors(file, 'UBL-Invoice-2.1.xsd')).toBeNull();
      expect(fatalRules(file)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("computing October again changes nothing; November's invoice bills the rest of the boundary call and no credit twice", async () => {
    const before = await lines(OCT);
    await runPhases(OCT, ['COMPUTE', 'VALIDATE', 'FINALIZE']);
    expect(await lines(OCT)).toEqual(before);
    clock.set(Date.UTC(2026, 11, 5));
    await deps.cycles.advance(clock.nowMs());
    watermark = 300n;
    await runPhases(NOV, ['PLAN', 'COMPUTE']);
    const nov = await lines(NOV);
    // 0.70 EUR at 00:05 Paris on 1 November.
    expect(nov).toContainEqual(['USAGE', 'S2', null, '2026-11-01..2026-11-02', 70n, 'STANDARD 20', false]);
    // S3 was cancelled in October and credited then: nothing for it in November.
    expect(nov.some((l) => l[1] === 'S3')).toBe(false);
    // MOBILE_PLUS for November was billed in advance in October: December now, and the third handset instalment.
    expect(nov).toEqual(
      expect.arrayContaining([
        ['RECURRING', 'S1', 'C_PLUS', '2026-12-01..2027-01-01', 3100n, 'STANDARD 20', false],
        ['ONE_TIME', 'S4', 'C_HANDSET', '2026-11-01..2026-12-01', 2495n, 'STANDARD 20', false],
      ]),
    );
    expect(nov.filter((l) => l[2] === 'C_PLUS')).toHaveLength(1);
  });
});
