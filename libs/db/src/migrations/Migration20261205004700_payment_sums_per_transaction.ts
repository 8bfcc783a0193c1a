/**
 * A payment's sum is checked once per transaction, and an issued document's guard runs only when an
 * update would break it (issue 10, matching 1M entries in 60 s).
 *
 * The write floor of a 1M-entry import (RESULTS.md, "the write floor of this schema") spent 39 s of its
 * 159 s at commit, in 1.95M firings of the deferred per-row triggers `payment_amount_sum` and
 * `payment_allocation_sum`: each payment was summed once for its insert and again for its allocation's.
 * And every paid document ran the plpgsql guard of issued documents only to find nothing wrong.
 *
 * - **A payment's live allocations plus its unapplied, returned and refunded parts add up to its amount,
 *   at commit** (same rule, message and SQLSTATE P0001 as `payment_allocation_check`). Each statement
 *   that inserts or updates payments, inserts allocations or inserts allocation reversals now records the
 *   distinct payments it touched as ONE row of `payment_sum_pending` (a statement-level trigger over its
 *   transition table). That row's deferred constraint trigger fires at commit; the first firing of the
 *   transaction takes every pending row of the transaction (its txid) and checks all their payments in
 *   one query, the later ones find nothing left. The check stays deferred because a payment is written
 *   before its allocations. The pending rows never outlive their transaction: committed, they were
 *   deleted by the check; rolled back, they never existed. A batch of 500 payments and their allocations
 *   is now one query at commit instead of 1,000 function calls. A transaction of one payment pays for it:
 *   3,000 transactions of one insert and one update of a payment each took 425-527 µs a transaction
 *   against 348-435 before, six rounds alternated (two statement-level calls and two deferred firings
 *   instead of two deferred firings): about 80 µs.
 * - **An issued document's guard** (`billing_document_guard`, unchanged) runs only when the update would
 *   break one of its rules: its trigger's WHEN condition, evaluated by the executor without calling
 *   plpgsql, is true when the document is REJECTED, goes back to DRAFT or HELD, or changes any column but
 *   status, paid amount and update time. Those columns are listed in the condition, written by
 *   `billing_document_guard_install()` from the table's columns at the time; a migration that adds a
 *   column to billing_document calls it again (the schema spec fails otherwise). Deletes keep their own
 *   trigger. Measured on 200,000 issued documents paid in one statement, the guard's share went from 3.1
 *   to 0.6 µs a document; jsonb_populate_record in the condition, column-agnostic, cost as much as the
 *   plpgsql guard and was not kept.
 */
import { Migration } from '@mikro-orm/migrations';

/** Which payments a statement touched, by table: the transition table is `changed_rows`. (Migration20261206005200 restores it when migrated down.) */
export const PENDING = `create function "payment_sums_pending"() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'payment' then
    insert into payment_sum_pending (payment_ids) select array_agg(distinct id) from changed_rows having count(*) > 0;
  else -- payment_allocation, payment_allocation_reversal
    insert into payment_sum_pending (payment_ids) select array_agg(distinct payment_id) from changed_rows having count(*) > 0;
  end if;
  return null;
end $$;`;

/**
 * The check at commit: the rule of Migration20261203002900's payment_allocation_check, for the distinct payments
 * of the transaction's pending rows, which the first firing takes (deletes). Index scans only:
 * `payment_sum_pending` is always nearly empty of live rows but holds
 * the dead ones of every transaction since the last vacuum; before its first analyze the planner scanned it
 * whole, 2 ms a transaction after 3,000 small transactions.
 */
export const CHECKED = `create function "payment_sums_checked"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off set enable_seqscan = off as $$
declare
  bad record;
begin
  with pending as (delete from payment_sum_pending where xact = new.xact returning payment_ids)
  select p.id, p.amount_minor, p.unapplied_minor, p.returned_minor, p.refunded_minor, s.allocated into bad
    from (select distinct unnest(payment_ids) as id from pending) ids
    join payment p on p.id = ids.id
    cross join lateral (
      select coalesce(sum(a.amount_minor), 0) as allocated from payment_allocation a
        where a.payment_id = p.id and not exists (select 1 from payment_allocation_reversal r where r.allocation_id = a.id)
    ) s
    where s.allocated + p.unapplied_minor + p.returned_minor + p.refunded_minor <> p.amount_minor
    limit 1;
  if found then
    raise exception 'payment %: live allocations % plus unapplied % plus returned % plus refunded % differ from its amount %', bad.id, bad.allocated,
      bad.unapplied_minor, bad.returned_minor, bad.refunded_minor, bad.amount_minor using errcode = 'P0001';
  end if;
  return null;
end $$;`;

