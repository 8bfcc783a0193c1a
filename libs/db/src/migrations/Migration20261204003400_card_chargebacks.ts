/**
 * A card chargeback (apps/collections/src/card/sync-card-payment.usecase.ts): the gateway took the money
 * of a succeeded card payment back. Recorded on the card payment once, with the gateway's dispute id,
 * in the transaction that reverses the collections payment it made.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204003400_card_chargebacks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "card_payment" add column "chargeback_id" varchar(128) null unique;`);
    this.addSql(`alter table "card_payment" add column "chargeback_reason" varchar(64) null;`);
    this.addSql(`alter table "card_payment" add column "charged_back_at" timestamptz null;`);
    this.addSql(
      `alter table "card_payment" add constraint "card_payment_chargeback" check (("chargeback_id" is null) = ("charged_back_at" is null) and ("chargeback_id" is null or "status" = 'SUCCEEDED'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "card_payment" drop constraint if exists "card_payment_chargeback";`);
    this.addSql(`alter table "card_payment" drop column if exists "charged_back_at";`);
    this.addSql(`alter table "card_payment" drop column if exists "chargeback_reason";`);
    this.addSql(`alter table "card_payment" drop column if exists "chargeback_id";`);
  }
}
