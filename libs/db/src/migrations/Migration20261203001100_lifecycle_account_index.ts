/**
 * COMPUTE reads the lifecycle events of a page of accounts at once (apps/invoicing
 * phases/compute-input-loader.ts): an index by account, in time order, instead of a scan of the
 * whole history per page.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203001100_lifecycle_account_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "subscription_lifecycle_event_account_index" on "subscription_lifecycle_event" ("account_id", "effective_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "subscription_lifecycle_event_account_index";`);
  }
}
