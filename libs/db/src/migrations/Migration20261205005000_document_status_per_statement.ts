/**
 * A billing document's status names a code of `billing_document_status`, checked once per statement
 * instead of once per row (issue 10, matching 1M entries in 60 s; month-end numbers 1M documents too).
 *
 * A statement import pays 500 documents in one UPDATE, and each paid document changes its status (ISSUED ->
 * PARTIALLY_PAID or PAID). The foreign key ran one look-up per row that also locked the code's row FOR KEY
 * SHARE, with two import transactions locking the same few code rows at once: about 3 µs a document
 * (RESULTS.md, "Matching: the sum checks once per transaction"). Now, as Migrations 20261204004300 and
 * 20261205004500 did for other references:
 *
 * - **A document's status is a code that exists**: statement-level triggers after INSERT and after UPDATE
 *   look the statement's distinct statuses up (a handful, whatever the rows), with the foreign key's
 *   SQLSTATE 23503 and detail.
 * - **A status code is never deleted and never changes its code** (a trigger refuses both): the foreign key
 *   also kept a code in use from going; the codes are the seed's and stay.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261205005000_document_status_per_statement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function "billing_document_status_checked"() returns trigger language plpgsql as $$
declare
  missing record;
begin
  select r.status as k into missing from (select status from changed_rows group by 1) r
    where not exists (select 1 from billing_document_status s where s.code = r.status) limit 1;
  if found then
    raise exception 'insert or update on table "%" violates its reference to billing_document_status', tg_table_name
      using errcode = '23503', detail = format('Key (status)=(%s) is not present in table "billing_document_status".', missing.k);
  end if;
  return null;
end $$;`);
    this.addSql(`alter table "billing_document" drop constraint "billing_document_status_fkey";`);
    for (const op of ['insert', 'update'])
      this.addSql(`create trigger "billing_document_status_${op}d" after ${op} on "billing_document" referencing new table as changed_rows
  for each statement execute function "billing_document_status_checked"();`);
    this.addSql(`create function "billing_document_status_kept"() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'document status % is never deleted', old.code using errcode = 'P0001';
  end if;
  raise exception 'document status % never changes its code', old.code using errcode = 'P0001';
end $$;`);
    this.addSql(`create trigger "billing_document_status_kept" before delete on "billing_document_status"
  for each row execute function "billing_document_status_kept"();`);
    this.addSql(`create trigger "billing_document_status_code_kept" before update of "code" on "billing_document_status"
  for each row when (old.code is distinct from new.code) execute function "billing_document_status_kept"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "billing_document_status_code_kept" on "billing_document_status";`);
    this.addSql(`drop trigger if exists "billing_document_status_kept" on "billing_document_status";`);
    this.addSql(`drop function if exists "billing_document_status_kept"();`);
    for (const op of ['insert', 'update']) this.addSql(`drop trigger if exists "billing_document_status_${op}d" on "billing_document";`);
    this.addSql(`drop function if exists "billing_document_status_checked"();`);
    this.addSql(
      `alter table "billing_document" add constraint "billing_document_status_fkey" foreign key ("status") references "billing_document_status" ("code");`,
    );
  }
}
