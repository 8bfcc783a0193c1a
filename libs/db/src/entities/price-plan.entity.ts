import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { Product } from './product.entity';

/**
 * A price plan: a stable id (what subscriber routes and the Redis `plan:<id>` key carry) with a
 * current version. Each version's JSON lives in an immutable `PricePlanVersion` row.
 */
@Entity({ tableName: 'price_plan' })
export class PricePlan {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @ManyToOne(() => Product, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'price_plan_product_id_index' })
  product!: Ref<Product>;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  /** ISO 4217 code the plan's prices are in; accounts using it must have the same currency. */
  @Property({ type: 'string', columnType: 'char(3)' })
  currency!: string;

  @Property({ type: 'integer', columnType: 'int' })
  currentVersion!: number;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** One immutable version of a price plan: the JSON of an @app/rating `PricePlan`, validated before it is stored. */
@Entity({ tableName: 'price_plan_version' })
export class PricePlanVersion {
  [PrimaryKeyProp]?: ['plan', 'version'];
  [OptionalProps]?: 'createdAt';

  @ManyToOne(() => PricePlan, { primary: true, ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  plan!: Ref<PricePlan>;

  @PrimaryKey({ type: 'integer', columnType: 'int' })
  version!: number;

  @Property({ type: 'json', columnType: 'jsonb' })
  planJson!: unknown;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();
}
