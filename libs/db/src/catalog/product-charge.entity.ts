import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { bigintMicros } from '../types';
import {
  CHARGE_BILLING,
  CHARGE_KINDS,
  CHARGE_PERIODS,
  TAX_CATEGORIES,
  type ChargeBilling,
  type ChargeKind,
  type ChargePeriod,
  type TaxCategory,
} from './billing-enums';
import { Product } from './product.entity';

/**
 * A fee of a product besides its usage. RECURRING carries period, billing and prorated; INSTALMENT
 * carries instalmentCount (monthly parts, each of `amountMinor`); ACTIVATION and TERMINATION carry
 * neither. The migration's CHECK on `kind` enforces which columns are set.
 */
@Entity({ tableName: 'product_charge' })
export class ProductCharge {
  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @ManyToOne(() => Product, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'product_charge_product_id_index' })
  product!: Ref<Product>;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  @Enum({ items: [...CHARGE_KINDS], type: 'string', columnType: 'text' })
  kind!: ChargeKind;

  @Enum({ items: [...CHARGE_PERIODS], type: 'string', columnType: 'text', nullable: true })
  period?: ChargePeriod | null;

  @Enum({ items: [...CHARGE_BILLING], type: 'string', columnType: 'text', nullable: true })
  billing?: ChargeBilling | null;

  @Property({ type: 'boolean', columnType: 'boolean', nullable: true })
  prorated?: boolean | null;

  @Property({ type: 'smallint', columnType: 'smallint', nullable: true })
  instalmentCount?: number | null;

  /** In the currency's minor unit (cents); per period for RECURRING, per part for INSTALMENT. */
  @Property({ type: bigintMicros(), columnType: 'bigint' })
  amountMinor!: bigint;

  /** ISO 4217 code, upper case. */
  @Property({ type: 'string', columnType: 'char(3)' })
  currency!: string;

  @Enum({ items: [...TAX_CATEGORIES], type: 'string', columnType: 'text' })
  taxCategory!: TaxCategory;

  /** Set by the creating use case from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
