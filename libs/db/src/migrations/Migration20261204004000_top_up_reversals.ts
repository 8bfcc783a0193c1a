/**
 * A top-up taken back (charging's POST /v1/accounts/{id}/top-ups/{topUpId}/reversal: the card payment
 * that paid it was charged back): a `top_up` row of its own with a NEGATIVE amount, naming the top-up it
 * reverses (at most one reversal per top-up). It goes through everything a top-up goes through
 * (ledger entry, projection into the engine, the reconciler, the journal, restores), with its sign.
 */
import { Migration } from '@mikro-orm/migrations';

const MAX = '9007199254740991';

export class Migration20261204004000_top_up_reversals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "top_up" add column "reverses_top_up_id" varchar(64) null;`);
    this.addSql(
      `alter table "top_up" add constraint "top_up_reverses_top_up_id_foreign" foreign key ("reverses_top_up_id") references "top_up" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(`alter table "top_up" add constraint "top_up_reverses_top_up_id_unique" unique ("reverses_top_up_id");`);
    this.addSql(`alter table "top_up" drop constraint "top_up_amount_micros_check";`);
    this.addSql(
      `alter table "top_up" add constraint "top_up_amount_micros_check" check (("reverses_top_up_id" is null and "amount_micros" between 1 and ${MAX})
        or ("reverses_top_up_id" is not null and "amount_micros" between -${MAX} and -1));`,
    );
  }

  override async down(): Promise<void> {
    // Reversals are money records: with any present the check below refuses, and down() stops.
    this.addSql(`alter table "top_up" drop constraint "top_up_amount_micros_check";`);
    this.addSql(`alter table "top_up" add constraint "top_up_amount_micros_check" check ("amount_micros" between 1 and ${MAX});`);
    this.addSql(`alter table "top_up" drop constraint "top_up_reverses_top_up_id_unique";`);
    this.addSql(`alter table "top_up" drop constraint "top_up_reverses_top_up_id_foreign";`);
    this.addSql(`alter table "top_up" drop column "reverses_top_up_id";`);
  }
}
