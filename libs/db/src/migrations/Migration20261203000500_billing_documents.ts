/**
 * Billing documents and the receivables ledger (billing and ledger contexts, SQL-only tables written
 * by apps/invoicing; collections will post money to the same ledger).
 *
 * Code tables (operators add rows without a code change): cycle types, cycle statuses, document types
 * (with their accounting type, INVOICE or CORRECTIVE, as tSM has it) and document statuses.
 *
 * - `billing_cycle`: one period of one cycle type, OPEN -> CLOSING (grace for late usage) -> CLOSED
 *   -> BILLING -> BILLED; unique per (type, period start).
 * - `billing_document` / `_line` / `_tax`: drafts carry no number; a number is assigned at FINALIZE
 *   with the status change, in the series of the document's type, legal entity and year
 *   (`number_series`, gapless: one serial step per series, under the series row's lock).
 * - Issued documents never change: a trigger refuses any update of an issued row other than its
 *   status and paid amount, any change of its lines and tax rows, and deletes. Corrections are notes.
 * - Credit notes never credit more than is left of the invoice they correct (a deferred check).
 * - `ledger_transaction` / `ledger_posting`: double entry, signed amounts (debit > 0, credit < 0);
 *   a deferred constraint trigger refuses a transaction whose postings do not sum to zero, and
 *   postings are never updated or deleted, only reversed by new transactions.
 * - `billing_outbox`: `ratel.billing.v1` events written in the transaction of the change, published
 *   to JetStream by PgOutboxRelay (libs/events).
 */
import { Migration } from '@mikro-orm/migrations';

/**
 * The guard of issued documents in three parts (Migration20261204004200 replaces the middle one, the
 * comparison of the old and new rows, and keeps the others): deletes and the states that may still change.
 */
export const BILLING_DOCUMENT_GUARD_HEAD = `  if tg_op = 'DELETE' then
    if old.status not in ('DRAFT', 'HELD') then
      raise exception 'billing document % is %: an issued or rejected document is never deleted', old.id, old.status using errcode = 'P0001';
    end if;
    return old;
  end if;
  if old.status in ('DRAFT', 'HELD') then return new; end if;
  if old.status = 'REJECTED' then
    raise exception 'billing document % was rejected: it never changes again', old.id using errcode = 'P0001';
  end if;
`;
/** The guard's last check: a document never goes back to DRAFT or HELD. */
export const BILLING_DOCUMENT_GUARD_TAIL = `  if new.status in ('DRAFT', 'HELD') then
    raise exception 'billing document % is %: it cannot return to %', old.id, old.status, new.status using errcode = 'P0001';
  end if;
  return new;
end $$;`;
/** The first guard, kept for Migration20261204004200's down(). */
export const BILLING_DOCUMENT_GUARD_V1 = `function "billing_document_guard"() returns trigger language plpgsql as $$
begin
${BILLING_DOCUMENT_GUARD_HEAD}  if (to_jsonb(new) - array['status', 'paid_minor', 'updated_at']) is distinct from (to_jsonb(old) - array['status', 'paid_minor', 'updated_at']) then
    raise exception 'billing document % is %: an issued document never changes; correct it with a credit or debit note', old.id, old.status
      using errcode = 'P0001';
  end if;
${BILLING_DOCUMENT_GUARD_TAIL}`;

