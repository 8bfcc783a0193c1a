import { ArrayType, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { bigintMicros } from '../types';
import { DISCOUNT_KINDS, DISCOUNT_SCOPES, type DiscountKind, type DiscountScope } from './billing-enums';
import { ProductCharge } from './product-charge.entity';

/**
 * A discount over [validFrom, validTo). PERCENT carries `percent`; FIXED carries `amountMinor` and
 * `currency`. Scope CHARGE names `charge`, SERVICE names `service`, INVOICE neither. It applies only
 * to accounts holding every product of `requiredProductIds` (empty: no condition), which is how a
 * convergent fixed + mobile discount is written. The migration's CHECKs enforce the shapes.
 */
@Entity({ tableName: 'discount' })
export class Discount {
  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  @Enum({ items: [...DISCOUNT_KINDS], type: 'string', columnType: 'text' })
  kind!: DiscountKind;

  /** Percent, 0 < p <= 100, at most 4 decimals; a decimal string. */
  @Property({ type: 'decimal', columnType: 'numeric(7,4)', nullable: true })
  percent?: string | null;

  @Property({ type: bigintMicros(), columnType: 'bigint', nullable: true })
  amountMinor?: bigint | null;

  @Property({ type: 'string', columnType: 'char(3)', nullable: true })
  currency?: string | null;

  @Enum({ items: [...DISCOUNT_SCOPES], type: 'string', columnType: 'text' })
  scope!: DiscountScope;

  @ManyToOne(() => ProductCharge, { ref: true, deleteRule: 'restrict', updateRule: 'cascade', nullable: true })
  @Index({ name: 'discount_charge_id_index' })
  charge?: Ref<ProductCharge> | null;

  @Property({ type: 'string', columnType: 'varchar(64)', nullable: true })
  service?: string | null;

  /** Products (ids) the account must all hold; no foreign key (an array), checked by the creating use case. */
  @Property({ type: new ArrayType<string>(), columnType: 'text[]', default: '{}' })
  requiredProductIds: string[] = [];

  @Property({ type: 'date', columnType: 'date' })
  validFrom!: string;

  @Property({ type: 'date', columnType: 'date', nullable: true })
  validTo?: string | null;

  /** Set by the creating use case from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
