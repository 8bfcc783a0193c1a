/**
 * The renewal worker's PostgreSQL port (pg, SQL only): the prepaid subscriptions that renew, the
 * renewal rows (subscription_renewal) and the allowance grants a paid renewal writes.
 */
import type { Pool, PoolClient } from 'pg';
import type { ChargePeriod, UsageUnit } from '@app/db';

/** One recurring charge of an ACTIVE subscription of a PREPAID, not closed account. */
export interface RenewableCharge {
  subscriptionId: string;
  accountId: string;
  accountCurrency: string;
  timeZone: string;
  chargeId: string;
  period: ChargePeriod;
  amountMinor: bigint;
  currency: string;
  /** Local date of its latest activation (its creation's when it has no ACTIVATE event). */
  activationDate: string;
}

export interface PlannedRenewal {
  renewalKey: string;
  subscriptionId: string;
  accountId: string;
  chargeId: string;
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  feeMicros: bigint;
}

/** A renewal due for an attempt, locked by the transaction that claimed it. */
export interface DueRenewal {
  renewalKey: string;
  accountId: string;
  chargeId: string;
  msisdn: string;
  periodStartMs: number;
  periodEndMs: number;
  feeMicros: bigint;
  attempts: number;
  notified: boolean;
}

export interface AllowanceTemplate {
  id: string;
  chargeId: string;
  unit: UsageUnit;
  ratingGroups: number[];
  units: number;
}

export type AttemptOutcome =
  | { kind: 'PAID'; grants: Array<{ id: string; template: AllowanceTemplate; validFromMs: number; expiresAtMs: number }> }
  | { kind: 'FAILED'; result: string; nextAttemptAtMs: number | null; notified: boolean };

/** Keyset page of the renewable charges after (subscriptionId, chargeId). */
export async function renewableCharges(pool: Pool, after: [string, string], limit: number): Promise<RenewableCharge[]> {
  const { rows } = await pool.query(
    `select s.id as subscription_id, a.id as account_id, a.currency as account_currency, a.time_zone,
            c.id as charge_id, c.period, c.amount_minor::text as amount_minor, c.currency,
            coalesce((select max(e.effective_local_date) from subscription_lifecycle_event e
                       where e.subscription_id = s.id and e.kind = 'ACTIVATE'),
                     (s.created_at at time zone a.time_zone)::date)::text as activation_date
       from subscription s
       join billing_account a on a.id = s.account_id
       join product_charge c on c.product_id = s.product_id and c.kind = 'RECURRING'
      where a.type = 'PREPAID' and a.status <> 'CLOSED' and s.status = 'ACTIVE' and (s.id, c.id) > ($1, $2)
      order by s.id, c.id
      limit $3`,
    [after[0], after[1], limit],
  );
  return rows.map((r) => ({
    subscriptionId: r.subscription_id,
    accountId: r.account_id,
    accountCurrency: r.account_currency,
    timeZone: r.time_zone,
    chargeId: r.charge_id,
    period: r.period,
    amountMinor: BigInt(r.amount_minor),
    currency: r.currency,
    activationDate: r.activation_date,
  }));
}

/** Inserts the renewals not there yet (PENDING, due now); returns how many were new. */
export async function insertRenewals(pool: Pool, planned: PlannedRenewal[], nowMs: number): Promise<number> {
  if (planned.length === 0) return 0;
  const col = <K extends keyof PlannedRenewal>(k: K) => planned.map((p) => String(p[k]));
  const { rowCount } = await pool.query(
    `insert into subscription_renewal (renewal_key, subscription_id, account_id, charge_id, period_start, period_end,
            period_start_at, period_end_at, fee_micros, status, attempts, next_attempt_at, created_at, updated_at)
     select k, s, a, c, ps::date, pe::date, ps::date::timestamp at time zone tz, pe::date::timestamp at time zone tz,
            f::bigint, 'PENDING', 0, to_timestamp($9 / 1000.0), to_timestamp($9 / 1000.0), to_timestamp($9 / 1000.0)
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
            as t(k, s, a, c, ps, pe, tz, f)
     on conflict do nothing`,
    [
      col('renewalKey'),
      col('subscriptionId'),
      col('accountId'),
      col('chargeId'),
      col('periodStart'),
      col('periodEnd'),
      col('timeZone'),
      col('feeMicros'),
      nowMs,
    ],
  );
  return rowCount ?? 0;
}