/** The statement triggers that record what a statement touched (one event each: transition tables allow no more). */
const RECORDERS: readonly [string, string, string][] = [
  ['payment_inserted_sums', 'payment', 'insert'],
  ['payment_updated_sums', 'payment', 'update'],
  ['payment_allocation_sums', 'payment_allocation', 'insert'],
  ['payment_allocation_reversal_sums', 'payment_allocation_reversal', 'insert'],
];

/** The per-row deferred triggers this migration replaces, as Migration20261203001000 and 002100 made them. */
const PER_ROW: readonly [string, string, string][] = [
  ['payment_amount_sum', 'payment', 'insert or update'],
  ['payment_allocation_sum', 'payment_allocation', 'insert or update'],
  ['payment_allocation_reversal_sum', 'payment_allocation_reversal', 'insert'],
];

/** (Re)creates the update guard of issued documents with every column of billing_document but the three a payment moves. */
const GUARD_INSTALL = `create function "billing_document_guard_install"() returns void language plpgsql as $$
declare
  cols text[];
begin
  select array_agg(format('%I', attname) order by attnum) into cols from pg_attribute
    where attrelid = 'billing_document'::regclass and attnum > 0 and not attisdropped
      and attname not in ('status', 'paid_minor', 'updated_at');
  execute 'drop trigger if exists "billing_document_guard" on "billing_document"';
  execute format($t$create trigger "billing_document_guard" before update on "billing_document" for each row
  when (old.status not in ('DRAFT', 'HELD') and (old.status = 'REJECTED' or new.status in ('DRAFT', 'HELD')
    or row(%s) is distinct from row(%s)))
  execute function "billing_document_guard"()$t$,
    (select string_agg('new.' || c, ', ') from unnest(cols) c), (select string_agg('old.' || c, ', ') from unnest(cols) c));
end $$;`;

export class Migration20261205004700_payment_sums_per_transaction extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "payment_sum_pending" (
  "id" bigserial primary key,
  "xact" bigint not null default txid_current(),
  "payment_ids" varchar(64)[] not null
);`);
    this.addSql(`create index "payment_sum_pending_xact" on "payment_sum_pending" ("xact");`);
    this.addSql(PENDING);
    this.addSql(CHECKED);
    for (const [name, table, event] of RECORDERS)
      this.addSql(`create trigger "${name}" after ${event} on "${table}" referencing new table as changed_rows
  for each statement execute function "payment_sums_pending"();`);
    this.addSql(`create constraint trigger "payment_sums_checked" after insert on "payment_sum_pending" deferrable initially deferred
  for each row execute function "payment_sums_checked"();`);
    for (const [name, table] of PER_ROW) this.addSql(`drop trigger "${name}" on "${table}";`);

    this.addSql(`create trigger "billing_document_guard_delete" before delete on "billing_document"
  for each row when (old.status not in ('DRAFT', 'HELD')) execute function "billing_document_guard"();`);
    this.addSql(GUARD_INSTALL);
    this.addSql(`select "billing_document_guard_install"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "billing_document_guard" on "billing_document";`);
    this.addSql(`drop trigger if exists "billing_document_guard_delete" on "billing_document";`);
    this.addSql(`drop function if exists "billing_document_guard_install"();`);
    this.addSql(`create trigger "billing_document_guard" before update or delete on "billing_document"
  for each row when (old.status not in ('DRAFT', 'HELD')) execute function "billing_document_guard"();`);

    for (const [name, table, event] of PER_ROW)
      this.addSql(`create constraint trigger "${name}" after ${event} on "${table}" deferrable initially deferred
  for each row execute function "payment_allocation_check"();`);
    for (const [name, table] of RECORDERS) this.addSql(`drop trigger if exists "${name}" on "${table}";`);
    this.addSql(`drop table if exists "payment_sum_pending";`);
    this.addSql(`drop function if exists "payment_sums_checked"();`);
    this.addSql(`drop function if exists "payment_sums_pending"();`);
  }
}
