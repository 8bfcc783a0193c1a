import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The company that bills an account: its name, address, VAT id and IBAN are the seller details of
 * every document it issues, and its prefix starts the numbers of its series (numbering is invoicing's).
 */
@Entity({ tableName: 'legal_entity' })
export class LegalEntity {
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
