/** Builders shared by this folder's specs (test-only; not exported from index.ts). */
import type { BillingAccount, ComputeInput, Product, RecurringCharge, Subscription } from './compute-types';
import { TableTaxRates } from './tax-rates';

/** France: 20 % standard and 5.5 % reduced VAT since 2014 (19.6 % standard before). */
export const FR_TAX_RATES = new TableTaxRates([
  { jurisdiction: 'FR', category: 'STANDARD', rate: '0.196', validFrom: '2000-01-01', validTo: '2014-01-01' },
  { jurisdiction: 'FR', category: 'STANDARD', rate: '0.2', validFrom: '2014-01-01', validTo: null },
  { jurisdiction: 'FR', category: 'REDUCED', rate: '0.055', validFrom: '2014-01-01', validTo: null },
]);

export const OCTOBER_2026 = { start: '2026-10-01', end: '2026-11-01' };

export function account(overrides: Partial<BillingAccount> = {}): BillingAccount {
  return {
    id: 'A1',
    currency: 'EUR',
    timeZone: 'Europe/Paris',
    taxJurisdiction: 'FR',
    minimumCommitmentMinor: null,
    firstInvoice: false,
    ...overrides,
  };
}

export function monthly(id: string, amountMinor: bigint, overrides: Partial<RecurringCharge> = {}): RecurringCharge {
  return {
    kind: 'RECURRING',
    id,
    description: `Fee ${id}`,
    frequency: 'MONTHLY',
    timing: 'ADVANCE',
    prorated: true,
    amountMinor,
    currency: 'EUR',
    taxCategory: 'STANDARD',
    ...overrides,
  };
}

export function product(id: string, charges: Product['charges']): Product {
  return { id, name: `Product ${id}`, charges };
}

export function subscription(
  id: string,
  productId: string,
  events: Subscription['events'],
  overrides: Partial<Subscription> = {},
): Subscription {
  return { id, productId, events, ...overrides };
}

export function input(overrides: Partial<ComputeInput> = {}): ComputeInput {
  return {
    account: account(),
    cycle: OCTOBER_2026,
    products: [],
    subscriptions: [],
    usage: [],
    discounts: [],
    priorAdvanceBillings: [],
    taxRates: FR_TAX_RATES,
    ...overrides,
  };
}
