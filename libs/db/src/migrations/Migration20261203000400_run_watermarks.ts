/**
 * Invoice runs bill usage by stream position (libs/analytics invoice-usage-query): a run records the
 * position of the rated stream up to which ClickHouse held every event when it was planned (its
 * usage watermark, the sink consumer's ack floor), and the watermark of the run before it, so that
 * late events between the two go on this run's invoices, marked late.
 *
 * A plan's shards are ranges of account ids in byte order, the order ClickHouse compares strings
 * in; the plan's ids get the "C" collation so that no database locale reorders them.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000400_run_watermarks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "billing_run"
  add column "usage_watermark_seq" bigint null check ("usage_watermark_seq" >= 0),
  add column "previous_watermark_seq" bigint null check ("previous_watermark_seq" >= 0),
  add constraint "billing_run_watermarks_ordered" check ("previous_watermark_seq" is null or "usage_watermark_seq" >= "previous_watermark_seq");`);
    this.addSql(`alter table "billing_run_account" alter column "account_id" type varchar(64) collate "C";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "billing_run_account" alter column "account_id" type varchar(64) collate "default";`);
    this.addSql(
      `alter table "billing_run" drop constraint "billing_run_watermarks_ordered", drop column "previous_watermark_seq", drop column "usage_watermark_seq";`,
    );
  }
}
