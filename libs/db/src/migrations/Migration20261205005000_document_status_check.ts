/**
 * A billing document's status is one of the codes of `billing_document_status`, checked by a CHECK constraint
 * that lists them instead of a foreign key (issue 10, matching 1M entries in 60 s; month-end numbers 1M
 * documents too).
 *
 * A statement import pays 500 documents in one UPDATE, and each paid document changes its status (ISSUED ->
 * PARTIALLY_PAID or PAID). The foreign key ran one look-up per row that also locked the code's row FOR KEY
 * SHARE, with two import transactions locking the same few code rows at once: about 3 µs a document
 * (RESULTS.md, "Matching: the sum checks once per transaction"). A statement-level trigger was tried first: it
 * captures every updated row of every UPDATE of billing_document in a transition table (a bulk update of a
 * month's documents would spill it to disk), and FINALIZE at 100,000 documents got no faster. The CHECK costs a
 * comparison with seven constants per row written.
 *
 * - **The list is the code table's**, read when this migration runs; the schema spec checks that the two stay
 *   equal. A migration that adds a status adds it to both (`billing_document_status_check_install()`).
 * - **A status code is never deleted and never changes its code** (a trigger refuses both): the foreign key kept
 *   a code in use from going; the codes are the seed's and stay.
 * - The constraint is added NOT VALID, then validated: the scan of the existing documents does not block writes.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261205005000_document_status_check extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function "billing_document_status_check_install"() returns void language plpgsql as $$
begin
  alter table "billing_document" drop constraint if exists "billing_document_status_code";
  execute format('alter table "billing_document" add constraint "billing_document_status_code" check ("status" in (%s)) not valid',
    (select string_agg(quote_literal(code), ', ' order by code) from billing_document_status));
  alter table "billing_document" validate constraint "billing_document_status_code";
end $$;`);
    this.addSql(`alter table "billing_document" drop constraint "billing_document_status_fkey";`);
    this.addSql(`select "billing_document_status_check_install"();`);
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
    this.addSql(`alter table "billing_document" drop constraint if exists "billing_document_status_code";`);
    this.addSql(`drop function if exists "billing_document_status_check_install"();`);
    this.addSql(
      `alter table "billing_document" add constraint "billing_document_status_fkey" foreign key ("status") references "billing_document_status" ("code");`,
    );
  }
}
