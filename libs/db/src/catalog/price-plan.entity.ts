import { Entity, Index, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { Product } from './product.entity';

/**
 * A price plan: a stable id (what subscriber routes and the Redis `plan:<id>` key carry) with a
 * current version. Each version's JSON lives in an immutable `PricePlanVersion` row.
 */
@Entity({ tableName: 'price_plan' })
export class PricePlan {
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

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** Set by every use case that changes the row, from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;
}

/** One immutable version of a price plan: the JSON of an @app/rating `PricePlan`, validated before it is stored. */
@Entity({ tableName: 'price_plan_version' })
export class PricePlanVersion {
  [PrimaryKeyProp]?: ['plan', 'version'];

  @ManyToOne(() => PricePlan, { primary: true, ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  plan!: Ref<PricePlan>;

  @PrimaryKey({ type: 'integer', columnType: 'int' })
  version!: number;

  @Property({ type: 'json', columnType: 'jsonb' })
  planJson!: unknown;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
