/**
 * Refunds (issue 10, section 3), written by apps/collections (src/refunds):
 *
 * - `refund`: money going back to a customer, from account credit (the unapplied part of one payment)
 *   or from an issued credit note, by bank transfer (a pain.001 credit-transfer batch) or to the card
 *   the source payment came from (through the gateway). One row per Idempotency-Key. What it takes is
 *   reserved when it is requested: the payment's `refunded_minor` (or the credit note's paid amount)
 *   goes up in the same transaction, so two refunds can never spend the same credit. Its status:
 *   HELD (a circuit breaker tripped: `hold_reasons`; waits for four-eyes approval), APPROVED (to be
 *   sent), SENDING (card: the gateway was called with the refund's id as its idempotency key), SENT
 *   (bank: in a credit-transfer batch), SUCCEEDED (card), FAILED or REJECTED (the reservation given back).
 *   The approver is never the requester (checked by the server and here).
 * - `credit_transfer_batch`: one pain.001.001.03 file of approved bank refunds, keyed by the operator's
 *   Idempotency-Key, its bytes fixed at creation.
 * - `payment.refunded_minor`: what refunds took from the payment's credit. The allocation check now
 *   reads: live allocations + unapplied + returned + refunded = amount. A payment whose whole amount
 *   was refunded is REFUNDED.
 */
import { Migration } from '@mikro-orm/migrations';

