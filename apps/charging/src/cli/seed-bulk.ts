/**
 * Bulk subscribers for load tests: N prepaid accounts `lt-<i>` on the flat load-test plan, each with
 * one subscription, MSISDN msisdnBase + i and IMSI imsiBase + i (i = 0..N-1, what
 * load-tests/grpc draws from). PostgreSQL gets multi-row INSERTs (unnest of arrays, one
 * transaction per batch, ON CONFLICT DO NOTHING so a rerun adds only what is missing); Redis gets
 * the batch's engine calls all in flight at once, which ioredis pipelines on its one connection.
 */
import { Client } from 'pg';
import { AMOUNT_MAX_MICROS } from '@app/db';
import { DEMO_LOADTEST_PLAN } from '@app/rating';
import type { AccountProjection } from '../balance/balance-engine.port';
import { IMSI_PATTERN, MSISDN_PATTERN } from '../provisioning/provisioning.limits';
import type { CliContext } from './cli-context';
import { SEED_ACTOR } from './seed-demo';
import { type BulkOptions, LOADTEST_CUSTOMER_ID, LOADTEST_TIME_ZONE, SEED_BATCH_SIZE } from './seed-limits';

export interface BulkRow {
  accountId: string;
  subscriptionId: string;
  msisdn: string;
  imsi: string;
}

/** The i-th load-test subscriber; throws when the numbers leave the MSISDN/IMSI formats. */
export function bulkRow(o: BulkOptions, i: number): BulkRow {
  const msisdn = (o.msisdnBase + BigInt(i)).toString();
  const imsi = (o.imsiBase + BigInt(i)).toString();
  if (!MSISDN_PATTERN.test(msisdn)) throw new Error(`MSISDN ${msisdn} (base + ${i}) is not 5-15 digits`);
  if (!IMSI_PATTERN.test(imsi)) throw new Error(`IMSI ${imsi} (base + ${i}) is not 15 digits`);
  return { accountId: `lt-${i}`, subscriptionId: `lt-${i}-line-1`, msisdn, imsi };
}

async function insertBatch(pg: Client, rows: BulkRow[], o: BulkOptions, now: Date): Promise<number> {
  const planId = DEMO_LOADTEST_PLAN.id;
  await pg.query('begin');
  try {
    const inserted = await pg.query<{ id: string }>(
      `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, thresholds_micros, credit_limit_micros, status, plan_id, created_at, updated_at)
       select id, $2, 'PREPAID', 'EUR', $3, 1, '{}', 0, 'ACTIVE', $4, $5, $5 from unnest($1::text[]) as t(id)
       on conflict (id) do nothing returning id`,
      [rows.map((r) => r.accountId), LOADTEST_CUSTOMER_ID, LOADTEST_TIME_ZONE, planId, now],
    );
    const newIds = inserted.rows.map((r) => r.id);
    if (newIds.length > 0 && o.initialBalanceMicros !== 0n) {
      await pg.query(
        `insert into ledger_entry (account_id, kind, amount_micros, reference, created_at) select id, 'INITIAL', $2, 'seed', $3 from unnest($1::text[]) as t(id)`,
        [newIds, o.initialBalanceMicros.toString(), now],
      );
    }
    await pg.query(
      `insert into subscription (id, msisdn, imsi, account_id, product_id, created_at)
       select s, m, i, a, $5, $6 from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(s, m, i, a)
       on conflict do nothing`,
      [rows.map((r) => r.subscriptionId), rows.map((r) => r.msisdn), rows.map((r) => r.imsi), rows.map((r) => r.accountId), planId, now],
    );
    await pg.query(
      `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, 'seed.subscribers', 'billing_account', $2, $3, $4)`,
      [
        SEED_ACTOR,
        `${rows[0].accountId}..${rows[rows.length - 1].accountId}`,
        JSON.stringify({ accountsCreated: newIds.length, initialBalanceMicros: o.initialBalanceMicros.toString() }),
        now,
      ],
    );
    await pg.query('commit');
    return newIds.length;
  } catch (e) {
    await pg.query('rollback');
    throw e;
  }
}

/** What PostgreSQL holds for the batch (a subscription may belong elsewhere if its MSISDN was taken before). */
async function projectBatch(ctx: CliContext, pg: Client, rows: BulkRow[]): Promise<void> {
  const ids = rows.map((r) => r.accountId);
  const opening = await pg.query<{ account_id: string; opening: string }>(
    `select l.account_id, (sum(l.amount_micros) - coalesce((select sum(t.amount_micros) from top_up t where t.account_id = l.account_id and t.projected_at is null), 0))::text as opening
       from ledger_entry l where l.account_id = any($1::text[]) group by l.account_id`,
    [ids],
  );
  const balances = new Map(opening.rows.map((r) => [r.account_id, BigInt(r.opening)]));
  const subs = await pg.query<{ account_id: string; msisdn: string; imsi: string }>(
    `select account_id, msisdn, imsi from subscription where account_id = any($1::text[])`,
    [ids],
  );
  const planId = DEMO_LOADTEST_PLAN.id;
  const calls = ids.map((accountId) => {
    const p: AccountProjection = {
      accountId,
      type: 'PREPAID',
      currency: 'EUR',
      creditLimitMicros: 0n,
      thresholdsMicros: [],
      status: 'ACTIVE',
      timeZone: LOADTEST_TIME_ZONE,
      planId,
      cycleDay: 1,
    };
    const balance = balances.get(accountId) ?? 0n;
    if (balance < 0n || balance > AMOUNT_MAX_MICROS) throw new Error(`account ${accountId}: opening balance ${balance} out of range`);
    return ctx.engine.upsertAccount(p, balance);
  });
  const route = (accountId: string) => ({ accountId, planId, timeZone: LOADTEST_TIME_ZONE, currency: 'EUR', cycleDay: 1 });
  for (const s of subs.rows)
    calls.push(ctx.engine.routeSubscriber(s.msisdn, route(s.account_id)), ctx.engine.routeSubscriber(s.imsi, route(s.account_id)));
  await Promise.all(calls);
}

/** Seeds the N subscribers batch by batch; `onBatch` hears how many are done after each. */
export async function seedBulk(
  ctx: CliContext,
  databaseUrl: string,
  o: BulkOptions,
  onBatch: (subscribersDone: number) => void = () => undefined,
): Promise<{ accountsCreated: number }> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const now = new Date(ctx.clock.nowMs());
    await pg.query(`insert into customer (id, name, created_at, updated_at) values ($1, 'Load test', $2, $2) on conflict (id) do nothing`, [
      LOADTEST_CUSTOMER_ID,
      now,
    ]);
    let accountsCreated = 0;
    for (let start = 0; start < o.count; start += SEED_BATCH_SIZE) {
      const rows = Array.from({ length: Math.min(SEED_BATCH_SIZE, o.count - start) }, (_, k) => bulkRow(o, start + k));
      accountsCreated += await insertBatch(pg, rows, o, now);
      await projectBatch(ctx, pg, rows);
      onBatch(start + rows.length);
    }
    return { accountsCreated };
  } finally {
    await pg.end();
  }
}
