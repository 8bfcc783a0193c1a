import { BigIntType, Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { LIFECYCLE_EVENT_KINDS, type LifecycleEventKind } from './subscription-lifecycle';

/**
 * One change of a subscription's life, what billing reads to prorate: the instant it took effect
 * and that instant's calendar date in the account's time zone. Append-only. No foreign key to the
 * subscription: a deleted subscription keeps its history.
 */
@Entity({ tableName: 'subscription_lifecycle_event' })
@Index({ name: 'subscription_lifecycle_event_subscription_index', properties: ['subscriptionId', 'effectiveAt'] })
@Index({ name: 'subscription_lifecycle_event_account_index', properties: ['accountId', 'effectiveAt'] })
export class SubscriptionLifecycleEvent {
  [OptionalProps]?: 'id';

  @PrimaryKey({ type: new BigIntType('string'), columnType: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string', columnType: 'varchar(64)' })
  subscriptionId!: string;

  @Property({ type: 'string', columnType: 'varchar(64)' })
  accountId!: string;

  @Enum({ items: [...LIFECYCLE_EVENT_KINDS], type: 'string', columnType: 'text' })
  kind!: LifecycleEventKind;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  effectiveAt!: Date;

  /** The date of `effectiveAt` in `timeZone` (the account's, at the time). */
  @Property({ type: 'date', columnType: 'date' })
  effectiveLocalDate!: string;

  @Property({ type: 'string', columnType: 'varchar(64)' })
  timeZone!: string;

  @Property({ type: 'string', columnType: 'varchar(64)', nullable: true })
  fromProductId?: string | null;

  @Property({ type: 'string', columnType: 'varchar(64)', nullable: true })
  toProductId?: string | null;

  @Property({ type: 'string', columnType: 'varchar(200)' })
  actor!: string;
}
