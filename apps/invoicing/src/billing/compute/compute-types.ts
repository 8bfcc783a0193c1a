/**
 * Input and output of computeInvoiceDraft: one account, one cycle, no I/O. Money is bigint minor
 * units of the account's currency (usage: bigint micros), rates are decimal strings, dates are
 * LocalDate ('YYYY-MM-DD' in the account's zone), lifecycle instants are ISO 8601 with an offset.
 * The rules are written down in MONEY-RULES.md beside this file.
 */
import type { LocalDate } from './local-date';
import type { TaxRateResolver } from './tax-rates';

export const TAX_CATEGORIES = ['STANDARD', 'REDUCED', 'EXEMPT', 'REVERSE_CHARGE'] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

/** [start, end): start included, end excluded. */
export interface LocalPeriod {
  start: LocalDate;
  end: LocalDate;
}

export interface BillingAccount {
  id: string;
  /** ISO 4217 code; every amount of the input must be in it. */
  currency: string;
  /** IANA zone, e.g. 'Europe/Paris': lifecycle instants become calendar days there. */
  timeZone: string;
  /** Passed to the TaxRateResolver, e.g. 'FR'. */
  taxJurisdiction: string;
  /** Net minimum per cycle in minor units; null for none. */
  minimumCommitmentMinor: bigint | null;
  /** First invoice of the account: the minimum commitment is prorated from the first activation. */
  firstInvoice: boolean;
}

export const RECURRING_FREQUENCY_MONTHS = { MONTHLY: 1, QUARTERLY: 3, ANNUAL: 12 } as const;
export type RecurringFrequency = keyof typeof RECURRING_FREQUENCY_MONTHS;

export interface RecurringCharge {
  kind: 'RECURRING';
  id: string;
  description: string;
  frequency: RecurringFrequency;
  /** ADVANCE bills the next charge period at this cycle's end; ARREARS bills the period that ends with this cycle. */
  timing: 'ADVANCE' | 'ARREARS';
  prorated: boolean;
  /** Price of one whole charge period. */
  amountMinor: bigint;
  currency: string;
  taxCategory: TaxCategory;
}

export interface OneTimeCharge {
  kind: 'ACTIVATION' | 'TERMINATION' | 'INSTALMENT';
  id: string;
  description: string;
  /** ACTIVATION/TERMINATION: the fee. INSTALMENT: the total, split into `parts`. */
  amountMinor: bigint;
  /** INSTALMENT only: number of parts (1..INSTALMENT_PARTS_MAX). */
  parts?: number;
  currency: string;
  taxCategory: TaxCategory;
}

export type Charge = RecurringCharge | OneTimeCharge;

export interface Product {
  id: string;
  name: string;
  charges: Charge[];
}

export type LifecycleEvent =
  { type: 'ACTIVATED' | 'SUSPENDED' | 'RESUMED' | 'CANCELLED'; at: string } | { type: 'PRODUCT_CHANGED'; at: string; productId: string };

export interface Subscription {
  id: string;
  /** The product at activation; PRODUCT_CHANGED events move it. */
  productId: string;
  /** In time order, starting with ACTIVATED (events after the cycle end are ignored). */
  events: LifecycleEvent[];
  /** First day of the first charge period of QUARTERLY/ANNUAL charges; default: the cycle start. */
  recurringAnchor?: LocalDate;
  /** Instalment parts due this cycle: part index 1..parts of an INSTALMENT charge of the current product. */
  instalmentsDue?: Array<{ chargeId: string; partIndex: number }>;
}

export interface UsageAggregate {
  subscriptionId: string;
  service: string;
  ratingGroup: string;
  zone: string;
  tariff: string;
  unit: string;
  /** Decimal string, e.g. '1536.5'. */
  quantity: string;
  amountMicros: bigint;
  currency: string;
  taxCategory: TaxCategory;
  /** Days of the events; default the cycle. A late aggregate's period ends on or before the cycle start. */
  period?: LocalPeriod;
  /** Events of an already billed cycle, billed now (issue 9, "late usage"). */
  late: boolean;
}

