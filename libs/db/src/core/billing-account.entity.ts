import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { ACCOUNT_STATUSES, ACCOUNT_TYPES, type AccountStatus, type AccountType } from '../enums';
import { bigintArray, bigintMicros } from '../types';
import { Customer } from './customer.entity';
import { PricePlan } from '../catalog/price-plan.entity';

/**
 * The account that pays: prepaid (balance floor 0) or postpaid (floor minus the credit limit).
 * Its live balance is projected into Redis; PostgreSQL keeps the ledger of provisioning-side changes.
 */
@Entity({ tableName: 'billing_account' })
export class BillingAccount {
  [OptionalProps]?:
    'status' | 'creditLimitMicros' | 'thresholdsMicros' | 'billingCycleType' | 'paymentTermsDays' | 'taxJurisdiction' | 'legalEntityId';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @ManyToOne(() => Customer, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'billing_account_customer_id_index' })
  customer!: Ref<Customer>;

  @Enum({ items: [...ACCOUNT_TYPES], type: 'string', columnType: 'text' })
  type!: AccountType;

  /** ISO 4217 code, upper case. */
  @Property({ type: 'string', columnType: 'char(3)' })
  currency!: string;

  /** IANA time zone (billing cycles and time bands are computed in it). */
  @Property({ type: 'string', columnType: 'varchar(64)' })
  timeZone!: string;

  /** Day of month a billing cycle starts, 1-28. */
  @Property({ type: 'smallint', columnType: 'smallint' })
  cycleDay!: number;

  /** Low-balance thresholds in micros, descending. */
  @Property({ type: bigintArray(), columnType: 'bigint[]', defaultRaw: `'{}'` })
  thresholdsMicros: bigint[] = [];

  /** How far below zero a postpaid account may go; always 0 for prepaid. */
  @Property({ type: bigintMicros(), columnType: 'bigint', default: 0 })
  creditLimitMicros: bigint = 0n;

  @Enum({ items: [...ACCOUNT_STATUSES], type: 'string', columnType: 'text', default: 'ACTIVE' })
  status: AccountStatus = 'ACTIVE';

  /** The billing cycle type (code table billing_cycle_type) whose cycles invoice this account; postpaid only. */
  @Property({ type: 'string', columnType: 'varchar(32)', default: 'MONTHLY_1' })
  billingCycleType: string = 'MONTHLY_1';

  /** Days from an invoice's issue date to its due date. */
  @Property({ type: 'smallint', columnType: 'smallint', default: 14 })
  paymentTermsDays: number = 14;

  /** The tax jurisdiction whose rates (tax_rate) apply to this account's invoices. */
  @Property({ type: 'string', columnType: 'varchar(16)', default: 'DEFAULT' })
  taxJurisdiction: string = 'DEFAULT';

  /** The legal entity that bills this account (sets the number series and the seller on documents). */
  @Property({ type: 'string', columnType: 'varchar(64)', default: 'default' })
  legalEntityId: string = 'default';

  @ManyToOne(() => PricePlan, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'billing_account_plan_id_index' })
  plan!: Ref<PricePlan>;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** Set by every use case that changes the row, from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;
}
