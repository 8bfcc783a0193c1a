/**
 * Bench fixtures of collections (never production): N postpaid accounts `acc-<i>` with one issued invoice
 * `doc-<i>` each (number, RF payment reference, due 2026-11-15) and its DOCUMENT_ISSUED ledger
 * transaction, written in chunks with set-based SQL.
 */
import type { Pool } from 'pg';
import { withTransaction } from '@app/db';
import { creditorReference } from '@app/money';

const SEED_CHUNK = 20_000;
const SERIES = 'INVOICE|le-1|2026';

export const numberText = (n: number) => `INV2026-${String(n).padStart(7, '0')}`;
export const grossOf = (n: number) => 1_000n + BigInt((n * 7919) % 90_000);

export async function seedInvoices(pool: Pool, n: number, at: Date): Promise<void> {
  await withTransaction(pool, async (c) => {
    await c.query(`insert into product (id, name, created_at) values ('p', 'P', $1)`, [at]);
    await c.query(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('pp', 'p', 'P', 'EUR', 1, $1, $1)`,
      [at],
    );
    await c.query(`insert into customer (id, name, created_at, updated_at) values ('cu', 'Customer', $1, $1)`, [at]);
    await c.query(
      `insert into number_series (id, document_type, legal_entity_id, year, prefix, next_number) values ($1, 'INVOICE', 'le-1', 2026, 'INV', $2)`,
      [SERIES, n + 1],
    );
  });
  for (let from = 1; from <= n; from += SEED_CHUNK) {
    const to = Math.min(n, from + SEED_CHUNK - 1);
    const ns = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    await withTransaction(pool, async (c) => {
      await c.query(
        `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, created_at, updated_at)
         select 'acc-' || i, 'cu', 'POSTPAID', 'EUR', 'UTC', 1, 'pp', $2, $2 from unnest($1::int[]) i`,
        [ns, at],
      );
      await c.query(
        `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, series_id, number, number_text, currency,
           net_minor, tax_minor, gross_minor, issue_date, due_date, payment_reference, created_at, updated_at, issued_at)
         select 'doc-' || i, 'doc-' || i, 'acc-' || i, 'INVOICE', 'ISSUED', 'le-1', $5, i, t, 'EUR', g, 0, g, '2026-11-01', '2026-11-15', r, $4, $4, $4
         from unnest($1::int[], $2::text[], $3::bigint[], $6::text[]) as u(i, t, g, r)`,
        [
          ns,
          ns.map(numberText),
          ns.map((i) => grossOf(i).toString()),
          at,
          SERIES,
          ns.map((i) => creditorReference(numberText(i).replace('-', ''))),
        ],
      );
      await c.query(
        `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at)
         select 'lt-doc-' || i, 'doc-issued|doc-' || i, 'DOCUMENT_ISSUED', 'doc-' || i, 'EUR', '2026-11-01', $2 from unnest($1::int[]) i`,
        [ns, at],
      );
      await c.query(
        `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor)
         select 'lt-doc-' || i, 1, 'AR', 'acc-' || i, g from unnest($1::int[], $2::bigint[]) as u(i, g)
         union all select 'lt-doc-' || i, 2, 'REVENUE', null, -g from unnest($1::int[], $2::bigint[]) as u(i, g)`,
        [ns, ns.map((i) => grossOf(i).toString())],
      );
    });
  }
}
