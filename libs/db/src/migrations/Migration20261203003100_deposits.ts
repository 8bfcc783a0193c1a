/**
 * Deposits (issue 10, section 3), written by apps/collections (src/deposits):
 *
 * - `deposit`: money a customer leaves as security, received (cash, cheque, transfer) and held per
 *   account: HELD, then APPLIED (on termination, at the dunning step TERMINATION, or by an operator:
 *   it becomes a payment of channel DEPOSIT that pays the account's open documents, the rest its
 *   credit), or RETURNING (a refund of source DEPOSIT requested, under the circuit breakers) then
 *   RETURNED (paid out). A rejected or failed return puts it back to HELD.
 * - Ledger: DEPOSIT_RECEIVED (BANK +, DEPOSITS_HELD(account) -); applied, the payment's cash leg is
 *   DEPOSITS_HELD(account) + instead of BANK; a return goes through REFUNDS_PAYABLE like any refund.
 * - `refund.deposit_id` and source kind DEPOSIT; `payment.channel` DEPOSIT.
 */
import { Migration } from '@mikro-orm/migrations';

const CHANNELS_BEFORE = `'BANK_TRANSFER', 'DIRECT_DEBIT', 'CARD', 'WRITE_OFF', 'MANUAL'`;

export class Migration20261203003100_deposits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "deposit" (
  "id" varchar(35) not null primary key,
  "idempotency_key" varchar(100) not null unique,
  "request_fingerprint" char(64) not null,
  "account_id" varchar(64) not null references "billing_account" ("id"),
  "currency" char(3) not null,
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "method" varchar(16) not null check ("method" in ('CASH', 'CHEQUE', 'TRANSFER')),
  "value_date" date not null,
  "reason" varchar(140) null,
  "status" varchar(16) not null check ("status" in ('HELD', 'APPLIED', 'RETURNING', 'RETURNED')),
  "payment_id" varchar(64) null references "payment" ("id"),
  "refund_id" varchar(35) null references "refund" ("id"),
  "created_by" varchar(200) not null,
  "created_at" timestamptz not null,
  "updated_at" timestamptz not null,
  constraint "deposit_state" check (
    ("status" = 'HELD' and "payment_id" is null and "refund_id" is null)
    or ("status" = 'APPLIED' and "payment_id" is not null and "refund_id" is null)
    or ("status" in ('RETURNING', 'RETURNED') and "payment_id" is null and "refund_id" is not null))
);`);
    this.addSql(`create index "deposit_account" on "deposit" ("account_id", "status");`);
    this.addSql(`alter table "refund" add column "deposit_id" varchar(35) null references "deposit" ("id");`);
    this.addSql(`alter table "refund" drop constraint "refund_source_kind_check";`);
    this.addSql(
      `alter table "refund" add constraint "refund_source_kind_check" check ("source_kind" in ('ACCOUNT_CREDIT', 'CREDIT_NOTE', 'DEPOSIT'));`,
    );
    this.addSql(`alter table "refund" drop constraint "refund_source";`);
    this.addSql(`alter table "refund" add constraint "refund_source" check (
    ("source_kind" = 'ACCOUNT_CREDIT' and "payment_id" is not null and "document_id" is null and "deposit_id" is null)
    or ("source_kind" = 'CREDIT_NOTE' and "document_id" is not null and "payment_id" is null and "deposit_id" is null)
    or ("source_kind" = 'DEPOSIT' and "deposit_id" is not null and "payment_id" is null and "document_id" is null));`);
    this.addSql(`alter table "payment" drop constraint "payment_channel_check";`);
    this.addSql(`alter table "payment" add constraint "payment_channel_check" check ("channel" in (${CHANNELS_BEFORE}, 'DEPOSIT'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "payment" drop constraint "payment_channel_check";`);
    this.addSql(`alter table "payment" add constraint "payment_channel_check" check ("channel" in (${CHANNELS_BEFORE}));`);
    this.addSql(`alter table "refund" drop constraint "refund_source";`);
    this.addSql(`alter table "refund" add constraint "refund_source" check (
    ("source_kind" = 'ACCOUNT_CREDIT' and "payment_id" is not null and "document_id" is null)
    or ("source_kind" = 'CREDIT_NOTE' and "document_id" is not null and "payment_id" is null));`);
    this.addSql(`alter table "refund" drop constraint "refund_source_kind_check";`);
    this.addSql(
      `alter table "refund" add constraint "refund_source_kind_check" check ("source_kind" in ('ACCOUNT_CREDIT', 'CREDIT_NOTE'));`,
    );
    this.addSql(`alter table "refund" drop column "deposit_id";`);
    this.addSql('drop table if exists "deposit";');
  }
}
