/**
 * E-invoices to Peppol (issue 9, section 6): the parties' electronic addresses and the buyer's VAT id.
 *
 * - `legal_entity.endpoint_scheme` / `endpoint_id`: the seller's electronic address (EN 16931 BT-34,
 *   UBL `cbc:EndpointID` with `schemeID`), an EAS code and the identifier in that scheme.
 * - `billing_account.endpoint_scheme` / `endpoint_id`: the buyer's (BT-49).
 * - `billing_account.vat_id`: the buyer's VAT identifier (BT-48), required for reverse charge (BR-AE-02).
 *
 * All optional (written by charging's provisioning API, read by invoicing's renderer); a scheme
 * without an identifier, or the reverse, is refused by a CHECK.
 */
import { Migration } from '@mikro-orm/migrations';

const ENDPOINT = (table: string): string[] => [
  `alter table "${table}" add column "endpoint_scheme" varchar(4) null, add column "endpoint_id" varchar(128) null;`,
  `alter table "${table}" add constraint "${table}_endpoint_check" check (("endpoint_scheme" is null) = ("endpoint_id" is null)
     and ("endpoint_scheme" is null or "endpoint_scheme" ~ '^([0-9]{4}|[A-Z]{2})$'));`,
];

export class Migration20261203001800_electronic_addresses extends Migration {
  override async up(): Promise<void> {
    for (const sql of [
      ...ENDPOINT('legal_entity'),
      ...ENDPOINT('billing_account'),
      `alter table "billing_account" add column "vat_id" varchar(32) null check ("vat_id" ~ '^[A-Z]{2}[A-Za-z0-9+*.]{2,30}$');`,
    ])
      this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "billing_account" drop column "vat_id", drop column "endpoint_scheme", drop column "endpoint_id";`);
    this.addSql(`alter table "legal_entity" drop column "endpoint_scheme", drop column "endpoint_id";`);
  }
}
