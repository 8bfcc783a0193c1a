/**
 * What invoicing needs of accounts and the catalog (core and catalog contexts, written by charging):
 * each billing account's cycle type, payment terms, tax jurisdiction and billing legal entity, and
 * the tax rates per jurisdiction and category with their validity (EU VAT style; read by invoicing
 * through its tax port, apps/invoicing/src/billing/compute/tax-rates.ts).
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203000600_billing_terms extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "billing_account"
  add column "billing_cycle_type" varchar(32) not null default 'MONTHLY_1',
  add column "payment_terms_days" smallint not null default 14,
  add column "tax_jurisdiction" varchar(16) not null default 'DEFAULT',
  add column "legal_entity_id" varchar(64) not null default 'default';`);
    this.addSql(
      `alter table "billing_account" add constraint "billing_account_payment_terms_days_check" check ("payment_terms_days" between 0 and 365);`,
    );
    this.addSql(`create table "tax_rate" (
  "jurisdiction" varchar(16) not null check ("jurisdiction" ~ '^[A-Z0-9_-]{1,16}$'),
  "category" varchar(16) not null check ("category" in ('STANDARD', 'REDUCED', 'EXEMPT', 'REVERSE_CHARGE')),
  "valid_from" date not null,
  "valid_to" date null,
  "rate" numeric(9, 6) not null check ("rate" >= 0 and "rate" < 1),
  primary key ("jurisdiction", "category", "valid_from"),
  check ("valid_to" is null or "valid_to" > "valid_from"),
  check ("category" in ('STANDARD', 'REDUCED') or "rate" = 0)
);`);
    this.addSql(`insert into "tax_rate" ("jurisdiction", "category", "valid_from", "rate") values
  ('DEFAULT', 'STANDARD', '2000-01-01', 0.2), ('DEFAULT', 'REDUCED', '2000-01-01', 0.055),
  ('DEFAULT', 'EXEMPT', '2000-01-01', 0), ('DEFAULT', 'REVERSE_CHARGE', '2000-01-01', 0);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tax_rate";`);
    this.addSql(`alter table "billing_account" drop constraint "billing_account_payment_terms_days_check",
  drop column "legal_entity_id", drop column "tax_jurisdiction", drop column "payment_terms_days", drop column "billing_cycle_type";`);
  }
}
