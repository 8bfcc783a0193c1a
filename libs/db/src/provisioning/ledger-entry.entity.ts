import { BigIntType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { LEDGER_KINDS, type LedgerKind } from '../enums';
import { bigintMicros } from '../types';
import { BillingAccount } from '../core/billing-account.entity';

/**
 * The journal PostgreSQL keeps of every provisioning-side balance change. Debits are not here:
 * they live in the rated-event journal (NATS JetStream, then ClickHouse).
 */
@Entity({ tableName: 'ledger_entry' })
export class LedgerEntry {
  [OptionalProps]?: 'id' | 'reference';

  @PrimaryKey({ type: new BigIntType('string'), columnType: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => BillingAccount, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'ledger_entry_account_id_index' })
  account!: Ref<BillingAccount>;

  @Enum({ items: [...LEDGER_KINDS], type: 'string', columnType: 'text' })
  kind!: LedgerKind;

  /** Signed: positive credits the balance. */
  @Property({ type: bigintMicros(), columnType: 'bigint' })
  amountMicros!: bigint;

  /** What caused it, for example `topup:<topUpId>`. */
  @Property({ type: 'string', columnType: 'varchar(200)', nullable: true })
  reference?: string | null;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
