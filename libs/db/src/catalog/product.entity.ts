import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A sellable offer of the catalog; its prices are price plans. */
@Entity({ tableName: 'product' })
export class Product {
  [OptionalProps]?: 'description';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  @Property({ type: 'string', columnType: 'varchar(2000)', nullable: true })
  description?: string | null;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