/**
 * Locks up to `limit` renewals due at `nowMs` that other runs have not locked: not paid, of a
 * PREPAID account, and of an ACTIVE subscription (a suspended or cancelled one waits; once its
 * period is over it is still claimed, for the attempt that only records a payment already made).
 */
export async function claimDue(c: PoolClient, nowMs: number, limit: number): Promise<DueRenewal[]> {
  const { rows } = await c.query(
    `select r.renewal_key, r.account_id, r.charge_id, s.msisdn, r.fee_micros::text as fee_micros, r.attempts,
            r.notified_at is not null as notified,
            (extract(epoch from r.period_start_at) * 1000)::bigint::text as start_ms,
            (extract(epoch from r.period_end_at) * 1000)::bigint::text as end_ms
       from subscription_renewal r
       join subscription s on s.id = r.subscription_id
       join billing_account a on a.id = r.account_id
      where r.next_attempt_at <= to_timestamp($1 / 1000.0) and r.status <> 'PAID' and a.type = 'PREPAID'
        and (s.status = 'ACTIVE' or r.period_end_at <= to_timestamp($1 / 1000.0))
      order by r.next_attempt_at, r.renewal_key
      limit $2
      for update of r skip locked`,
    [nowMs, limit],
  );
  return rows.map((r) => ({
    renewalKey: r.renewal_key,
    accountId: r.account_id,
    chargeId: r.charge_id,
    msisdn: r.msisdn,
    feeMicros: BigInt(r.fee_micros),
    attempts: r.attempts,
    notified: r.notified,
    periodStartMs: Number(r.start_ms),
    periodEndMs: Number(r.end_ms),
  }));
}

/** The allowance templates of these charges, by charge id, in id order. */
export async function allowanceTemplates(c: PoolClient, chargeIds: string[]): Promise<Map<string, AllowanceTemplate[]>> {
  const { rows } = await c.query(
    `select id, charge_id, unit, rating_groups, units::text as units from charge_allowance where charge_id = any($1::text[]) order by id`,
    [chargeIds],
  );
  const out = new Map<string, AllowanceTemplate[]>();
  for (const r of rows) {
    const list = out.get(r.charge_id) ?? [];
    list.push({ id: r.id, chargeId: r.charge_id, unit: r.unit, ratingGroups: r.rating_groups, units: Number(r.units) });
    out.set(r.charge_id, list);
  }
  return out;
}

/** Records an attempt: PAID with its allowance grants (each once), or FAILED with the next attempt. */
export async function recordAttempt(c: PoolClient, r: DueRenewal, outcome: AttemptOutcome, nowMs: number): Promise<void> {
  const now = new Date(nowMs);
  if (outcome.kind === 'PAID') {
    for (const g of outcome.grants) {
      await c.query(
        `insert into allowance_grant (id, account_id, unit, rating_groups, units, valid_from, expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (id) do nothing`,
        [
          g.id,
          r.accountId,
          g.template.unit,
          g.template.ratingGroups,
          g.template.units,
          new Date(g.validFromMs),
          new Date(g.expiresAtMs),
          now,
        ],
      );
    }
    await c.query(
      `update subscription_renewal set status = 'PAID', attempts = attempts + 1, next_attempt_at = null, last_result = 'PAID',
              paid_at = $2, updated_at = $2 where renewal_key = $1`,
      [r.renewalKey, now],
    );
    return;
  }
  await c.query(
    `update subscription_renewal set status = 'FAILED', attempts = attempts + 1, next_attempt_at = $2, last_result = $3,
            notified_at = case when $4 then coalesce(notified_at, $5) else notified_at end, updated_at = $5
      where renewal_key = $1`,
    [r.renewalKey, outcome.nextAttemptAtMs === null ? null : new Date(outcome.nextAttemptAtMs), outcome.result, outcome.notified, now],
  );
}
