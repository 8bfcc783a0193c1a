/**
 * A charged-back card top-up is taken back from the prepaid balance (apps/collections/src/card/
 * sync-card-payment.usecase.ts, through charging's top-up reversal): `top_up_status` gains REVERSED
 * (charging took it back) and REVERSAL_REFUSED (charging refused: an operator's case), and the
 * reconciler's index covers the charged-back top-ups still DONE (their reversal not yet confirmed).
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261204004100_top_up_chargebacks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "card_payment" drop constraint "card_payment_top_up_status_check";`);
    this.addSql(
      `alter table "card_payment" add constraint "card_payment_top_up_status_check" check ("top_up_status" in ('PENDING', 'DONE', 'REFUSED', 'REVERSED', 'REVERSAL_REFUSED'));`,
    );
    this.addSql(`alter table "card_payment" add column "top_up_reversal_id" varchar(64) null;`);
    this.addSql(`drop index if exists "card_payment_pending";`);
    this.addSql(
      `create index "card_payment_pending" on "card_payment" ("updated_at") where "status" = 'PENDING' or "top_up_status" = 'PENDING'
        or ("top_up_status" = 'DONE' and "charged_back_at" is not null);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "card_payment_pending";`);
    this.addSql(
      `create index "card_payment_pending" on "card_payment" ("updated_at") where "status" = 'PENDING' or "top_up_status" = 'PENDING';`,
    );
    this.addSql(`alter table "card_payment" drop column "top_up_reversal_id";`);
    this.addSql(`alter table "card_payment" drop constraint "card_payment_top_up_status_check";`);
    this.addSql(
      `alter table "card_payment" add constraint "card_payment_top_up_status_check" check ("top_up_status" in ('PENDING', 'DONE', 'REFUSED'));`,
    );
  }
}
