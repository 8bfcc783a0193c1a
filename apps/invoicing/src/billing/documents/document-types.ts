/**
 * Billing documents as the invoicing app writes them (tables of migration 20261203000500). Money is
 * an integer count of the currency's minor unit (bigint); quantities and unit prices are decimal
 * strings (numeric in PostgreSQL) because a unit price may be a fraction of a minor unit.
 */
export const DOCUMENT_TYPES = ['INVOICE', 'CREDIT_NOTE', 'DEBIT_NOTE', 'ADVANCE_INVOICE'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const DOCUMENT_STATUSES = ['DRAFT', 'HELD', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID', 'REJECTED'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const LINE_KINDS = ['SUBSCRIPTION', 'RECURRING', 'ONE_TIME', 'USAGE', 'DISCOUNT', 'MINIMUM', 'MANUAL', 'CORRECTION'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export const TAX_CATEGORIES = ['STANDARD', 'REDUCED', 'EXEMPT', 'REVERSE_CHARGE', 'NONE'] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

export const CREDIT_KINDS = ['ACCOUNT_CREDIT', 'REFUND', 'OFFSET'] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

/** Billing terms of an account that has none set (billing_account's billing terms are optional). */
export const PAYMENT_TERMS_DEFAULT_DAYS = 14;
export const LEGAL_ENTITY_DEFAULT = 'default';

/** Lines of one document at most. */
export const LINES_PER_DOCUMENT_MAX = 10_000;

export interface DraftLine {
  lineNo: number;
  parentLineNo: number | null;
  kind: LineKind;
  description: string;
  /** Decimal string. */
  quantity: string;
  unit: string;
  /** Decimal string, in minor units (may be a fraction of one). */
  unitPriceMinor: string;
  amountMinor: bigint;
  discountMinor: bigint;
  taxCategory: TaxCategory;
  /** Decimal string, a fraction (0.2 for 20 %). */
  taxRate: string;
  periodStart: string | null;
  periodEnd: string | null;
  subscriptionId: string | null;
  chargeId: string | null;
  usageKey: string | null;
  discountId: string | null;
  late: boolean;
  reason: string | null;
}

export interface DraftTax {
  taxCategory: TaxCategory;
  taxRate: string;
  taxableMinor: bigint;
  taxMinor: bigint;
}

export interface DraftDocument {
  id: string;
  /** What makes the draft the same draft when it is computed again (a run's shard redone). */
  idempotencyKey: string;
  accountId: string;
  cycleId: string | null;
  runId: string | null;
  type: DocumentType;
  legalEntityId: string;
  currency: string;
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
  usageMinor: bigint;
  /** Days from the issue date to the due date (the account's payment terms when computed). */
  paymentTermsDays: number;
  periodStart: string | null;
  periodEnd: string | null;
  correctsDocumentId: string | null;
  creditKind: CreditKind | null;
  lines: DraftLine[];
  taxes: DraftTax[];
}
