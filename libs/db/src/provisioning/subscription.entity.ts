import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { BillingAccount } from '../core/billing-account.entity';
import { Product } from '../catalog/product.entity';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './subscription-lifecycle';

/** A line: maps an MSISDN and an IMSI to the account that pays and the product it is sold as. */
@Entity({ tableName: 'subscription' })
export class Subscription {
  [OptionalProps]?: 'status';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  /** E.164 digits without '+', 5-15 digits. */
  @Property({ type: 'string', columnType: 'varchar(15)', unique: 'subscription_msisdn_unique' })
  msisdn!: string;

  /** 15 digits. */
  @Property({ type: 'string', columnType: 'varchar(15)', unique: 'subscription_imsi_unique' })
  imsi!: string;

  @ManyToOne(() => BillingAccount, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'subscription_account_id_index' })
  account!: Ref<BillingAccount>;

  @ManyToOne(() => Product, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'subscription_product_id_index' })
  product!: Ref<Product>;

  /** Only ACTIVE subscriptions are routed in the balance engine: a SUSPENDED or CANCELLED one cannot charge. */
  @Enum({ items: [...SUBSCRIPTION_STATUSES], type: 'string', columnType: 'text', default: 'ACTIVE' })
  status: SubscriptionStatus = 'ACTIVE';

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
