/**
 * Partial card chargebacks (apps/collections/src/card/sync-card-payment.usecase.ts): the issuer may take
 * back part of a card payment. `chargeback_minor` is how much (the whole amount for the chargebacks
 * recorded before), and `chargeback_residual_payment_id` the payment that re-applies what the customer
 * kept (the original payment is reversed whole, the rest received again), null when nothing was kept.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204003900_partial_chargebacks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "card_payment" add column "chargeback_minor" bigint null;`);
    this.addSql(`alter table "card_payment" add column "chargeback_residual_payment_id" varchar(64) null references "payment" ("id");`);
    this.addSql(`update "card_payment" set "chargeback_minor" = "amount_minor" where "chargeback_id" is not null;`);
    this.addSql(
      `alter table "card_payment" add constraint "card_payment_chargeback_amount" check (("chargeback_id" is null) = ("chargeback_minor" is null)
        and ("chargeback_minor" is null or "chargeback_minor" between 1 and "amount_minor")
        and ("chargeback_residual_payment_id" is null or "chargeback_minor" < "amount_minor"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "card_payment" drop constraint if exists "card_payment_chargeback_amount";`);
    this.addSql(`alter table "card_payment" drop column if exists "chargeback_residual_payment_id";`);
    this.addSql(`alter table "card_payment" drop column if exists "chargeback_minor";`);
  }
}
