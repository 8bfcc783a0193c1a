import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { ACCOUNT_STATUSES, ACCOUNT_TYPES, type AccountStatus, type AccountType } from '../enums';
import { bigintArray, bigintMicros } from '../types';
import { Customer } from './customer.entity';
import { PricePlan } from '../catalog/price-plan.entity';
import { LegalEntity } from './legal-entity.entity';

/**
 * The account that pays: prepaid (balance floor 0) or postpaid (floor minus the credit limit).
 * Its live balance is projected into Redis; PostgreSQL keeps the ledger of provisioning-side changes.
 */
@Entity({ tableName: 'billing_account' })
export class BillingAccount {
  [OptionalProps]?:
    | 'status'
    | 'creditLimitMicros'
    | 'thresholdsMicros'
    | 'billingCycleType'
    | 'paymentTermsDays'
    | 'taxJurisdiction'
    | 'deliveryEmail'
    | 'deliverySmsMsisdn'
    | 'deliveryPortalOnly'
    | 'legalEntity'
    | 'minimumCommitmentMinor'
    | 'billingStreet'
    | 'billingAdditionalStreet'
    | 'billingCity'
    | 'billingPostalCode'
    | 'billingCountryCode'
    | 'vatId'
    | 'endpointScheme'
    | 'endpointId';

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

  @ManyToOne(() => PricePlan, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  @Index({ name: 'billing_account_plan_id_index' })
  plan!: Ref<PricePlan>;

  /** Billing terms (Migration20261203000000_billing_catalog); null until set through PUT /v1/accounts/{id}/billing-terms. */

  /** Code of the account's billing cycle type; the code table is invoicing's (no foreign key across contexts). */
  @Property({ type: 'string', columnType: 'varchar(32)', nullable: true })
  billingCycleType?: string | null;

  /** Net days between a document's issue date and its due date. */
  @Property({ type: 'smallint', columnType: 'smallint', nullable: true })
  paymentTermsDays?: number | null;

  /** Key of the tax_rate rows that apply ("DE", "ES-CN"). */
  @Property({ type: 'string', columnType: 'varchar(16)', nullable: true })
  taxJurisdiction?: string | null;

  /** Delivery preferences: documents by e-mail to this address, a notice by SMS to this MSISDN, or portal only. */
  @Property({ type: 'string', columnType: 'varchar(254)', nullable: true })
  deliveryEmail?: string | null;

  @Property({ type: 'string', columnType: 'varchar(15)', nullable: true })
  deliverySmsMsisdn?: string | null;

  @Property({ type: 'boolean', columnType: 'boolean', default: false })
  deliveryPortalOnly: boolean = false;

  @ManyToOne(() => LegalEntity, { ref: true, deleteRule: 'restrict', updateRule: 'cascade', nullable: true })
  @Index({ name: 'billing_account_legal_entity_id_index' })
  legalEntity?: Ref<LegalEntity> | null;

  /** Minimum billed per cycle in the currency's minor unit; the invoice is topped up to it. Null: none. */
  @Property({ type: bigintMicros(), columnType: 'bigint', nullable: true })
  minimumCommitmentMinor?: bigint | null;

  /** Bill-to postal address of the account, the buyer's address of e-invoices (Migration20261203000800_postal_addresses): street, city and country together or none; null until set. */
  @Property({ type: 'string', columnType: 'varchar(100)', nullable: true })
  billingStreet?: string | null;

  @Property({ type: 'string', columnType: 'varchar(100)', nullable: true })
  billingAdditionalStreet?: string | null;

  @Property({ type: 'string', columnType: 'varchar(100)', nullable: true })
  billingCity?: string | null;

  /** Optional even with an address: some countries have no postal codes. */
  @Property({ type: 'string', columnType: 'varchar(16)', nullable: true })
  billingPostalCode?: string | null;

  /** ISO 3166-1 alpha-2, upper case. */
  @Property({ type: 'string', columnType: 'char(2)', nullable: true })
  billingCountryCode?: string | null;

  /** The buyer's VAT identifier (EN 16931 BT-48), for reverse charge (Migration20261203001800_electronic_addresses). */
  @Property({ type: 'string', columnType: 'varchar(32)', nullable: true })
  vatId?: string | null;

  /** The buyer's electronic address (BT-49): an EAS code and the identifier in it, both or none. */
  @Property({ type: 'string', columnType: 'varchar(4)', nullable: true })
  endpointScheme?: string | null;

  @Property({ type: 'string', columnType: 'varchar(128)', nullable: true })
  endpointId?: string | null;

  /** Set by the creating use case from the injected Clock (never a default: tests use a fake clock). */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** Set by every use case that changes the row, from the injected Clock. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;
}
