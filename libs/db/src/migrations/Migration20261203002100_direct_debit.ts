/**
 * SEPA direct debit and payment reversals (issue 10), written by apps/collections (src/direct-debit,
 * src/matching/reverse-payment.ts):
 *
 * - `sepa_mandate`: a debtor's mandate per billing account (mandate id as SEPA allows it, IBAN,
 *   signature date, the sequence type of the next collection: FRST until one was collected, then
 *   RCUR), ACTIVE, REVOKED (by the customer or an operator) or STOPPED (by a return code).
 * - `dd_run`: one collection run per collection date, with its pain.008 file (bytes fixed at
 *   creation, so fetching it again gives the same file).
 * - `dd_instruction`: one debit of one document in a run; its id is the end-to-end id. A document
 *   has at most one live (PENDING) instruction; a presentation is 1, or 2 when re-presented.
 * - `dd_return`: a return or reject of an instruction (pain.002 or camt.054), with its ISO reason
 *   code and the action taken; once per instruction.
 * - Reversals: `payment.returned_minor` and status RETURNED (the money went back), and
 *   `payment_allocation_reversal`: an allocation undone (allocations stay append-only). The
 *   allocation check now reads: live allocations + unapplied + returned = amount.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "sepa_mandate" (
  "id" varchar(35) not null primary key check ("id" ~ '^[A-Za-z0-9/?:().,''+ -]{1,35}$'),
  "account_id" varchar(64) not null references "billing_account" ("id"),
  "debtor_name" varchar(70) not null,
  "iban" varchar(34) not null check ("iban" ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
  "bic" varchar(11) null check ("bic" ~ '^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
  "signed_on" date not null,
  "sequence" varchar(4) not null default 'FRST' check ("sequence" in ('FRST', 'RCUR')),
  "status" varchar(8) not null default 'ACTIVE' check ("status" in ('ACTIVE', 'REVOKED', 'STOPPED')),
  "status_reason" text null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null
);`,
  `create unique index "sepa_mandate_one_active" on "sepa_mandate" ("account_id") where "status" = 'ACTIVE';`,
  `create table "dd_run" (
  "id" varchar(35) not null primary key,
  "collection_date" date not null unique,
  "created_at" timestamptz not null,
  "created_by" varchar(200) not null,
  "instructions" int not null check ("instructions" >= 0),
  "total_minor" bigint not null check ("total_minor" >= 0),
  "file_xml" text null,
  "file_sha256" char(64) null
);`,
  `create table "dd_instruction" (
  "id" varchar(35) not null primary key,
  "run_id" varchar(35) not null references "dd_run" ("id"),
  "document_id" varchar(64) not null references "billing_document" ("id"),
  "mandate_id" varchar(35) not null references "sepa_mandate" ("id"),
  "account_id" varchar(64) not null,
  "sequence" varchar(4) not null check ("sequence" in ('FRST', 'RCUR')),
  "presentation" smallint not null check ("presentation" in (1, 2)),
  "currency" char(3) not null check ("currency" = 'EUR'),
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "status" varchar(8) not null default 'PENDING' check ("status" in ('PENDING', 'SETTLED', 'RETURNED')),
  "payment_id" varchar(64) null references "payment" ("id"),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "dd_instruction_once" unique ("document_id", "presentation", "run_id")
);`,
  `create unique index "dd_instruction_one_live" on "dd_instruction" ("document_id") where "status" = 'PENDING';`,
  `create table "dd_return" (
  "instruction_id" varchar(35) not null primary key references "dd_instruction" ("id"),
  "source_format" varchar(16) not null check ("source_format" in ('PAIN_002', 'CAMT_054')),
  "reason_code" varchar(4) not null check ("reason_code" ~ '^[A-Z0-9]{4}$'),
  "action" varchar(16) not null check ("action" in ('REPRESENT', 'STOP_MANDATE', 'OPERATOR', 'DUNNING')),
  "resolved_at" timestamptz null,
  "created_at" timestamptz not null
);`,
  `alter table "payment" add column "returned_minor" bigint not null default 0 check ("returned_minor" >= 0);`,
  `alter table "payment" drop constraint "payment_status_check";`,
  `alter table "payment" drop constraint "payment_status";`,
  `alter table "payment" add constraint "payment_status_check" check ("status" in ('SUSPENSE', 'UNAPPLIED', 'ALLOCATED', 'RETURNED'));`,
  `alter table "payment" add constraint "payment_status" check (
    ("status" = 'SUSPENSE' and "account_id" is null and "unapplied_minor" = "amount_minor" and "returned_minor" = 0)
    or ("status" = 'UNAPPLIED' and "account_id" is not null and "unapplied_minor" > 0 and "returned_minor" = 0)
    or ("status" = 'ALLOCATED' and "account_id" is not null and "unapplied_minor" = 0 and "returned_minor" = 0)
    or ("status" = 'RETURNED' and "unapplied_minor" = 0 and "returned_minor" = "amount_minor"));`,
  `create table "payment_allocation_reversal" (
  "allocation_id" bigint not null primary key references "payment_allocation" ("id"),
  "payment_id" varchar(64) not null references "payment" ("id"),
  "ledger_transaction_id" varchar(64) not null references "ledger_transaction" ("id"),
  "reason" text not null,
  "created_at" timestamptz not null
);`,
  `create or replace function "payment_allocation_check"() returns trigger language plpgsql as $$
declare
  p record;
  allocated numeric;
  pid varchar;
begin
  if tg_table_name = 'payment' then pid := new.id; else pid := new.payment_id; end if;
  select id, amount_minor, unapplied_minor, returned_minor into p from payment where id = pid;
  select coalesce(sum(a.amount_minor), 0) into allocated from payment_allocation a
    where a.payment_id = p.id and not exists (select 1 from payment_allocation_reversal r where r.allocation_id = a.id);
  if allocated + p.unapplied_minor + p.returned_minor <> p.amount_minor then
    raise exception 'payment %: live allocations % plus unapplied % plus returned % differ from its amount %', p.id, allocated,
      p.unapplied_minor, p.returned_minor, p.amount_minor using errcode = 'P0001';
  end if;
  return null;
end $$;`,
  `create constraint trigger "payment_allocation_reversal_sum" after insert on "payment_allocation_reversal" deferrable initially deferred
  for each row execute function "payment_allocation_check"();`,
  `create trigger "payment_allocation_reversal_append_only" before update or delete on "payment_allocation_reversal" for each row execute function "payment_allocation_append_only"();`,
];

export class Migration20261203002100_direct_debit extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "payment_allocation_reversal";');
    this.addSql('drop table if exists "dd_return";');
    this.addSql('drop table if exists "dd_instruction";');
    this.addSql('drop table if exists "dd_run";');
    this.addSql('drop table if exists "sepa_mandate";');
    this.addSql('alter table "payment" drop column "returned_minor";');
  }
}
