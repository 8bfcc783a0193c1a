/**
 * A payment allocation's references (its payment, document and ledger transaction) and a payment's
 * statement import are checked once per statement instead of once per row (issue 10, matching 1M
 * entries in 60 s).
 *
 * A statement import writes a batch of 500 payments, then their allocations, one statement per table.
 * auto_explain at 100,000 entries put the per-row foreign keys at a quarter of the write statement's
 * time: each allocation ran three look-ups that also locked the row they found FOR KEY SHARE (its
 * payment, its document, its ledger transaction), and each payment one more (its import, the same row
 * for all 500). Now, as Migration20261204004300 did for dunning's cases:
 *
 * - **An allocation names a payment, an issued document and a ledger transaction that exist**: a
 *   statement-level trigger over the statement's new rows looks up their distinct keys by primary key
 *   (SQLSTATE 23503 and a detail as the foreign key's). Allocations are append-only (never updated).
 *   The document must be issued (not DRAFT or HELD): an issued document is never deleted and never
 *   changes its id (billing_document_guard), a draft may be, and no payment is ever allocated to one.
 * - **A payment names a statement import that exists**: the same, once per insert statement; a
 *   payment's import never changes afterwards (a row trigger refuses it).
 * - **A payment and a statement import are never deleted and never change their id** (a trigger
 *   refuses both): the foreign keys also locked those rows against a concurrent delete; with both kept
 *   forever there is nothing to lock against. Ledger transactions were append-only already.
 *
 * The functions run with hash and merge joins off: the rows of a statement are looked up by primary
 * key, never by a scan of a whole (growing) table.
 */
import { Migration } from '@mikro-orm/migrations';

const MISSING = (
  table: string,
  column: string,
) => `    raise exception 'insert or update on table "%" violates its reference to ${table}', tg_table_name
      using errcode = '23503', detail = format('Key (${column})=(%s) is not present in table "${table}".', missing.k);`;

export class Migration20261205004500_payment_refs_per_statement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function "payment_allocation_refs_checked"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  missing record;
begin
  select r.payment_id as k into missing from (select payment_id from changed_rows group by 1) r
    where not exists (select 1 from payment p where p.id = r.payment_id) limit 1;
  if found then
${MISSING('payment', 'payment_id')}
  end if;
  select r.document_id as k into missing from (select document_id from changed_rows group by 1) r
    where not exists (select 1 from billing_document d where d.id = r.document_id and d.status not in ('DRAFT', 'HELD')) limit 1;
  if found then
    raise exception 'insert on table "%" names a document that is not issued', tg_table_name
      using errcode = '23503', detail = format('Key (document_id)=(%s) is not an issued document in table "billing_document".', missing.k);
  end if;
  select r.ledger_transaction_id as k into missing from (select ledger_transaction_id from changed_rows group by 1) r
    where not exists (select 1 from ledger_transaction t where t.id = r.ledger_transaction_id) limit 1;
  if found then
${MISSING('ledger_transaction', 'ledger_transaction_id')}
  end if;
  return null;
end $$;`);
    for (const ref of ['payment_id', 'document_id', 'ledger_transaction_id'])
      this.addSql(`alter table "payment_allocation" drop constraint "payment_allocation_${ref}_fkey";`);
    this.addSql(`create trigger "payment_allocation_refs" after insert on "payment_allocation" referencing new table as changed_rows
  for each statement execute function "payment_allocation_refs_checked"();`);

    this.addSql(`create function "payment_import_checked"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  missing record;
begin
  select r.import_id as k into missing from (select import_id from changed_rows where import_id is not null group by 1) r
    where not exists (select 1 from bank_statement_import i where i.id = r.import_id) limit 1;
  if found then
${MISSING('bank_statement_import', 'import_id')}
  end if;
  return null;
end $$;`);
    this.addSql(`alter table "payment" drop constraint "payment_import_id_fkey";`);
    this.addSql(`create trigger "payment_import" after insert on "payment" referencing new table as changed_rows
  for each statement execute function "payment_import_checked"();`);
    this.addSql(`create function "payment_import_kept"() returns trigger language plpgsql as $$
begin
  raise exception 'payment % never changes its statement import', old.id using errcode = 'P0001';
end $$;`);
    this.addSql(`create trigger "payment_import_kept" before update of "import_id" on "payment"
  for each row when (old.import_id is distinct from new.import_id) execute function "payment_import_kept"();`);

    this.addSql(`create function "payment_row_kept"() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception '% % is never deleted', tg_table_name, old.id using errcode = 'P0001';
  end if;
  raise exception '% % never changes its id', tg_table_name, old.id using errcode = 'P0001';
end $$;`);
    for (const table of ['payment', 'bank_statement_import']) {
      this.addSql(`create trigger "${table}_kept" before delete on "${table}" for each row execute function "payment_row_kept"();`);
      this.addSql(`create trigger "${table}_id_kept" before update of "id" on "${table}"
  for each row when (old.id is distinct from new.id) execute function "payment_row_kept"();`);
    }
  }

  override async down(): Promise<void> {
    for (const table of ['payment', 'bank_statement_import']) {
      this.addSql(`drop trigger if exists "${table}_kept" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_id_kept" on "${table}";`);
    }
    this.addSql(`drop function if exists "payment_row_kept"();`);
    this.addSql(`drop trigger if exists "payment_import_kept" on "payment";`);
    this.addSql(`drop function if exists "payment_import_kept"();`);
    this.addSql(`drop trigger if exists "payment_import" on "payment";`);
    this.addSql(`drop function if exists "payment_import_checked"();`);
    this.addSql(
      `alter table "payment" add constraint "payment_import_id_fkey" foreign key ("import_id") references "bank_statement_import" ("id");`,
    );
    this.addSql(`drop trigger if exists "payment_allocation_refs" on "payment_allocation";`);
    this.addSql(`drop function if exists "payment_allocation_refs_checked"();`);
    for (const [ref, table] of [
      ['payment_id', 'payment'],
      ['document_id', 'billing_document'],
      ['ledger_transaction_id', 'ledger_transaction'],
    ])
      this.addSql(
        `alter table "payment_allocation" add constraint "payment_allocation_${ref}_fkey" foreign key ("${ref}") references "${table}" ("id");`,
      );
  }
}
