/**
 * Referential integrity of document lines and tax summaries, checked once per statement instead of
 * once per row (issue 9, month-end throughput). The per-row foreign keys of billing_document_line
 * (to its document, and to its parent line) and of billing_document_tax (to its document) cost
 * PostgreSQL one lookup and one row lock per line: about 60 % of the time of writing a month's
 * drafts. They are replaced by statement-level triggers over the transition tables that enforce the
 * same rules with one set-based query each:
 *
 * - a line or tax row names a document that exists, which is locked FOR KEY SHARE as a foreign key
 *   would lock it (so a concurrent delete of the document waits, or the insert fails);
 * - a line's parent line exists in the same document;
 * - a parent line is never deleted while a child line remains (ON DELETE NO ACTION);
 * - deleting documents deletes their lines and tax rows (ON DELETE CASCADE).
 *
 * Violations raise SQLSTATE 23503 (foreign_key_violation), as the foreign keys did. Each function
 * runs with hash and merge joins off: the rows of a statement are then looked up by primary key, as
 * the foreign keys did, and never by a scan of the whole (growing) line or document table, which the
 * planner otherwise picks for a few thousand rows against a million.
 *
 * Two row triggers of billing_document get a WHEN clause that says what their functions already
 * return early on, so PostgreSQL no longer calls (or, for the deferred one, queues) them for the
 * other rows: the credit-limit check runs for credit notes that correct a document, the guard for
 * rows that are no longer DRAFT or HELD.
 */
import { Migration } from '@mikro-orm/migrations';

const PARTS = ['billing_document_line', 'billing_document_tax'] as const;

const UP = [
  `alter table "billing_document_line" drop constraint "billing_document_line_document_id_parent_line_no_fkey";`,
  `alter table "billing_document_line" drop constraint "billing_document_line_document_id_fkey";`,
  `alter table "billing_document_tax" drop constraint "billing_document_tax_document_id_fkey";`,
  `create function "billing_document_part_refs"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  wanted bigint;
  locked bigint;
  missing record;
begin
  select count(distinct document_id) into wanted from changed_rows;
  select count(*) into locked from (
    select 1 from billing_document d where d.id in (select document_id from changed_rows) for key share of d
  ) l;
  if locked < wanted then
    select r.document_id into missing from changed_rows r
      where not exists (select 1 from billing_document d where d.id = r.document_id) limit 1;
    raise exception 'insert or update on table "%" violates its reference to billing_document', tg_table_name
      using errcode = '23503', detail = format('Key (document_id)=(%s) is not present in table "billing_document".', missing.document_id);
  end if;
  if tg_table_name = 'billing_document_line' then
    select r.document_id, r.line_no, r.parent_line_no into missing from changed_rows r
      where r.parent_line_no is not null
        and not exists (select 1 from billing_document_line p where p.document_id = r.document_id and p.line_no = r.parent_line_no)
      limit 1;
    if found then
      raise exception 'insert or update on table "billing_document_line" violates its reference to its parent line'
        using errcode = '23503',
          detail = format('Line %s of document %s: parent line %s is not present.', missing.line_no, missing.document_id, missing.parent_line_no);
    end if;
  end if;
  return null;
end $$;`,
  ...PARTS.flatMap((table) => [
    `create trigger "${table}_refs_insert" after insert on "${table}" referencing new table as changed_rows
  for each statement execute function "billing_document_part_refs"();`,
    `create trigger "${table}_refs_update" after update on "${table}" referencing new table as changed_rows
  for each statement execute function "billing_document_part_refs"();`,
  ]),
  `create function "billing_document_line_parent_kept"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  child record;
begin
  select c.document_id, c.line_no, c.parent_line_no into child from billing_document_line c
    join (select distinct document_id, line_no from deleted_rows) o on c.document_id = o.document_id and c.parent_line_no = o.line_no
    limit 1;
  if found then
    raise exception 'delete on table "billing_document_line" would leave line % of document % without its parent line %',
      child.line_no, child.document_id, child.parent_line_no using errcode = '23503';
  end if;
  return null;
end $$;`,
  `create trigger "billing_document_line_parent_kept" after delete on "billing_document_line" referencing old table as deleted_rows
  for each statement execute function "billing_document_line_parent_kept"();`,
  `create function "billing_document_parts_cascade"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  delete from billing_document_line where document_id in (select id from deleted_rows);
  delete from billing_document_tax where document_id in (select id from deleted_rows);
  return null;
end $$;`,
  `create trigger "billing_document_parts_cascade" after delete on "billing_document" referencing old table as deleted_rows
  for each statement execute function "billing_document_parts_cascade"();`,
  `drop trigger "billing_credit_limit" on "billing_document";`,
  `create constraint trigger "billing_credit_limit" after insert or update on "billing_document" deferrable initially deferred
  for each row when (new.type = 'CREDIT_NOTE' and new.corrects_document_id is not null) execute function "billing_credit_limit_check"();`,
  `drop trigger "billing_document_guard" on "billing_document";`,
  `create trigger "billing_document_guard" before update or delete on "billing_document"
  for each row when (old.status not in ('DRAFT', 'HELD')) execute function "billing_document_guard"();`,
];

export class Migration20261203002600_document_part_references extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "billing_document_guard" on "billing_document";`);
    this.addSql(`create trigger "billing_document_guard" before update or delete on "billing_document"
  for each row execute function "billing_document_guard"();`);
    this.addSql(`drop trigger if exists "billing_credit_limit" on "billing_document";`);
    this.addSql(`create constraint trigger "billing_credit_limit" after insert or update on "billing_document" deferrable initially deferred
  for each row execute function "billing_credit_limit_check"();`);
    this.addSql(`drop trigger if exists "billing_document_parts_cascade" on "billing_document";`);
    this.addSql(`drop function if exists "billing_document_parts_cascade"();`);
    this.addSql(`drop trigger if exists "billing_document_line_parent_kept" on "billing_document_line";`);
    this.addSql(`drop function if exists "billing_document_line_parent_kept"();`);
    for (const table of PARTS) {
      this.addSql(`drop trigger if exists "${table}_refs_insert" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_refs_update" on "${table}";`);
    }
    this.addSql(`drop function if exists "billing_document_part_refs"();`);
    this.addSql(`alter table "billing_document_tax" add constraint "billing_document_tax_document_id_fkey"
  foreign key ("document_id") references "billing_document" ("id") on delete cascade;`);
    this.addSql(`alter table "billing_document_line" add constraint "billing_document_line_document_id_fkey"
  foreign key ("document_id") references "billing_document" ("id") on delete cascade;`);
    this.addSql(`alter table "billing_document_line" add constraint "billing_document_line_document_id_parent_line_no_fkey"
  foreign key ("document_id", "parent_line_no") references "billing_document_line" ("document_id", "line_no");`);
  }
}
