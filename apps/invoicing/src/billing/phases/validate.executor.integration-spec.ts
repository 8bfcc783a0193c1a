/**
 * VALIDATE on real PostgreSQL and ClickHouse: a zero draft of an account with an active subscription
 * is held (ZERO_TOTAL_ACTIVE), the same draft of an account without any subscription is not (it had
 * no active day), and a draft an operator approved is never held again.
 */
import { Pool } from 'pg';
import { createClickhouseClient, dropClickhouseDatabase, migrateClickhouse } from '@app/analytics';
import { migrate } from '@app/db';
import { createTestDatabase, ensureClickhouse, type TestClickhouse, uniqueId } from '@app/devstack';
import { createLogger, FakeClock } from '@app/observability';
import { PgCycleService } from '../cycles/cycle-service';
import { Finalizer } from '../documents/finalize';
import { PgDocumentStore } from '../documents/pg-document-store';
import { computeInvoiceDraft } from '../compute/compute-invoice-draft';
import { toDraftDocument } from '../compute/draft-document';
import { TableTaxRates } from '../compute/tax-rates';
import { PgRunStore } from '../run/run-store';
import type { StepContext } from '../run/run-worker';
import { seedPostpaidAccounts } from '../testing/billing-fixtures';
import { VALIDATION_LIMITS_DEFAULT } from '../validate/draft-checks';
import type { BillingDeps } from './billing-deps';
import { ValidateExecutor } from './validate.executor';

const CYCLE = 'MONTHLY_1-2026-11-01';

describe('VALIDATE (PostgreSQL, ClickHouse)', () => {
  let pool: Pool;
  let ch: TestClickhouse;
  const chDb = uniqueId('validate').replace(/-/g, '_');

  beforeAll(async () => {
    const url = await createTestDatabase('validate');
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 4 });
    ch = await ensureClickhouse();
    await migrateClickhouse(ch.url, chDb);
  });
  afterAll(async () => {
    await pool?.end();
    await dropClickhouseDatabase(ch.url, chDb).catch(() => undefined);
    await ch?.stop();
  });

  it('holds a zero draft only when a subscription was active, and never an approved one', async () => {
    const at = new Date(Date.UTC(2026, 9, 1));
    await seedPostpaidAccounts(pool, { accounts: 3, prefix: 'v-', pad: 1, at });
    await pool.query(
      `insert into subscription (id, msisdn, imsi, account_id, product_id, created_at) values
      ('s0', '491700000010', '262010000000010', 'v-0', 'p', $1), ('s2', '491700000012', '262010000000012', 'v-2', 'p', $1)`,
      [at],
    );
    const clock = new FakeClock(Date.UTC(2026, 11, 5));
    const cycles = new PgCycleService(pool);
    await cycles.ensureCycles(Date.UTC(2026, 10, 10), 0);
    await cycles.advance(clock.nowMs());
    const runs = new PgRunStore(pool, clock);
    const run = await runs.openRun({ runId: `run-${CYCLE}`, cycleId: CYCLE, shardCount: 1 });
    const documents = new PgDocumentStore(pool);
    await documents.writeDrafts(
      ['v-0', 'v-1', 'v-2'].map((id) =>
        toDraftDocument(
          computeInvoiceDraft({
            account: { id, currency: 'EUR', timeZone: 'UTC', taxJurisdiction: 'FR', minimumCommitmentMinor: null, firstInvoice: false },
            cycle: { start: '2026-11-01', end: '2026-12-01' },
            products: [],
            subscriptions: [],
            usage: [],
            discounts: [],
            priorAdvanceBillings: [],
            taxRates: new TableTaxRates([]),
          }),
          { cycleId: CYCLE, runId: run.id, legalEntityId: 'default', paymentTermsDays: 14 },
        ),
      ),
      clock.nowMs(),
    );
    // v-2's draft was held before and approved by an operator: VALIDATE leaves it alone.
    await pool.query(`update billing_document set approved_by = 'apikey:ops', approved_at = $1 where account_id = 'v-2'`, [
      new Date(clock.nowMs()),
    ]);
    const clickhouse = createClickhouseClient({ url: ch.url });
    const deps: BillingDeps = {
      pool,
      runs,
      cycles,
      documents,
      finalizer: new Finalizer(pool),
      clickhouse,
      clickhouseDatabase: chDb,
      watermark: { read: async () => 0n },
      validation: VALIDATION_LIMITS_DEFAULT,
      clock,
      logger: createLogger('validate-spec', 'silent'),
    };
    const ctx = {
      run,
      step: { runId: run.id, phase: 'VALIDATE', shardIndex: 0 },
      progress: async () => undefined,
      signal: new AbortController().signal,
    } as unknown as StepContext;
    try {
      await new ValidateExecutor(deps).execute(ctx);
    } finally {
      await clickhouse.close();
    }
    const rows = (await pool.query(`select account_id, status, hold_reasons from billing_document order by account_id`)).rows;
    expect(rows.map((r) => [r.account_id, r.status, r.hold_reasons.map((h: { code: string }) => h.code)])).toEqual([
      ['v-0', 'HELD', ['ZERO_TOTAL_ACTIVE']],
      ['v-1', 'DRAFT', []],
      ['v-2', 'DRAFT', []],
    ]);
  });
});
