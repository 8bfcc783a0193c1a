/**
 * Dunning's notices and actions name their case, checked once per statement instead of once per row
 * (issue 10, dunning 1M accounts in 60 s).
 *
 * A page of a dunning run writes 2,000 cases, then their notices and actions, one statement per table.
 * pg_stat_statements at 1M accounts, every account taking its reminder: the per-row foreign keys of
 * dunning_notice and dunning_action to dunning_case ran 2,000,000 lookups that each also locked the case
 * row FOR KEY SHARE, 10.7 s of PostgreSQL's ~120 s. Now:
 *
 * - **A notice or an action names a case that exists**: a statement-level trigger over the statement's
 *   new rows looks up their distinct case ids by primary key (same SQLSTATE 23503 and detail as the
 *   foreign key). An update of the case id is checked the same way.
 * - **A case is never deleted and never changes its id** (a trigger refuses both): the foreign key also
 *   locked the case against a concurrent delete; with cases kept forever there is nothing to lock
 *   against.
 *
 * The function runs with hash and merge joins off, as those of Migration20261203002600: the rows of a
 * statement are looked up by primary key, never by a scan of the whole (growing) case table.
 */
import { Migration } from '@mikro-orm/migrations';

const REFERRERS = ['dunning_notice', 'dunning_action'] as const;

export class Migration20261204004300_dunning_case_refs_per_statement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function "dunning_case_refs_checked"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  missing record;
begin
  select r.case_id into missing from (select case_id from changed_rows group by 1) r
    where not exists (select 1 from dunning_case k where k.id = r.case_id) limit 1;
  if found then
    raise exception 'insert or update on table "%" violates its reference to dunning_case', tg_table_name
      using errcode = '23503', detail = format('Key (case_id)=(%s) is not present in table "dunning_case".', missing.case_id);
  end if;
  return null;
end $$;`);
    for (const table of REFERRERS) {
      this.addSql(`alter table "${table}" drop constraint "${table}_case_id_fkey";`);
      this.addSql(`create trigger "${table}_case_insert" after insert on "${table}" referencing new table as changed_rows
  for each statement execute function "dunning_case_refs_checked"();`);
      this.addSql(`create trigger "${table}_case_update" after update on "${table}" referencing new table as changed_rows
  for each statement execute function "dunning_case_refs_checked"();`);
    }
    this.addSql(`create function "dunning_case_kept"() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'dunning case % is never deleted', old.id using errcode = 'P0001';
  end if;
  raise exception 'dunning case % never changes its id', old.id using errcode = 'P0001';
end $$;`);
    this.addSql(`create trigger "dunning_case_kept" before delete on "dunning_case" for each row execute function "dunning_case_kept"();`);
    this.addSql(`create trigger "dunning_case_id_kept" before update of "id" on "dunning_case"
  for each row when (old.id is distinct from new.id) execute function "dunning_case_kept"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "dunning_case_kept" on "dunning_case";`);
    this.addSql(`drop trigger if exists "dunning_case_id_kept" on "dunning_case";`);
    this.addSql(`drop function if exists "dunning_case_kept"();`);
    for (const table of REFERRERS) {
      this.addSql(`drop trigger if exists "${table}_case_insert" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_case_update" on "${table}";`);
      this.addSql(
        `alter table "${table}" add constraint "${table}_case_id_fkey" foreign key ("case_id") references "dunning_case" ("id");`,
      );
    }
    this.addSql(`drop function if exists "dunning_case_refs_checked"();`);
  }
}
