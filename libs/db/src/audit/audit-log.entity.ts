import { BigIntType, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** Who changed what, when: one row per provisioning write, in the same transaction as the write. */
@Entity({ tableName: 'audit_log' })
@Index({ name: 'audit_log_entity_index', properties: ['entityType', 'entityId'] })
export class AuditLog {
  [OptionalProps]?: 'id' | 'details';

  @PrimaryKey({ type: new BigIntType('string'), columnType: 'bigint', autoincrement: true })
  id!: string;

  /** `apikey:<fingerprint>` or `jwt:<sub>`; never a secret. */
  @Property({ type: 'string', columnType: 'varchar(200)' })
  actor!: string;

  /** For example `billing_account.create`. */
  @Property({ type: 'string', columnType: 'varchar(64)' })
  action!: string;

  @Property({ type: 'string', columnType: 'varchar(64)' })
  entityType!: string;

  @Property({ type: 'string', columnType: 'varchar(128)' })
  entityId!: string;

  /** The change, money as decimal strings of micros. */
  @Property({ type: 'json', columnType: 'jsonb' })
  details: Record<string, unknown> = {};

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
