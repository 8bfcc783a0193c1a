import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A person or company that owns billing accounts. */
@Entity({ tableName: 'customer' })
export class Customer {
  [OptionalProps]?: 'email' | 'externalRef';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  name!: string;

  @Property({ type: 'string', columnType: 'varchar(254)', nullable: true })
  email?: string | null;

  /** The customer's id in the operator's CRM. */
  @Property({ type: 'string', columnType: 'varchar(128)', nullable: true, unique: 'customer_external_ref_unique' })
  externalRef?: string | null;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** Set by every use case that changes the row, from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;
}