const UP: readonly string[] = [
  `create table "credit_transfer_batch" (
  "id" varchar(35) not null primary key,
  "idempotency_key" varchar(100) not null unique,
  "execution_date" date not null,
  "refunds" int not null check ("refunds" > 0),
  "total_minor" bigint not null check ("total_minor" > 0),
  "currency" char(3) not null,
  "file_xml" text not null,
  "file_sha256" char(64) not null,
  "created_by" varchar(200) not null,
  "created_at" timestamptz not null
);`,
  `create table "refund" (
  "id" varchar(35) not null primary key,
  "idempotency_key" varchar(100) not null unique,
  "request_fingerprint" char(64) not null,
  "account_id" varchar(64) not null references "billing_account" ("id"),
  "source_kind" varchar(16) not null check ("source_kind" in ('ACCOUNT_CREDIT', 'CREDIT_NOTE')),
  "payment_id" varchar(64) null references "payment" ("id"),
  "document_id" varchar(64) null references "billing_document" ("id"),
  "method" varchar(16) not null check ("method" in ('BANK_TRANSFER', 'CARD')),
  "currency" char(3) not null,
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "payee_name" varchar(70) null,
  "payee_iban" varchar(34) null check ("payee_iban" ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
  "payee_bic" varchar(11) null check ("payee_bic" ~ '^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
  "reason" varchar(140) null,
  "status" varchar(16) not null check ("status" in ('HELD', 'APPROVED', 'SENDING', 'SENT', 'SUCCEEDED', 'FAILED', 'REJECTED')),
  "hold_reasons" jsonb not null default '[]',
  "requested_by" varchar(200) not null,
  "decided_by" varchar(200) null,
  "decided_at" timestamptz null,
  "decision_note" varchar(500) null,
  "released_at" timestamptz null,
  "attempts" int not null default 0 check ("attempts" >= 0),
  "gateway_refund_id" varchar(128) null,
  "failure_code" varchar(64) null,
  "batch_id" varchar(35) null references "credit_transfer_batch" ("id"),
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "refund_source" check (
    ("source_kind" = 'ACCOUNT_CREDIT' and "payment_id" is not null and "document_id" is null)
    or ("source_kind" = 'CREDIT_NOTE' and "document_id" is not null and "payment_id" is null)),
  constraint "refund_payee" check (
    ("method" = 'BANK_TRANSFER' and "payee_iban" is not null and "payee_name" is not null)
    or ("method" = 'CARD' and "payee_iban" is null and "source_kind" = 'ACCOUNT_CREDIT')),
  constraint "refund_four_eyes" check ("decided_by" is null or "decided_by" <> "requested_by"),
  constraint "refund_batched" check (("status" = 'SENT') = ("batch_id" is not null))
);`,
  `create index "refund_account" on "refund" ("account_id", "created_at");`,
  `create index "refund_open" on "refund" ("status", "created_at") where "status" in ('HELD', 'APPROVED', 'SENDING');`,
  `create index "refund_payment" on "refund" ("payment_id") where "payment_id" is not null;`,
  `create index "refund_document" on "refund" ("document_id") where "document_id" is not null;`,
  `alter table "payment" add column "refunded_minor" bigint not null default 0 check ("refunded_minor" >= 0);`,
  `alter table "payment" drop constraint "payment_status_check";`,
  `alter table "payment" drop constraint "payment_status";`,
  `alter table "payment" add constraint "payment_status_check" check ("status" in ('SUSPENSE', 'UNAPPLIED', 'ALLOCATED', 'RETURNED', 'REFUNDED'));`,
  `alter table "payment" add constraint "payment_status" check (
    ("status" = 'SUSPENSE' and "account_id" is null and "unapplied_minor" = "amount_minor" and "returned_minor" = 0 and "refunded_minor" = 0)
    or ("status" = 'UNAPPLIED' and "account_id" is not null and "unapplied_minor" > 0 and "returned_minor" = 0)
    or ("status" = 'ALLOCATED' and "account_id" is not null and "unapplied_minor" = 0 and "returned_minor" = 0 and "refunded_minor" < "amount_minor")
    or ("status" = 'REFUNDED' and "account_id" is not null and "unapplied_minor" = 0 and "returned_minor" = 0 and "refunded_minor" = "amount_minor")
    or ("status" = 'RETURNED' and "unapplied_minor" = 0 and "returned_minor" = "amount_minor" and "refunded_minor" = 0));`,
  `create or replace function "payment_allocation_check"() returns trigger language plpgsql as $$
declare
  p record;
  allocated numeric;
  pid varchar;
begin
  if tg_table_name = 'payment' then pid := new.id; else pid := new.payment_id; end if;
  select id, amount_minor, unapplied_minor, returned_minor, refunded_minor into p from payment where id = pid;
  select coalesce(sum(a.amount_minor), 0) into allocated from payment_allocation a
    where a.payment_id = p.id and not exists (select 1 from payment_allocation_reversal r where r.allocation_id = a.id);
  if allocated + p.unapplied_minor + p.returned_minor + p.refunded_minor <> p.amount_minor then
    raise exception 'payment %: live allocations % plus unapplied % plus returned % plus refunded % differ from its amount %', p.id, allocated,
      p.unapplied_minor, p.returned_minor, p.refunded_minor, p.amount_minor using errcode = 'P0001';
  end if;
  return null;
end $$;`,
];

const DOWN: readonly string[] = [
  'drop table if exists "refund";',
  'drop table if exists "credit_transfer_batch";',
  `alter table "payment" drop constraint "payment_status";`,
  `alter table "payment" drop constraint "payment_status_check";`,
  'alter table "payment" drop column "refunded_minor";',
  `alter table "payment" add constraint "payment_status_check" check ("status" in ('SUSPENSE', 'UNAPPLIED', 'ALLOCATED', 'RETURNED'));`,
  `alter table "payment" add constraint "payment_status" check (
    ("status" = 'SUSPENSE' and "account_id" is null and "unapplied_minor" = "amount_minor" and "returned_minor" = 0)
    or ("status" = 'UNAPPLIED' and "account_id" is not null and "unapplied_minor" > 0 and "returned_minor" = 0)
    or ("status" = 'ALLOCATED' and "account_id" is not null and "unapplied_minor" = 0 and "returned_minor" = 0)
    or ("status" = 'RETURNED' and "unapplied_minor" = 0 and "returned_minor" = "amount_minor"));`,
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
];

export class Migration20261203002900_refunds extends Migration {
  override async up(): Promise<void> {
    for (const sql of UP) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}