const UP: readonly string[] = [
  `create table "billing_cycle_type" (
  "code" varchar(32) not null primary key check ("code" ~ '^[A-Z0-9_]{1,32}$'),
  "kind" varchar(16) not null check ("kind" in ('WEEKLY', 'MONTHLY', 'QUARTERLY', 'ANNUAL')),
  "anchor_day" smallint not null,
  "time_zone" varchar(64) not null,
  "grace_days" smallint not null default 3 check ("grace_days" between 0 and 31),
  "description" text not null default '',
  check (("kind" = 'WEEKLY' and "anchor_day" between 1 and 7) or ("kind" <> 'WEEKLY' and "anchor_day" between 1 and 28))
);`,
  `insert into "billing_cycle_type" ("code", "kind", "anchor_day", "time_zone", "description") values
  ('MONTHLY_1', 'MONTHLY', 1, 'UTC', 'calendar month, from the 1st'),
  ('MONTHLY_15', 'MONTHLY', 15, 'UTC', 'month from the 15th'),
  ('QUARTERLY_1', 'QUARTERLY', 1, 'UTC', 'calendar quarter'),
  ('WEEKLY_MON', 'WEEKLY', 1, 'UTC', 'week from Monday'),
  ('ANNUAL_1', 'ANNUAL', 1, 'UTC', 'calendar year');`,
  `create table "billing_cycle_status" ("code" varchar(16) not null primary key, "position" smallint not null unique, "description" text not null);`,
  `insert into "billing_cycle_status" values
  ('OPEN', 1, 'usage and charges are accumulating'),
  ('CLOSING', 2, 'the period is over; late usage may still arrive (grace)'),
  ('CLOSED', 3, 'ready to bill'),
  ('BILLING', 4, 'an invoice run is in progress'),
  ('BILLED', 5, 'every document of the cycle is final');`,
  `create table "billing_document_type" (
  "code" varchar(16) not null primary key,
  "accounting_type" varchar(16) not null check ("accounting_type" in ('INVOICE', 'CORRECTIVE')),
  "description" text not null
);`,
  `insert into "billing_document_type" values
  ('INVOICE', 'INVOICE', 'invoice of a cycle: recurring, one-time and usage charges'),
  ('CREDIT_NOTE', 'CORRECTIVE', 'credits an issued invoice, never more than is left to credit'),
  ('DEBIT_NOTE', 'CORRECTIVE', 'adds charges to an issued invoice'),
  ('ADVANCE_INVOICE', 'INVOICE', 'bills a deposit or a prepayment');`,
  `create table "billing_document_status" ("code" varchar(16) not null primary key, "final" boolean not null, "description" text not null);`,
  `insert into "billing_document_status" values
  ('DRAFT', false, 'computed, no number yet'),
  ('HELD', false, 'held for review with its reasons'),
  ('ISSUED', true, 'numbered and posted; never changes again but for its status and paid amount'),
  ('PARTIALLY_PAID', true, 'issued, partly paid'),
  ('PAID', true, 'issued, paid in full'),
  ('VOID', true, 'cancelled after issue; keeps its number'),
  ('REJECTED', true, 'a held draft an operator rejected: never issued, no number');`,
  `create table "billing_cycle" (
  "id" varchar(64) not null primary key,
  "cycle_type" varchar(32) not null references "billing_cycle_type" ("code"),
  "period_start" date not null,
  "period_end" date not null,
  "starts_at" timestamptz not null,
  "ends_at" timestamptz not null,
  "grace_ends_at" timestamptz not null,
  "status" varchar(16) not null references "billing_cycle_status" ("code"),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "billing_cycle_period" check ("period_start" < "period_end" and "starts_at" < "ends_at" and "ends_at" <= "grace_ends_at"),
  constraint "billing_cycle_type_start_unique" unique ("cycle_type", "period_start")
);`,
  `create table "number_series" (
  "id" varchar(128) not null primary key,
  "document_type" varchar(16) not null references "billing_document_type" ("code"),
  "legal_entity_id" varchar(64) not null,
  "year" int not null check ("year" between 2000 and 9999),
  "prefix" varchar(16) not null check ("prefix" ~ '^[A-Z0-9-]{0,16}$'),
  "next_number" bigint not null default 1 check ("next_number" >= 1),
  constraint "number_series_key" unique ("document_type", "legal_entity_id", "year")
);`,
  `create table "billing_document" (
  "id" varchar(64) not null primary key,
  "idempotency_key" varchar(200) not null unique,
  "account_id" varchar(64) not null,
  "cycle_id" varchar(64) null references "billing_cycle" ("id"),
  "run_id" varchar(64) null,
  "type" varchar(16) not null references "billing_document_type" ("code"),
  "status" varchar(16) not null references "billing_document_status" ("code"),
  "legal_entity_id" varchar(64) not null,
  "series_id" varchar(128) null references "number_series" ("id"),
  "number" bigint null,
  "number_text" varchar(64) null,
  "currency" char(3) not null,
  "net_minor" bigint not null,
  "tax_minor" bigint not null,
  "gross_minor" bigint not null check ("gross_minor" >= 0),
  "paid_minor" bigint not null default 0 check ("paid_minor" >= 0),
  "usage_minor" bigint not null default 0,
  "payment_terms_days" smallint not null default 14 check ("payment_terms_days" between 0 and 365),
  "period_start" date null,
  "period_end" date null,
  "issue_date" date null,
  "due_date" date null,
  "payment_reference" varchar(35) null,
  "corrects_document_id" varchar(64) null references "billing_document" ("id"),
  "credit_kind" varchar(16) null check ("credit_kind" in ('ACCOUNT_CREDIT', 'REFUND', 'OFFSET')),
  "hold_reasons" jsonb not null default '[]',
  -- What was asked under the idempotency key of an operator's request (a note): the same key with another request is refused.
  "request_fingerprint" varchar(256) null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  "issued_at" timestamptz null,
  constraint "billing_document_totals" check ("net_minor" + "tax_minor" = "gross_minor"),
  constraint "billing_document_numbered" check (("status" in ('DRAFT', 'HELD', 'REJECTED')) = ("number" is null) and ("number" is null) = ("series_id" is null)),
  constraint "billing_document_series_number" unique ("series_id", "number"),
  constraint "billing_document_number_text" unique ("legal_entity_id", "number_text"),
  -- A debit note adds to an invoice; a credit note corrects one, or stands alone (a negative invoice becomes a credit note).
  constraint "billing_document_corrects" check (
    ("type" in ('INVOICE', 'ADVANCE_INVOICE') and "corrects_document_id" is null) or ("type" = 'DEBIT_NOTE' and "corrects_document_id" is not null)
    or "type" = 'CREDIT_NOTE')
);`,
  `create index "billing_document_run" on "billing_document" ("run_id", "status", "account_id" collate "C");`,
  `create index "billing_document_account" on "billing_document" ("account_id", "issue_date");`,
  `create index "billing_document_corrects" on "billing_document" ("corrects_document_id") where "corrects_document_id" is not null;`,
  `create table "billing_document_line" (
  "document_id" varchar(64) not null references "billing_document" ("id") on delete cascade,
  "line_no" int not null check ("line_no" >= 1),
  "parent_line_no" int null,
  "kind" varchar(16) not null check ("kind" in ('SUBSCRIPTION', 'RECURRING', 'ONE_TIME', 'USAGE', 'DISCOUNT', 'MINIMUM', 'MANUAL', 'CORRECTION')),
  "description" text not null,
  "quantity" numeric(38, 9) not null,
  "unit" varchar(16) not null,
  "unit_price_minor" numeric(38, 9) not null,
  "amount_minor" bigint not null,
  "discount_minor" bigint not null default 0,
  "tax_category" varchar(16) not null check ("tax_category" in ('STANDARD', 'REDUCED', 'EXEMPT', 'REVERSE_CHARGE', 'NONE')),
  "tax_rate" numeric(9, 6) not null check ("tax_rate" >= 0 and "tax_rate" < 1),
  "period_start" date null,
  "period_end" date null,
  "subscription_id" varchar(64) null,
  "charge_id" varchar(64) null,
  "usage_key" varchar(256) null,
  "discount_id" varchar(64) null,
  "late" boolean not null default false,
  "reason" text null,
  primary key ("document_id", "line_no"),
  foreign key ("document_id", "parent_line_no") references "billing_document_line" ("document_id", "line_no")
);`,
  `create table "billing_document_tax" (
  "document_id" varchar(64) not null references "billing_document" ("id") on delete cascade,
  "tax_category" varchar(16) not null,
  "tax_rate" numeric(9, 6) not null,
  "taxable_minor" bigint not null,
  "tax_minor" bigint not null,
  primary key ("document_id", "tax_category", "tax_rate")
);`,
  // An issued document never changes: only its status (forward) and paid amount; never deleted.
  `create ${BILLING_DOCUMENT_GUARD_V1}`,
  `create trigger "billing_document_guard" before update or delete on "billing_document" for each row execute function "billing_document_guard"();`,
  // Statement-level, over the transition tables: one check per bulk insert of lines, not one per line.
  `create function "billing_document_part_guard"() returns trigger language plpgsql as $$
declare
  doc record;
begin
  select d.id, d.status into doc from billing_document d
  where d.status not in ('DRAFT', 'HELD') and d.id in (select document_id from changed_rows) limit 1;
  if found then
    raise exception 'billing document % is %: its lines and taxes never change', doc.id, doc.status using errcode = 'P0001';
  end if;
  return null;
end $$;`,
  ...['billing_document_line', 'billing_document_tax'].flatMap((table) => [
    `create trigger "${table}_guard_insert" after insert on "${table}" referencing new table as changed_rows
  for each statement execute function "billing_document_part_guard"();`,
    `create trigger "${table}_guard_update" after update on "${table}" referencing old table as changed_rows
  for each statement execute function "billing_document_part_guard"();`,
    `create trigger "${table}_guard_delete" after delete on "${table}" referencing old table as changed_rows
  for each statement execute function "billing_document_part_guard"();`,
  ]),
  // Credit notes of an invoice never exceed its gross (at commit, whatever the order of the writes).
  `create function "billing_credit_limit_check"() returns trigger language plpgsql as $$
declare
  invoice_gross bigint;
  credited bigint;
begin
  if new.type <> 'CREDIT_NOTE' or new.corrects_document_id is null then return null; end if;
  select gross_minor into invoice_gross from billing_document where id = new.corrects_document_id;
  select coalesce(sum(gross_minor), 0) into credited from billing_document
    where corrects_document_id = new.corrects_document_id and type = 'CREDIT_NOTE' and status <> 'VOID';
  if credited > invoice_gross then
    raise exception 'credit notes of % would credit % of its %', new.corrects_document_id, credited, invoice_gross using errcode = 'P0001';
  end if;
  return null;
end $$;`,
  `create constraint trigger "billing_credit_limit" after insert or update on "billing_document" deferrable initially deferred
  for each row execute function "billing_credit_limit_check"();`,
  `create table "ledger_transaction" (
  "id" varchar(64) not null primary key,
  "idempotency_key" varchar(200) not null unique,
  "kind" varchar(32) not null,
  "source_id" varchar(64) not null,
  "currency" char(3) not null,
  "posted_on" date not null,
  "created_at" timestamptz not null
);`,
  `create table "ledger_posting" (
  "transaction_id" varchar(64) not null references "ledger_transaction" ("id"),
  "line_no" smallint not null check ("line_no" >= 1),
  "account_code" varchar(32) not null check ("account_code" ~ '^[A-Z_]{1,32}$'),
  "party_account_id" varchar(64) null,
  "amount_minor" bigint not null check ("amount_minor" <> 0),
  primary key ("transaction_id", "line_no")
);`,
  `create index "ledger_posting_party" on "ledger_posting" ("party_account_id", "account_code") where "party_account_id" is not null;`,
  `create function "ledger_balance_check"() returns trigger language plpgsql as $$
declare
  total numeric;
begin
  select coalesce(sum(amount_minor), 0) into total from ledger_posting where transaction_id = new.transaction_id;
  if total <> 0 then
    raise exception 'ledger transaction % does not balance: its postings sum to %', new.transaction_id, total using errcode = 'P0001';
  end if;
  return null;
end $$;`,
  `create constraint trigger "ledger_balanced" after insert on "ledger_posting" deferrable initially deferred
  for each row execute function "ledger_balance_check"();`,
  `create function "ledger_append_only"() returns trigger language plpgsql as $$
begin
  raise exception 'the ledger is append-only: % of % refused; post a reversing transaction', tg_op, tg_table_name using errcode = 'P0001';
end $$;`,
  `create trigger "ledger_transaction_append_only" before update or delete on "ledger_transaction" for each row execute function "ledger_append_only"();`,
  `create trigger "ledger_posting_append_only" before update or delete on "ledger_posting" for each row execute function "ledger_append_only"();`,
  `create table "billing_outbox" (
  "id" bigserial primary key,
  "event_id" varchar(64) not null unique,
  "subject" text not null,
  "payload" jsonb not null,
  "created_at" timestamptz not null,
  "published_at" timestamptz null
);`,
  `create index "billing_outbox_unpublished" on "billing_outbox" ("id") where "published_at" is null;`,
];

const DOWN: readonly string[] = [
  'drop table if exists "billing_outbox";',
  'drop table if exists "ledger_posting";',
  'drop table if exists "ledger_transaction";',
  'drop function if exists "ledger_append_only"();',
  'drop function if exists "ledger_balance_check"();',
  'drop table if exists "billing_document_tax";',
  'drop table if exists "billing_document_line";',
  'drop table if exists "billing_document";',
  'drop function if exists "billing_credit_limit_check"();',
  'drop function if exists "billing_document_part_guard"();',
  'drop function if exists "billing_document_guard"();',
  'drop table if exists "number_series";',
  'drop table if exists "billing_cycle";',
  'drop table if exists "billing_document_status";',
  'drop table if exists "billing_document_type";',
  'drop table if exists "billing_cycle_status";',
  'drop table if exists "billing_cycle_type";',
];

export class Migration20261203000500_billing_documents extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}
