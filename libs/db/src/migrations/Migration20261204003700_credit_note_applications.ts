/**
 * Credit notes netted against their account's open documents (apps/collections/src/matching/net-credit-notes.ts):
 * one row per credit note and document it paid, with the ledger transaction (CREDIT_NOTE_APPLIED) that
 * posted it. Append-only, like payment_allocation. The credit note's and the document's paid_minor move
 * in the same transaction.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204003700_credit_note_applications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "credit_note_application" (
  "id" bigserial primary key,
  "credit_note_id" varchar(64) not null references "billing_document" ("id"),
  "document_id" varchar(64) not null references "billing_document" ("id"),
  "amount_minor" bigint not null check ("amount_minor" > 0),
  "ledger_transaction_id" varchar(64) not null references "ledger_transaction" ("id"),
  "created_at" timestamptz not null,
  constraint "credit_note_application_once" unique ("ledger_transaction_id", "document_id"),
  constraint "credit_note_application_other" check ("credit_note_id" <> "document_id")
);`);
    this.addSql(`create index "credit_note_application_credit_note" on "credit_note_application" ("credit_note_id");`);
    this.addSql(`create index "credit_note_application_document" on "credit_note_application" ("document_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "credit_note_application";`);
  }
}
