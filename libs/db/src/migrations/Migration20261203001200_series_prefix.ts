/**
 * A legal entity's documents are numbered in its own series: the series prefix is the entity's
 * `number_series_prefix`, a dash, then the document type's prefix (`ACME-INV2026-000001`), so the
 * series prefix grows to 16 + 1 + 4 characters.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203001200_series_prefix extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "number_series" drop constraint "number_series_prefix_check";`);
    this.addSql(`alter table "number_series" alter column "prefix" type varchar(24);`);
    this.addSql(`alter table "number_series" add constraint "number_series_prefix_check" check ("prefix" ~ '^[A-Z0-9-]{0,24}$');`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "number_series" drop constraint "number_series_prefix_check";`);
    this.addSql(`alter table "number_series" alter column "prefix" type varchar(16);`);
    this.addSql(`alter table "number_series" add constraint "number_series_prefix_check" check ("prefix" ~ '^[A-Z0-9-]{0,16}$');`);
  }
}
