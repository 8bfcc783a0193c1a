/**
 * Payments in, their allocations to billing documents, and the bank statement imports they came
 * from (collections context, SQL-only tables written by apps/collections).
 *
 * - `payment`: money received, one row per bank entry (or transaction detail of a batch entry). Its
 *   idempotency key is the bank's own reference within its channel and source (the account the
 *   statement is for): `(channel, source, bank_reference)` is unique, so a statement imported again
 *   inserts nothing. `unapplied_minor` is what no document took: account credit when the account is
 *   known (status UNAPPLIED), the suspense queue when it is not (status SUSPENSE).
 * - `payment_allocation`: a part of a payment applied to one document, in the document's minor unit.
 *   The sum of a payment's allocations plus its unapplied part is its amount (checked at commit).
 * - `bank_statement_import`: one run of one file (its SHA-256, the format, the counts), and
 *   `bank_statement_rejection`: each entry or file refused, with the element path or line and why.
 *
 * Who writes what in billing_document: invoicing issues documents (DRAFT -> ISSUED, VOID, and
 * everything but status and paid amount); collections alone moves ISSUED <-> PARTIALLY_PAID <-> PAID
 * and `paid_minor`, under the document's row lock, in the transaction that writes the allocation.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "bank_statement_import" (
  "id" varchar(64) not null primary key,
  "file_name" varchar(255) not null,
  "file_sha256" char(64) not null,
  "format" varchar(16) null check ("format" in ('CAMT_053', 'CAMT_054', 'MT940')),
  "status" varchar(16) not null check ("status" in ('RUNNING', 'DONE', 'FAILED')),
  "entries_seen" int not null default 0 check ("entries_seen" >= 0),
  "payments_created" int not null default 0 check ("payments_created" >= 0),
  "duplicates" int not null default 0 check ("duplicates" >= 0),
  "skipped" int not null default 0 check ("skipped" >= 0),
  "rejected" int not null default 0 check ("rejected" >= 0),
  "requested_by" varchar(200) not null,
  "started_at" timestamptz not null,
  "finished_at" timestamptz null
);`,
  `create index "bank_statement_import_file" on "bank_statement_import" ("file_sha256");`,
  `create table "bank_statement_rejection" (
  "import_id" varchar(64) not null references "bank_statement_import" ("id"),
  "seq" int not null check ("seq" >= 1),
  "element" varchar(300) null,
  "line" int null check ("line" >= 1),
  "reason" text not null,
  primary key ("import_id", "seq")
);`,
  `create table "payment" (
  "id" varchar(64) not null primary key,
  "channel" varchar(16) not null check ("channel" in ('BANK_TRANSFER', 'DIRECT_DEBIT', 'CARD')),
  "source" varchar(64) not null,
  "bank_reference" varchar(140) not null,
  "account_id" varchar(64) null,
  "currency" char(3) not null,
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "unapplied_minor" bigint not null check ("unapplied_minor" >= 0 and "unapplied_minor" <= "amount_minor"),
  "value_date" date not null,
  "booking_date" date null,
  "end_to_end_id" varchar(35) null,
  "remittance_info" text not null default '',
  "debtor_name" varchar(140) null,
  "status" varchar(16) not null check ("status" in ('SUSPENSE', 'UNAPPLIED', 'ALLOCATED')),
  "match_rule" varchar(24) null check ("match_rule" in ('RF_REFERENCE', 'DOCUMENT_NUMBER', 'ACCOUNT_EXACT_AMOUNT', 'ACCOUNT_OLDEST_FIRST')),
  "import_id" varchar(64) null references "bank_statement_import" ("id"),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "payment_bank_reference" unique ("channel", "source", "bank_reference"),
  constraint "payment_status" check (
    ("status" = 'SUSPENSE' and "account_id" is null and "unapplied_minor" = "amount_minor")
    or ("status" = 'UNAPPLIED' and "account_id" is not null and "unapplied_minor" > 0)
    or ("status" = 'ALLOCATED' and "account_id" is not null and "unapplied_minor" = 0))
);`,
  `create index "payment_account" on "payment" ("account_id", "value_date") where "account_id" is not null;`,
  `create index "payment_suspense" on "payment" ("value_date", "id") where "status" = 'SUSPENSE';`,
  `create table "payment_allocation" (
  "id" bigserial primary key,
  "payment_id" varchar(64) not null references "payment" ("id"),
  "document_id" varchar(64) not null references "billing_document" ("id"),
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "ledger_transaction_id" varchar(64) not null references "ledger_transaction" ("id"),
  "created_at" timestamptz not null,
  constraint "payment_allocation_once" unique ("payment_id", "document_id")
);`,
  `create index "payment_allocation_document" on "payment_allocation" ("document_id");`,
  // A payment's allocations and unapplied part add up to its amount, whatever the order of the writes.
  `create function "payment_allocation_check"() returns trigger language plpgsql as $$
declare
  p record;
  allocated numeric;
  pid varchar;
begin
  if tg_table_name = 'payment' then pid := new.id; else pid := new.payment_id; end if;
  select id, amount_minor, unapplied_minor into p from payment where id = pid;
  select coalesce(sum(amount_minor), 0) into allocated from payment_allocation where payment_id = p.id;
  if allocated + p.unapplied_minor <> p.amount_minor then
    raise exception 'payment %: allocations % plus unapplied % differ from its amount %', p.id, allocated, p.unapplied_minor, p.amount_minor
      using errcode = 'P0001';
  end if;
  return null;
end $$;`,
  `create constraint trigger "payment_allocation_sum" after insert or update on "payment_allocation" deferrable initially deferred
  for each row execute function "payment_allocation_check"();`,
  `create constraint trigger "payment_amount_sum" after insert or update on "payment" deferrable initially deferred
  for each row execute function "payment_allocation_check"();`,
  `create function "payment_allocation_append_only"() returns trigger language plpgsql as $$
begin
  raise exception 'payment allocations are append-only: % refused; reverse them instead', tg_op using errcode = 'P0001';
end $$;`,
  `create trigger "payment_allocation_append_only" before update or delete on "payment_allocation" for each row execute function "payment_allocation_append_only"();`,
];

const DOWN: readonly string[] = [
  'drop table if exists "payment_allocation";',
  'drop function if exists "payment_allocation_append_only"();',
  'drop table if exists "payment";',
  'drop function if exists "payment_allocation_check"();',
  'drop table if exists "bank_statement_rejection";',
  'drop table if exists "bank_statement_import";',
];

export class Migration20261203001000_collections_payments extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}
