/**
 * SOFT_BARRED, a billing account status between ACTIVE and BARRED: outgoing barred (dunning's soft bar,
 * charging's POST /v1/accounts/{id}/soft-bar). The engine grants such an account only services whose
 * rate is free; see apps/charging/src/balance/balance-engine.port.ts.
 */
import { Migration } from '@mikro-orm/migrations';

const STATUS_CHECK = (statuses: readonly string[]) =>
  `alter table "billing_account" add constraint "billing_account_status_check" check ("status" in (${statuses.map((s) => `'${s}'`).join(', ')}));`;

export class Migration20261204003600_soft_barred_status extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "billing_account" drop constraint "billing_account_status_check";`);
    this.addSql(STATUS_CHECK(['ACTIVE', 'SOFT_BARRED', 'BARRED', 'CLOSED']));
  }

  override async down(): Promise<void> {
    // A soft bar becomes the only bar the older schema knows.
    this.addSql(`update "billing_account" set "status" = 'BARRED' where "status" = 'SOFT_BARRED';`);
    this.addSql(`alter table "billing_account" drop constraint "billing_account_status_check";`);
    this.addSql(STATUS_CHECK(['ACTIVE', 'BARRED', 'CLOSED']));
  }
}
