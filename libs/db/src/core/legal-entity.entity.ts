import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The company that bills an account: its name, address, VAT id and IBAN are the seller details of
 * every document it issues, and its prefix starts the numbers of its series (numbering is invoicing's).
 */
@Entity({ tableName: 'legal_entity' })
export class LegalEntity {
  [OptionalProps]?:
    'postalStreet' | 'postalAdditionalStreet' | 'postalCity' | 'postalCode' | 'postalCountryCode' | 'endpointScheme' | 'endpointId';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  /** Postal address as printed on documents (lines separated by "\n"). */
  @Property({ type: 'string', columnType: 'varchar(500)' })
  address!: string;

  /** EU VAT identification number: two-letter country prefix and 2-13 characters, upper case, no spaces. */
  @Property({ type: 'string', columnType: 'varchar(15)' })
  vatId!: string;

  /** ISO 13616 IBAN, upper case, no spaces, check digits verified (mod 97) by the use case. */
  @Property({ type: 'string', columnType: 'varchar(34)' })
  iban!: string;

  /** Structured postal address, the seller's address of e-invoices (Migration20261203000800_postal_addresses): street, city and country together or none; null until set. */
  @Property({ type: 'string', columnType: 'varchar(100)', nullable: true })
  postalStreet?: string | null;

  @Property({ type: 'string', columnType: 'varchar(100)', nullable: true })
  postalAdditionalStreet?: string | null;

  @Property({ type: 'string', columnType: 'varchar(100)', nullable: true })
  postalCity?: string | null;

  /** Optional even with an address: some countries have no postal codes. */
  @Property({ type: 'string', columnType: 'varchar(16)', nullable: true })
  postalCode?: string | null;

  /** ISO 3166-1 alpha-2, upper case. */
  @Property({ type: 'string', columnType: 'char(2)', nullable: true })
  postalCountryCode?: string | null;

  /** The seller's electronic address (EN 16931 BT-34, Migration20261203001800_electronic_addresses): an EAS code and the identifier, both or none. */
  @Property({ type: 'string', columnType: 'varchar(4)', nullable: true })
  endpointScheme?: string | null;

  @Property({ type: 'string', columnType: 'varchar(128)', nullable: true })
  endpointId?: string | null;

  /** Prefix of this entity's document numbers (for example "RTL-DE"). */
  @Property({ type: 'string', columnType: 'varchar(16)', unique: 'legal_entity_number_series_prefix_unique' })
  numberSeriesPrefix!: string;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** Set by every use case that changes the row, from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;
}
