import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { TAX_CATEGORIES, type TaxCategory } from './billing-enums';

/**
 * The rate of one tax category in one jurisdiction over a validity window [validFrom, validTo) of
 * calendar dates (validTo null: open ended). Windows of one (jurisdiction, category) never overlap:
 * the creating use case checks it under a transaction-scoped advisory lock of the key.
 */
@Entity({ tableName: 'tax_rate' })
@Index({ name: 'tax_rate_key_index', properties: ['jurisdiction', 'category', 'validFrom'] })
export class TaxRate {
  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  /** ISO 3166-1 alpha-2 country, optionally "-" and an ISO 3166-2 subdivision ("DE", "ES-CN"). */
  @Property({ type: 'string', columnType: 'varchar(16)' })
  jurisdiction!: string;

  @Enum({ items: [...TAX_CATEGORIES], type: 'string', columnType: 'text' })
  category!: TaxCategory;

  /** Percent, 0-100, at most 4 decimals ("19", "5.5"); a decimal string, never a float. */
  @Property({ type: 'decimal', columnType: 'numeric(7,4)' })
  ratePercent!: string;

  /** First day the rate applies (YYYY-MM-DD, in the jurisdiction's calendar). */
  @Property({ type: 'date', columnType: 'date' })
  validFrom!: string;

  /** First day it no longer applies; null while open ended. */
  @Property({ type: 'date', columnType: 'date', nullable: true })
  validTo?: string | null;

  /** Set by the creating use case from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
