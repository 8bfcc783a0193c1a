import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A sellable offer of the catalog; its prices are price plans. */
@Entity({ tableName: 'product' })
export class Product {
  [OptionalProps]?: 'createdAt' | 'description';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  @Property({ type: 'string', columnType: 'varchar(2000)', nullable: true })
  description?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();
}
