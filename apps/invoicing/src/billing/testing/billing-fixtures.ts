/**
 * Billing data for specs and benches (never production): a product and price plan, a tax rate of
 * 20 % for jurisdiction FR, a customer, and N postpaid accounts of cycle type MONTHLY_1 named
 * `<prefix><i padded>`, written in bulk.
 */
import type { Pool } from 'pg';

export async function seedPostpaidAccounts(pool: Pool, p: { accounts: number; prefix: string; pad: number; at: Date }): Promise<void> {
  await pool.query(`insert into product (id, name, created_at) values ('p', 'P', $1)`, [p.at]);
  await pool.query(
    `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('pp', 'p', 'P', 'EUR', 1, $1, $1)`,
    [p.at],
  );
  await pool.query(
    `insert into tax_rate (id, jurisdiction, category, rate_percent, valid_from, created_at) values ('fr', 'FR', 'STANDARD', 20, '2000-01-01', $1)`,
    [p.at],
  );
  await pool.query(`insert into customer (id, name, created_at, updated_at) values ('cu', 'Customer', $1, $1)`, [p.at]);
  await pool.query(
    `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, billing_cycle_type, tax_jurisdiction, created_at, updated_at)
     select $3 || lpad(i::text, $4, '0'), 'cu', 'POSTPAID', 'EUR', 'UTC', 1, 'pp', 'MONTHLY_1', 'FR', $1, $1 from generate_series(0, $2 - 1) i`,
    [p.at, p.accounts, p.prefix, p.pad],
  );
}
