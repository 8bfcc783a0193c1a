/**
 * A card top-up that charging refused is refunded to the card (apps/collections/src/card/top-up-refunds.ts):
 * a refund of source kind CARD_TOP_UP names the card payment (`refund.card_payment_id`) and goes back by
 * CARD only. The source constraints are widened to say so.
 */
import { Migration } from '@mikro-orm/migrations';

const SOURCE_BEFORE = `("source_kind" = 'ACCOUNT_CREDIT' and "payment_id" is not null and "document_id" is null and "deposit_id" is null)
    or ("source_kind" = 'CREDIT_NOTE' and "document_id" is not null and "payment_id" is null and "deposit_id" is null)
    or ("source_kind" = 'DEPOSIT' and "deposit_id" is not null and "payment_id" is null and "document_id" is null)`;
const PAYEE_BEFORE = `("method" = 'BANK_TRANSFER' and "payee_iban" is not null and "payee_name" is not null)
    or ("method" = 'CARD' and "payee_iban" is null and "source_kind" = 'ACCOUNT_CREDIT')`;

export class Migration20261204003800_top_up_refunds extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "refund" add column "card_payment_id" varchar(64) null references "card_payment" ("id");`);
    this.addSql(`create index "refund_card_payment" on "refund" ("card_payment_id") where "card_payment_id" is not null;`);
    this.addSql(`alter table "refund" drop constraint "refund_source_kind_check";`);
    this.addSql(
      `alter table "refund" add constraint "refund_source_kind_check" check ("source_kind" in ('ACCOUNT_CREDIT', 'CREDIT_NOTE', 'DEPOSIT', 'CARD_TOP_UP'));`,
    );
    this.addSql(`alter table "refund" drop constraint "refund_source";`);
    this.addSql(`alter table "refund" add constraint "refund_source" check (
    ((${SOURCE_BEFORE}) and "card_payment_id" is null)
    or ("source_kind" = 'CARD_TOP_UP' and "card_payment_id" is not null and "payment_id" is null and "document_id" is null and "deposit_id" is null));`);
    this.addSql(`alter table "refund" drop constraint "refund_payee";`);
    this.addSql(`alter table "refund" add constraint "refund_payee" check (
    ${PAYEE_BEFORE}
    or ("method" = 'CARD' and "payee_iban" is null and "source_kind" = 'CARD_TOP_UP'));`);
  }

  override async down(): Promise<void> {
    // Refunds of card top-ups are money records: with any of them present the constraints below refuse, and down() stops.
    this.addSql(`alter table "refund" drop constraint "refund_payee";`);
    this.addSql(`alter table "refund" add constraint "refund_payee" check (${PAYEE_BEFORE});`);
    this.addSql(`alter table "refund" drop constraint "refund_source";`);
    this.addSql(`alter table "refund" add constraint "refund_source" check (${SOURCE_BEFORE});`);
    this.addSql(`alter table "refund" drop constraint "refund_source_kind_check";`);
    this.addSql(
      `alter table "refund" add constraint "refund_source_kind_check" check ("source_kind" in ('ACCOUNT_CREDIT', 'CREDIT_NOTE', 'DEPOSIT'));`,
    );
    this.addSql(`drop index if exists "refund_card_payment";`);
    this.addSql(`alter table "refund" drop column "card_payment_id";`);
  }
}
