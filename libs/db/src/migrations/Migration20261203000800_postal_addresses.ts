/**
 * Structured postal addresses for e-invoices (issue 9, "E-invoice"): EN 16931 needs the seller's and
 * the buyer's postal address with an ISO 3166-1 alpha-2 country (BR-08 to BR-11), which the free
 * text `legal_entity.address` (printed on the PDF) cannot give reliably.
 *
 * - `legal_entity.postal_*`: the seller's address (street, additional street, city, postal code,
 *   country). The printed `address` stays as it is.
 * - `billing_account.billing_*`: the bill-to address of the account. It belongs to the account, not
 *   to the customer: one customer may hold accounts billed to different addresses (a head office and
 *   its branches), and the account is what a document is addressed to.
 *
 * All nullable: existing rows have no structured address yet. Street, city and country come
 * together or not at all (the postal code is optional: some countries have none); the RENDER phase
 * skips the UBL of a document whose parties have no address and records why (billing_rendition).
 *
 * - `billing_rendition` gains an outcome: RENDERED (a file: key, digest, size) or SKIPPED (no file:
 *   a reason code and text). Only a UBL rendition can be skipped; the PDF is always rendered.
 *
 * CHECK constraints on legal_entity and billing_account are named `*_check`, which the schema spec
 * tolerates because entities cannot express them.
 */
import { Migration } from '@mikro-orm/migrations';

/** A line of text: not blank, no control characters (XML 1.0 cannot hold most of them). */
const TEXT_CHECK = (column: string): string => `check (btrim("${column}") <> '' and "${column}" !~ '[[:cntrl:]]')`;

function addressColumns(table: string, prefix: string, postalCode: string): string {
  return `alter table "${table}"
  add column "${prefix}street" varchar(100) null ${TEXT_CHECK(`${prefix}street`)},
  add column "${prefix}additional_street" varchar(100) null ${TEXT_CHECK(`${prefix}additional_street`)},
  add column "${prefix}city" varchar(100) null ${TEXT_CHECK(`${prefix}city`)},
  add column "${postalCode}" varchar(16) null check ("${postalCode}" ~ '^[A-Za-z0-9]([A-Za-z0-9 -]{0,14}[A-Za-z0-9])?$'),
  add column "${prefix}country_code" char(2) null check ("${prefix}country_code" ~ '^[A-Z]{2}$'),
  add constraint "${table}_${prefix}address_check" check (
    ("${prefix}street" is null) = ("${prefix}city" is null) and ("${prefix}street" is null) = ("${prefix}country_code" is null)
    and ("${prefix}street" is not null or ("${prefix}additional_street" is null and "${postalCode}" is null)));`;
}

export class Migration20261203000800_postal_addresses extends Migration {
  override async up(): Promise<void> {
    this.addSql(addressColumns('legal_entity', 'postal_', 'postal_code'));
    this.addSql(addressColumns('billing_account', 'billing_', 'billing_postal_code'));
    this.addSql(`alter table "billing_rendition"
  add column "status" varchar(8) not null default 'RENDERED' check ("status" in ('RENDERED', 'SKIPPED')),
  add column "skip_code" varchar(32) null check ("skip_code" ~ '^[A-Z_]{1,32}$'),
  add column "skip_reason" varchar(500) null,
  alter column "storage_key" drop not null,
  alter column "sha256" drop not null,
  alter column "bytes" drop not null,
  add constraint "billing_rendition_outcome" check (
    ("status" = 'RENDERED' and "storage_key" is not null and "sha256" is not null and "bytes" is not null
      and "skip_code" is null and "skip_reason" is null)
    or ("status" = 'SKIPPED' and "kind" = 'UBL' and "storage_key" is null and "sha256" is null and "bytes" is null
      and "skip_code" is not null and "skip_reason" is not null));`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "billing_rendition" where "status" = 'SKIPPED';`);
    this.addSql(`alter table "billing_rendition" drop constraint "billing_rendition_outcome",
  alter column "storage_key" set not null, alter column "sha256" set not null, alter column "bytes" set not null,
  drop column "skip_reason", drop column "skip_code", drop column "status";`);
    for (const [table, prefix, postalCode] of [
      ['billing_account', 'billing_', 'billing_postal_code'],
      ['legal_entity', 'postal_', 'postal_code'],
    ]) {
      this.addSql(`alter table "${table}" drop constraint "${table}_${prefix}address_check",
  drop column "${prefix}street", drop column "${prefix}additional_street", drop column "${prefix}city", drop column "${postalCode}",
  drop column "${prefix}country_code";`);
    }
  }
}
