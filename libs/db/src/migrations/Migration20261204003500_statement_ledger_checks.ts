/**
 * The ledger's balance and reference checks, and the guard of new document lines, once per statement
 * instead of once per row (issue 9, month-end FINALIZE; issue 10, matching).
 *
 * Measured at 100,000 documents (FINALIZE, pg_stat_statements): the deferred per-posting balance
 * trigger ran 300,000 times, 2.9 s of PostgreSQL's 21 s, and the per-row foreign key of
 * ledger_posting to ledger_transaction locked a ledger transaction row 300,000 times, 0.56 s. Writing
 * the drafts' lines (COMPUTE), the insert guard of lines and tax rows scanned each statement's
 * documents a second time beside the reference check, 1.0 s of 9.1 s.
 *
 * - **A ledger transaction balances after every statement.** `ledger_balanced` was a deferred
 *   constraint trigger: at commit, for every posting row, the sum of its transaction. It becomes a
 *   statement-level trigger over the statement's new postings: per ledger transaction, the postings
 *   one INSERT adds sum to zero. Every transaction's postings are the union of the statements that
 *   wrote them, so every transaction sums to zero, at every moment, not only at commit (stricter
 *   than before: a writer must insert a transaction's legs in one statement, which every writer
 *   does). One hash aggregate over the statement's rows, no lookup. Same message and SQLSTATE P0001.
 * - **A posting names a ledger transaction that exists**, checked for the statement's distinct
 *   transaction ids by primary key. The foreign key also locked the row FOR KEY SHARE against a
 *   concurrent delete; ledger transactions are append-only (a trigger refuses UPDATE and DELETE), so
 *   there is nothing to lock against. Same SQLSTATE 23503 as the foreign key.
 * - **Lines and tax rows are added to DRAFT or HELD documents only**: the reference check, which
 *   already locks each document of the statement FOR KEY SHARE, reads its status in the same query;
 *   the separate insert guards go. The update and delete guards stay (they look at the old rows).
 * - **A line's parent line** is first looked for among the statement's own rows (a hash anti-join of
 *   the transition table with itself); only the lines whose parent is not there are looked up in the
 *   table. COMPUTE writes a draft's lines in one statement, so it never looks one up (0.93 s of
 *   PostgreSQL at 100,000 drafts before).
 *
 * Each function runs with hash and merge joins off, as those of Migration20261203002600: the rows of a
 * statement are looked up by primary key, never by a scan of the whole (growing) table.
 */
import { Migration } from '@mikro-orm/migrations';

const PARTS = ['billing_document_line', 'billing_document_tax'] as const;

/** Part of billing_document_part_refs (before and after this migration): the first line naming no document, refused. */
const REFUSE_MISSING_DOCUMENT = `select r.document_id into missing from changed_rows r
      where not exists (select 1 from billing_document d where d.id = r.document_id) limit 1;
    raise exception 'insert or update on table "%" violates its reference to billing_document', tg_table_name
      using errcode = '23503', detail = format('Key (document_id)=(%s) is not present in table "billing_document".', missing.document_id);`;

/** Part of billing_document_part_refs (before and after this migration): the first line whose parent is not in the table, refused. */
const REFUSE_MISSING_PARENT = `select r.document_id, r.line_no, r.parent_line_no into missing from changed_rows r
      where r.parent_line_no is not null
        and not exists (select 1 from billing_document_line p where p.document_id = r.document_id and p.line_no = r.parent_line_no)
      limit 1;
    if found then
      raise exception 'insert or update on table "billing_document_line" violates its reference to its parent line'
        using errcode = '23503',
          detail = format('Line %s of document %s: parent line %s is not present.', missing.line_no, missing.document_id, missing.parent_line_no);
    end if;`;

