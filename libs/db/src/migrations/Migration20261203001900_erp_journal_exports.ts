/**
 * The ERP export (issue 10, section 5): one row per exported day of the ledger journal, written by
 * apps/collections (src/erp). The file of a day is a pure function of that day's ledger postings
 * (the ledger is append-only), so exporting a day again gives the same bytes; the row records their
 * SHA-256 so that a day whose postings changed after it was exported (a transaction dated into it
 * later) is seen and refused rather than silently exported twice with other figures.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203001900_erp_journal_exports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "erp_journal_export" (
  "day" date not null primary key,
  "sha256" char(64) not null check ("sha256" ~ '^[0-9a-f]{64}$'),
  "transactions" int not null check ("transactions" >= 0),
  "postings" int not null check ("postings" >= 0),
  "exported_by" varchar(200) not null,
  "first_exported_at" timestamptz not null,
  "last_exported_at" timestamptz not null
);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "erp_journal_export";`);
  }
}
