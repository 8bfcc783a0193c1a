import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { USAGE_UNITS, type UsageUnit } from '../enums';
import { bigintCount, intArray } from '../types';
import { BillingAccount } from '../core/billing-account.entity';

/** An allowance bucket granted to an account (projected into Redis with its id as the bucket id). */
@Entity({ tableName: 'allowance_grant' })
export class AllowanceGrant {
  [OptionalProps]?: 'ratingGroups';

  /** The bucket id. */
  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @ManyToOne(() => BillingAccount, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'allowance_grant_account_id_index' })
  account!: Ref<BillingAccount>;

  @Enum({ items: [...USAGE_UNITS], type: 'string', columnType: 'text' })
  unit!: UsageUnit;

  /** Rating groups the allowance pays for; empty = every rating group of its unit. */
  @Property({ type: intArray(), columnType: 'int[]', defaultRaw: `'{}'` })
  ratingGroups: number[] = [];

  /** Units granted (seconds, bytes or events); bounded below 2^53 by a CHECK. */
  @Property({ type: bigintCount(), columnType: 'bigint' })
  units!: number;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  validFrom!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  @Index({ name: 'allowance_grant_expires_at_index' })
  expiresAt!: Date;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
