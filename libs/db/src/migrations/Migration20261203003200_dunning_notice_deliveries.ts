/**
 * Dunning notices go out through invoicing's deliveries (issue 10 §4): a delivery's subject may be a
 * DUNNING_NOTICE, keyed by the DUNNING_STEP_TAKEN event id (apps/invoicing/src/delivery/dunning-notices.ts).
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203003200_dunning_notice_deliveries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "delivery" drop constraint "delivery_subject_kind_check";`);
    this.addSql(
      `alter table "delivery" add constraint "delivery_subject_kind_check" check ("subject_kind" in ('DOCUMENT', 'NOTIFICATION', 'DUNNING_NOTICE'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "delivery" where "subject_kind" = 'DUNNING_NOTICE';`);
    this.addSql(`alter table "delivery" drop constraint "delivery_subject_kind_check";`);
    this.addSql(
      `alter table "delivery" add constraint "delivery_subject_kind_check" check ("subject_kind" in ('DOCUMENT', 'NOTIFICATION'));`,
    );
  }
}
