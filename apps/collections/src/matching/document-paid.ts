/**
 * What every writer of a document's paid amount shares (collections alone moves it: README "Who writes a
 * document's status"): the SQL of a payable document, and the move of paid amounts and statuses.
 */
import type { PoolClient, QueryConfig } from 'pg';
import { pgArray } from '@app/db';

/** A document money can pay, as a predicate on the alias `d`: issued, not fully paid, not a credit note. Pure. */
export function payableDocument(d: string): string {
  return `(${d}.status in ('ISSUED', 'PARTIALLY_PAID') and ${d}.type <> 'CREDIT_NOTE' and ${d}.gross_minor > ${d}.paid_minor)`;
}

/**
 * Adds `paid` to each document's paid amount and moves its status (PARTIALLY_PAID, PAID when whole), in
 * one statement of the caller's transaction. The caller locked the documents and read their open amounts
 * under the locks, so a document paid beyond its gross, or one missing, is a bug: `what` names the writer
 * in the error, and the transaction rolls back.
 */
export async function addPaid(c: PoolClient, paid: ReadonlyMap<string, bigint>, now: Date, what: string): Promise<void> {
  if (paid.size === 0) return;
  const { rows } = await c.query<{ within: boolean }>(addPaidStatement(paid, now));
  checkAddedPaid(paid, rows, what);
}

/** addPaid's statement, built without a connection; it returns one row (`within`) per document it moved. Pure. */
export function addPaidStatement(paid: ReadonlyMap<string, bigint>, now: Date): QueryConfig {
  return {
    text: `update billing_document d set paid_minor = d.paid_minor + a.m,
       status = case when d.paid_minor + a.m = d.gross_minor then 'PAID' else 'PARTIALLY_PAID' end, updated_at = $3
     from unnest($1::text[], $2::bigint[]) as a(id, m) where d.id = a.id
     returning d.paid_minor <= d.gross_minor as within`,
    values: [pgArray([...paid.keys()]), pgArray([...paid.values()]), now],
  };
}

/** Throws unless addPaidStatement moved every document of `paid`, none beyond its gross. */
export function checkAddedPaid(paid: ReadonlyMap<string, bigint>, rows: readonly { within: boolean }[], what: string): void {
  if (rows.length !== paid.size || rows.some((r) => !r.within)) throw new Error(`${what}: beyond the documents' open amounts`);
}