export interface Discount {
  id: string;
  description: string;
  kind: 'PERCENT' | 'FIXED';
  /** PERCENT: decimal string of percent, '10' = 10 %. */
  percent?: string;
  /** FIXED: minor units, never more than what it discounts. */
  amountMinor?: bigint;
  currency?: string;
  scope: 'CHARGE' | 'SERVICE' | 'INVOICE';
  /** scope CHARGE: the charge id. */
  chargeId?: string;
  /** scope SERVICE: the usage service. */
  service?: string;
  /** Cross-product: applies only when the account holds every one of these products in the cycle. */
  requiredProductIds?: string[];
  /** Applies when it overlaps the cycle. */
  validity: LocalPeriod;
}

/** A recurring fee billed in advance on an earlier invoice whose period overlaps this cycle. */
export interface AdvanceBilling {
  subscriptionId: string;
  chargeId: string;
  period: LocalPeriod;
  amountMinor: bigint;
  currency: string;
}

/**
 * A PRORATION_CREDIT of an earlier invoice: the days of its period were credited already. A
 * cancellation or a product change credits the rest of a period paid in advance once, in the cycle
 * it happens in; later cycles that the period overlaps must not credit those days again.
 */
export interface AdvanceCredit {
  subscriptionId: string;
  chargeId: string;
  period: LocalPeriod;
}

export interface ComputeInput {
  account: BillingAccount;
  cycle: LocalPeriod;
  products: Product[];
  subscriptions: Subscription[];
  usage: UsageAggregate[];
  discounts: Discount[];
  priorAdvanceBillings: AdvanceBilling[];
  /** Credits of earlier invoices for unused days of advance billings (default none). */
  priorCredits?: AdvanceCredit[];
  taxRates: TaxRateResolver;
}

export type LineKind = 'SUBSCRIPTION' | 'RECURRING_FEE' | 'PRORATION_CREDIT' | 'ONE_TIME_FEE' | 'USAGE' | 'DISCOUNT' | 'MINIMUM_COMMITMENT';

export interface LineReferences {
  subscriptionId?: string;
  chargeId?: string;
  /** subscription|service|ratingGroup|zone|tariff|unit[|late] */
  usageKey?: string;
  /** Usage lines: the service (what SERVICE discounts aim at). */
  service?: string;
  discountId?: string;
}

export interface DraftLine {
  /** Stable key of what produced the line (re-computing gives the same ids). */
  lineId: string;
  /** The SUBSCRIPTION line of a fee, usage or line discount; null at top level. */
  parentLineId: string | null;
  kind: LineKind;
  description: string;
  /** Decimal string. */
  quantity: string;
  unit: string;
  /** Minor units per unit, decimal string to UNIT_PRICE_DECIMALS places; informative, `amountMinor` is the authority. */
  unitPriceMinor: string;
  /** Rounded once. A SUBSCRIPTION line carries the sum of its children and is not counted in totals. */
  amountMinor: bigint;
  /** Sum of the DISCOUNT lines aimed at this line (as a positive number). */
  discountMinor: bigint;
  /** null on SUBSCRIPTION lines. */
  taxCategory: TaxCategory | null;
  /** Decimal fraction, '0.2' for 20 %; null on SUBSCRIPTION lines. */
  taxRate: string | null;
  period: LocalPeriod;
  references: LineReferences;
  late: boolean;
}

export interface TaxSummary {
  category: TaxCategory;
  rate: string;
  taxableMinor: bigint;
  taxMinor: bigint;
}

export interface InvoiceDraft {
  accountId: string;
  cycle: LocalPeriod;
  currency: string;
  documentType: 'INVOICE' | 'CREDIT_NOTE';
  lines: DraftLine[];
  taxSummary: TaxSummary[];
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
}
