/**
 * The guard of issued documents compares the row's fields instead of two JSON renderings of the row
 * (issue 10, matching).
 *
 * Every payment applied moves a document's paid amount and status, and the guard runs for each such
 * update: it checked that nothing but status, paid amount and update time changed by turning the old and
 * the new row into jsonb and comparing them. pg_stat_statements at 50,000 matched entries: the update of
 * the documents took 4.5 s of PostgreSQL's 14 s, 95 µs a document. Now the new row, with those three
 * fields set back to the old values, is compared with the old row field by field (a composite comparison:
 * every column, including any added later; nulls equal). Same rules, same messages and SQLSTATE.
 */
import { Migration } from '@mikro-orm/migrations';
import {
  BILLING_DOCUMENT_GUARD_HEAD,
  BILLING_DOCUMENT_GUARD_TAIL,
  BILLING_DOCUMENT_GUARD_V1,
} from './Migration20261203000500_billing_documents';

export class Migration20261204004200_document_guard_by_fields extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function "billing_document_guard"() returns trigger language plpgsql as $$
declare
  kept "billing_document";
begin
${BILLING_DOCUMENT_GUARD_HEAD}  kept := new;
  kept.status := old.status;
  kept.paid_minor := old.paid_minor;
  kept.updated_at := old.updated_at;
  if kept is distinct from old then
    raise exception 'billing document % is %: an issued document never changes; correct it with a credit or debit note', old.id, old.status
      using errcode = 'P0001';
  end if;
${BILLING_DOCUMENT_GUARD_TAIL}`);
  }

  override async down(): Promise<void> {
    this.addSql(`create or replace ${BILLING_DOCUMENT_GUARD_V1}`);
  }
}
