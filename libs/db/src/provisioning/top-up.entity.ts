import { Entity, ManyToOne, OneToOne, OptionalProps, PrimaryKey, Property, Unique, type Ref } from '@mikro-orm/core';
import { bigintMicros } from '../types';
import { BillingAccount } from '../core/billing-account.entity';

/**
 * A prepaid top-up. The idempotency key is unique per account; `requestHash` (sha256 of the canonical
 * request) tells a retry (same hash) from a conflicting reuse of the key (other hash).
 */
@Entity({ tableName: 'top_up' })
@Unique({ name: 'top_up_account_id_idempotency_key_unique', properties: ['account', 'idempotencyKey'] })
export class TopUp {
  [OptionalProps]?: 'projectedAt' | 'journaledAt' | 'reversesTopUp';

  @PrimaryKey({ type: 'string', columnType: 'varchar(64)' })
  id!: string;

  @ManyToOne(() => BillingAccount, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  account!: Ref<BillingAccount>;

  @Property({ type: 'string', columnType: 'varchar(128)' })
  idempotencyKey!: string;

  @Property({ type: 'string', columnType: 'char(64)' })
  requestHash!: string;

  /** Positive; negative for a reversal (reversesTopUp set): the top-up's money taken back. */
  @Property({ type: bigintMicros(), columnType: 'bigint' })
  amountMicros!: bigint;

  /** The top-up this row takes back (a chargeback of the card payment that paid it), at most once; null for a top-up. */
  @OneToOne(() => TopUp, { owner: true, ref: true, nullable: true, deleteRule: 'restrict', updateRule: 'cascade' })
  reversesTopUp?: Ref<TopUp> | null;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** When the balance engine confirmed the credit; null until then (the rebuild finishes it). */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  projectedAt?: Date | null;

  /**
   * When the balance journal applied the credit's TOPUP event (or the opening balance of a
   * re-created account that included it); null while the journal does not hold it.
   */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  journaledAt?: Date | null;
}
