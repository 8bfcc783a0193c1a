/**
 * Catalog and account rows for renewal specs (SQL on a migrated test database): a product `bundle`
 * with a monthly recurring charge `fee-m` of 9.99 EUR and a 1 GB data allowance template, and
 * accounts with one subscription each.
 */
import type { Pool } from 'pg';

export const FEE_MINOR = 999n;
export const FEE_MICROS = 9_990_000n;
export const BUNDLE_BYTES = 1_000_000_000;

let lines = 0;

/** The customer, product, price plan, recurring charge and allowance template, created at `atMs`. */
export async function seedBundleCatalog(pool: Pool, atMs: number): Promise<void> {
  const at = new Date(atMs);
  await pool.query(`insert into customer (id, name, created_at, updated_at) values ('cus-1', 'Ada', $1, $1)`, [at]);
  await pool.query(`insert into product (id, name, created_at) values ('bundle', 'Data bundle', $1)`, [at]);
  await pool.query(
    `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('plan-1', 'bundle', 'Plan', 'EUR', 1, $1, $1)`,
    [at],
  );
  await pool.query(
    `insert into product_charge (id, product_id, name, kind, period, billing, prorated, amount_minor, currency, tax_category, created_at)
     values ('fee-m', 'bundle', 'Monthly bundle', 'RECURRING', 'MONTHLY', 'ADVANCE', false, $1, 'EUR', 'STANDARD', $2)`,
    [FEE_MINOR, at],
  );
  await pool.query(
    `insert into charge_allowance (id, charge_id, unit, rating_groups, units, created_at) values ('data-1g', 'fee-m', 'BYTES', '{10}', $1, $2)`,
    [BUNDLE_BYTES, at],
  );
}

/** A billing account in Europe/Berlin with one `bundle` subscription created at `createdAtMs`. */
export async function seedSubscriber(
  pool: Pool,
  p: { accountId: string; type: 'PREPAID' | 'POSTPAID'; status?: string; createdAtMs: number },
): Promise<{ subscriptionId: string; msisdn: string }> {
  lines++;
  const subscriptionId = `sub-${p.accountId}`;
  const msisdn = `4915100${String(lines).padStart(5, '0')}`;
  const at = new Date(p.createdAtMs);
  await pool.query(
    `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, credit_limit_micros, plan_id, created_at, updated_at)
     values ($1, 'cus-1', $2, 'EUR', 'Europe/Berlin', 1, $3, 'plan-1', $4, $4)`,
    [p.accountId, p.type, p.type === 'POSTPAID' ? 100_000_000 : 0, at],
  );
  await pool.query(
    `insert into subscription (id, msisdn, imsi, account_id, product_id, status, created_at) values ($1, $2, $3, $4, 'bundle', $5, $6)`,
    [subscriptionId, msisdn, `26201000${String(lines).padStart(7, '0')}`, p.accountId, p.status ?? 'ACTIVE', at],
  );
  return { subscriptionId, msisdn };
}
