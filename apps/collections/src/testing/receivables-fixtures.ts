/**
 * Receivables for specs (never production): postpaid accounts and issued invoices as invoicing's
 * FINALIZE leaves them (numbered in a series, RF payment reference, ISSUED, due in 14 days), each
 * with its DOCUMENT_ISSUED ledger transaction (AR against REVENUE), written with SQL.
 */
import type { Pool } from 'pg';
import { creditorReference } from '@app/money';
import { withTransaction } from '@app/db';

export interface IssuedInvoice {
  /** Running number n: id `doc-n`, number `INV2026-00000n`. */
  n: number;
  accountId: string;
  grossMinor: bigint;
  issueDate: string;
  currency?: string;
  /** INVOICE unless said (an ADVANCE_INVOICE is paid the same way). */
  type?: 'INVOICE' | 'ADVANCE_INVOICE';
}

export const SERIES_ID = 'INVOICE|le-1|2026';

export function numberTextOf(n: number): string {
  return `INV2026-${String(n).padStart(6, '0')}`;
}

export async function seedReceivables(
  pool: Pool,
  p: { accounts: readonly string[]; invoices: readonly IssuedInvoice[]; at: Date },
): Promise<void> {
  await withTransaction(pool, async (c) => {
    await c.query(`insert into product (id, name, created_at) values ('p', 'P', $1) on conflict do nothing`, [p.at]);
    await c.query(
      `insert into price_plan (id, product_id, name, currency, current_version, created_at, updated_at) values ('pp', 'p', 'P', 'EUR', 1, $1, $1) on conflict do nothing`,
      [p.at],
    );
    await c.query(`insert into customer (id, name, created_at, updated_at) values ('cu', 'Customer', $1, $1) on conflict do nothing`, [
      p.at,
    ]);
    await c.query(
      `insert into billing_account (id, customer_id, type, currency, time_zone, cycle_day, plan_id, created_at, updated_at)
       select a, 'cu', 'POSTPAID', 'EUR', 'UTC', 1, 'pp', $2, $2 from unnest($1::text[]) a on conflict do nothing`,
      [p.accounts, p.at],
    );
    await c.query(
      `insert into number_series (id, document_type, legal_entity_id, year, prefix, next_number) values ($1, 'INVOICE', 'le-1', 2026, 'INV', 1000)
       on conflict do nothing`,
      [SERIES_ID],
    );
    for (const d of p.invoices) await insertInvoice(c, d, p.at);
  });
}

async function insertInvoice(c: import('pg').PoolClient, d: IssuedInvoice, at: Date): Promise<void> {
  const id = `doc-${d.n}`;
  const text = numberTextOf(d.n);
  const gross = d.grossMinor.toString();
  await c.query(
    `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, series_id, number, number_text, currency,
       net_minor, tax_minor, gross_minor, issue_date, due_date, payment_reference, created_at, updated_at, issued_at)
     values ($1, $1, $2, $11, 'ISSUED', 'le-1', $3, $4, $5, $6, $7, 0, $7, $8::date, $8::date + 14, $9, $10, $10, $10)`,
    [
      id,
      d.accountId,
      SERIES_ID,
      d.n,
      text,
      d.currency ?? 'EUR',
      gross,
      d.issueDate,
      creditorReference(text.replace('-', '')),
      at,
      d.type ?? 'INVOICE',
    ],
  );
  await c.query(
    `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ($1, $1, 'DOCUMENT_ISSUED', $2, $3, $4, $5)`,
    [`lt-${id}`, id, d.currency ?? 'EUR', d.issueDate, at],
  );
  await c.query(
    `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor) values ($1, 1, 'AR', $2, $3), ($1, 2, 'REVENUE', null, -$3::bigint)`,
    [`lt-${id}`, d.accountId, gross],
  );
}

export interface IssuedCreditNote {
  id: string;
  accountId: string;
  grossMinor: bigint;
  issueDate: string;
  /** How its credit is used (invoicing's credit_kind): ACCOUNT_CREDIT unless said. */
  creditKind?: 'ACCOUNT_CREDIT' | 'REFUND' | 'OFFSET';
  correctsDocumentId?: string;
  currency?: string;
}

export const CREDIT_NOTE_SERIES_ID = 'CREDIT_NOTE|le-1|2026';

/**
 * A credit note as invoicing issues it (the next number of its own series CN2026-, ISSUED), with its
 * DOCUMENT_ISSUED transaction (REVENUE against AR). The account must exist (seedReceivables).
 */
export async function issueCreditNote(pool: Pool, d: IssuedCreditNote, at: Date): Promise<void> {
  await withTransaction(pool, async (c) => {
    const gross = d.grossMinor.toString();
    await c.query(
      `insert into number_series (id, document_type, legal_entity_id, year, prefix, next_number) values ($1, 'CREDIT_NOTE', 'le-1', 2026, 'CN', 1)
       on conflict do nothing`,
      [CREDIT_NOTE_SERIES_ID],
    );
    const { rows } = await c.query<{ n: string }>(
      `update number_series set next_number = next_number + 1 where id = $1 returning (next_number - 1)::text as n`,
      [CREDIT_NOTE_SERIES_ID],
    );
    const n = rows[0].n;
    await c.query(
      `insert into billing_document (id, idempotency_key, account_id, type, status, legal_entity_id, series_id, number, number_text, currency,
         net_minor, tax_minor, gross_minor, issue_date, due_date, corrects_document_id, credit_kind, created_at, updated_at, issued_at)
       values ($1, $1, $2, 'CREDIT_NOTE', 'ISSUED', 'le-1', $9, $10, $11, $3, $4, 0, $4, $5::date, $5::date, $6, $7, $8, $8, $8)`,
      [
        d.id,
        d.accountId,
        d.currency ?? 'EUR',
        gross,
        d.issueDate,
        d.correctsDocumentId ?? null,
        d.creditKind ?? 'ACCOUNT_CREDIT',
        at,
        CREDIT_NOTE_SERIES_ID,
        n,
        `CN2026-${n.padStart(6, '0')}`,
      ],
    );
    await c.query(
      `insert into ledger_transaction (id, idempotency_key, kind, source_id, currency, posted_on, created_at) values ($1, $1, 'DOCUMENT_ISSUED', $2, $3, $4, $5)`,
      [`lt-${d.id}`, d.id, d.currency ?? 'EUR', d.issueDate, at],
    );
    await c.query(
      `insert into ledger_posting (transaction_id, line_no, account_code, party_account_id, amount_minor) values ($1, 1, 'AR', $2, -$3::bigint), ($1, 2, 'REVENUE', null, $3)`,
      [`lt-${d.id}`, d.accountId, gross],
    );
  });
}