const UP = [
  `drop trigger "ledger_balanced" on "ledger_posting";`,
  `drop function "ledger_balance_check"();`,
  `alter table "ledger_posting" drop constraint "ledger_posting_transaction_id_fkey";`,
  `create function "ledger_postings_checked"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  bad record;
begin
  select p.transaction_id, sum(p.amount_minor) as total into bad from new_postings p
    group by p.transaction_id having sum(p.amount_minor) <> 0 limit 1;
  if found then
    raise exception 'ledger transaction % does not balance: its postings sum to %', bad.transaction_id, bad.total using errcode = 'P0001';
  end if;
  select r.transaction_id into bad from (select transaction_id from new_postings group by 1) r
    where not exists (select 1 from ledger_transaction t where t.id = r.transaction_id) limit 1;
  if found then
    raise exception 'insert on table "ledger_posting" violates its reference to ledger_transaction'
      using errcode = '23503', detail = format('Key (transaction_id)=(%s) is not present in table "ledger_transaction".', bad.transaction_id);
  end if;
  return null;
end $$;`,
  `create trigger "ledger_postings_checked" after insert on "ledger_posting" referencing new table as new_postings
  for each statement execute function "ledger_postings_checked"();`,
  ...PARTS.map((table) => `drop trigger "${table}_guard_insert" on "${table}";`),
  `create or replace function "billing_document_part_refs"() returns trigger language plpgsql
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  wanted bigint;
  locked bigint;
  closed bigint;
  outside boolean;
  missing record;
begin
  select count(*) into wanted from (select document_id from changed_rows group by 1) w;
  select count(*), count(*) filter (where l.status not in ('DRAFT', 'HELD')) into locked, closed from (
    select d.status from billing_document d where d.id in (select document_id from changed_rows) for key share of d
  ) l;
  if locked < wanted then
${REFUSE_MISSING_DOCUMENT}
  end if;
  if closed > 0 then
    select d.id, d.status into missing from billing_document d
      where d.status not in ('DRAFT', 'HELD') and d.id in (select document_id from changed_rows) limit 1;
    raise exception 'billing document % is %: its lines and taxes never change', missing.id, missing.status using errcode = 'P0001';
  end if;
  if tg_table_name = 'billing_document_line' then
    -- Parents written by the same statement (a draft's lines come in one COPY) are found in the statement's
    -- own rows, by one hash anti-join of the transition table with itself (hash joins on for this query
    -- only: no table is involved). Only lines whose parent is not among them are looked up in the table,
    -- by primary key.
    perform set_config('enable_hashjoin', 'on', true);
    select exists (select 1 from changed_rows r where r.parent_line_no is not null
        and not exists (select 1 from changed_rows p where p.document_id = r.document_id and p.line_no = r.parent_line_no))
      into outside;
    perform set_config('enable_hashjoin', 'off', true);
    if outside then
${REFUSE_MISSING_PARENT}
    end if;
  end if;
  return null;
end $$;`,
];

export class Migration20261204003500_statement_ledger_checks extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    // The reference check without the status (the insert guards come back), the per-row foreign key and the deferred balance check.
    this.addSql(`create or replace function "billing_document_part_refs"() returns trigger language plpgsql
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
${REFUSE_MISSING_DOCUMENT}
  end if;
  if tg_table_name = 'billing_document_line' then
${REFUSE_MISSING_PARENT}
  end if;
  return null;
end $$;`);
    for (const table of PARTS)
      this.addSql(`create trigger "${table}_guard_insert" after insert on "${table}" referencing new table as changed_rows
  for each statement execute function "billing_document_part_guard"();`);
    this.addSql(`drop trigger if exists "ledger_postings_checked" on "ledger_posting";`);
    this.addSql(`drop function if exists "ledger_postings_checked"();`);
    this.addSql(`alter table "ledger_posting" add constraint "ledger_posting_transaction_id_fkey"
  foreign key ("transaction_id") references "ledger_transaction" ("id");`);
    this.addSql(`create function "ledger_balance_check"() returns trigger language plpgsql as $$
declare
  total numeric;
begin
  select coalesce(sum(amount_minor), 0) into total from ledger_posting where transaction_id = new.transaction_id;
  if total <> 0 then
    raise exception 'ledger transaction % does not balance: its postings sum to %', new.transaction_id, total using errcode = 'P0001';
  end if;
  return null;
end $$;`);
    this.addSql(`create constraint trigger "ledger_balanced" after insert on "ledger_posting" deferrable initially deferred
  for each row execute function "ledger_balance_check"();`);
  }
}
