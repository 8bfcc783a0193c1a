/** Refusals of computeInvoiceDraft: each bad input gets its code and field, and no draft. */
import { ComputeError, ComputeErrorCode } from './compute-error';
import { assertInvariants, computeInvoiceDraft } from './compute-invoice-draft';
import type { ComputeInput, InvoiceDraft } from './compute-types';
import { scenario } from './billing-scenario.fixture';
import { TableTaxRates } from './tax-rates';

type Mutation = (input: ComputeInput) => void;

const cases: Array<[string, Mutation, ComputeErrorCode, string | undefined]> = [
  ['unknown currency', (i) => (i.account.currency = 'EURO'), ComputeErrorCode.INVALID_INPUT, 'account.currency'],
  [
    'charge in another currency',
    (i) => (i.products[0].charges[0].currency = 'USD'),
    ComputeErrorCode.CURRENCY_MISMATCH,
    'products[0].charges[0].currency',
  ],
  ['usage in another currency', (i) => (i.usage[0].currency = 'USD'), ComputeErrorCode.CURRENCY_MISMATCH, 'usage[0].currency'],
  [
    'fixed discount in another currency',
    (i) => (i.discounts[1].currency = 'GBP'),
    ComputeErrorCode.CURRENCY_MISMATCH,
    'discounts[1].currency',
  ],
  [
    'advance billing in another currency',
    (i) => (i.priorAdvanceBillings[0].currency = 'USD'),
    ComputeErrorCode.CURRENCY_MISMATCH,
    'priorAdvanceBillings[0].currency',
  ],
  ['unknown time zone', (i) => (i.account.timeZone = 'Europe/Atlantis'), ComputeErrorCode.INVALID_TIME_ZONE, 'account.timeZone'],
  [
    'unknown tax category on a charge',
    (i) => ((i.products[0].charges[0] as { taxCategory: string }).taxCategory = 'LUXURY'),
    ComputeErrorCode.UNKNOWN_TAX_CATEGORY,
    'products[0].charges[0].taxCategory',
  ],
  [
    'unknown tax category on usage',
    (i) => ((i.usage[0] as { taxCategory: string }).taxCategory = 'ZERO'),
    ComputeErrorCode.UNKNOWN_TAX_CATEGORY,
    'usage[0].taxCategory',
  ],
  ['cycle end before start', (i) => (i.cycle = { start: '2026-11-01', end: '2026-10-01' }), ComputeErrorCode.INVALID_PERIOD, 'cycle'],
  ['empty cycle', (i) => (i.cycle = { start: '2026-10-01', end: '2026-10-01' }), ComputeErrorCode.INVALID_PERIOD, 'cycle'],
  [
    'cycle longer than PERIOD_DAYS_MAX',
    (i) => (i.cycle = { start: '2026-01-01', end: '2027-01-03' }),
    ComputeErrorCode.INVALID_PERIOD,
    'cycle',
  ],
  ['not a calendar date', (i) => (i.cycle = { start: '2026-02-30', end: '2026-03-30' }), ComputeErrorCode.INVALID_INPUT, 'cycle.start'],
  [
    'discount validity end before start',
    (i) => (i.discounts[0].validity = { start: '2027-01-01', end: '2026-01-01' }),
    ComputeErrorCode.INVALID_PERIOD,
    'discounts[0].validity',
  ],
  [
    'negative charge amount',
    (i) => (i.products[0].charges[0].amountMinor = -1n),
    ComputeErrorCode.INVALID_INPUT,
    'products[0].charges[0].amountMinor',
  ],
  [
    'amount as a number',
    (i) => ((i.products[0].charges[0] as { amountMinor: unknown }).amountMinor = 2000),
    ComputeErrorCode.INVALID_INPUT,
    'products[0].charges[0].amountMinor',
  ],
  ['unknown product', (i) => (i.subscriptions[0].productId = 'NOPE'), ComputeErrorCode.UNKNOWN_PRODUCT, 'subscriptions[0].productId'],
  [
    'product change to an unknown product',
    (i) => (i.subscriptions[0].events[3] = { type: 'PRODUCT_CHANGED', at: '2026-10-21T09:00:00Z', productId: 'NOPE' }),
    ComputeErrorCode.UNKNOWN_PRODUCT,
    'subscriptions[0].events[3].productId',
  ],
  [
    'resumed while active',
    (i) => (i.subscriptions[0].events[1] = { type: 'RESUMED', at: '2026-10-13T10:00:00Z' }),
    ComputeErrorCode.INVALID_EVENT_SEQUENCE,
    'subscriptions[0].events[1]',
  ],
  [
    'events out of order',
    (i) => (i.subscriptions[0].events[1].at = '2026-10-01T10:00:00Z'),
    ComputeErrorCode.INVALID_EVENT_SEQUENCE,
    'subscriptions[0].events[1]',
  ],
  [
    'an event after the cancellation',
    (i) => i.subscriptions[2].events.push({ type: 'RESUMED', at: '2026-10-27T10:00:00Z' }),
    ComputeErrorCode.INVALID_EVENT_SEQUENCE,
    'subscriptions[2].events[2]',
  ],
  [
    'instant without an offset',
    (i) => (i.subscriptions[0].events[0].at = '2026-10-10T08:00:00'),
    ComputeErrorCode.INVALID_INPUT,
    'subscriptions[0].events[0].at',
  ],
  [
    'usage of an unknown subscription',
    (i) => (i.usage[0].subscriptionId = 'S9'),
    ComputeErrorCode.INVALID_INPUT,
    'usage[0].subscriptionId',
  ],
  ['usage quantity not a decimal', (i) => (i.usage[0].quantity = '1e3'), ComputeErrorCode.INVALID_INPUT, 'usage[0].quantity'],
  [
    'on-time usage past the cycle end',
    (i) => (i.usage[0].period = { start: '2026-10-01', end: '2026-11-02' }),
    ComputeErrorCode.USAGE_OUTSIDE_PERIOD,
    'usage[0].period',
  ],
  [
    'late usage inside the cycle',
    (i) => (i.usage[3].period = { start: '2026-10-01', end: '2026-10-02' }),
    ComputeErrorCode.USAGE_OUTSIDE_PERIOD,
    'usage[3].period',
  ],
  ['two aggregates with one key', (i) => i.usage.push({ ...i.usage[0] }), ComputeErrorCode.INVALID_INPUT, 'usage[4]'],
  ['percent above 100', (i) => (i.discounts[0].percent = '101'), ComputeErrorCode.INVALID_INPUT, 'discounts[0].percent'],
  [
    'discount requiring an unknown product',
    (i) => (i.discounts[1].requiredProductIds = ['FIBRE', 'NOPE']),
    ComputeErrorCode.UNKNOWN_PRODUCT,
    'discounts[1].requiredProductIds[1]',
  ],
  [
    'instalment part beyond the parts',
    (i) => (i.subscriptions[3].instalmentsDue = [{ chargeId: 'C_HANDSET', partIndex: 25 }]),
    ComputeErrorCode.INVALID_INPUT,
    'subscriptions[3].instalmentsDue[0]',
  ],
  [
    'instalment of a charge the subscription lacks',
    (i) => (i.subscriptions[3].instalmentsDue = [{ chargeId: 'C_MOB', partIndex: 1 }]),
    ComputeErrorCode.INVALID_INPUT,
    'subscriptions[3].instalmentsDue[0]',
  ],
  ['no tax rate for the jurisdiction', (i) => (i.account.taxJurisdiction = 'DE'), ComputeErrorCode.TAX_RATE_NOT_FOUND, undefined],
  [
    'a resolver answering a number',
    (i) => (i.taxRates = { rateFor: () => 0.2 as unknown as string }),
    ComputeErrorCode.INVALID_INPUT,
    'taxRates',
  ],
  [
    'more discounts than DISCOUNTS_PER_ACCOUNT_MAX',
    (i) => (i.discounts = Array.from({ length: 101 }, () => i.discounts[0])),
    ComputeErrorCode.LIMIT_EXCEEDED,
    'discounts',
  ],
];

describe('computeInvoiceDraft refuses bad input', () => {
  it.each(cases)('%s', (_name, mutate, code, field) => {
    const input = scenario();
    mutate(input);
    let error: unknown;
    try {
      computeInvoiceDraft(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ComputeError);
    expect(error).toMatchObject({ code, field });
  });
});

describe('assertInvariants', () => {
  const good = (): InvoiceDraft => computeInvoiceDraft(scenario());
  it.each<[string, (d: InvoiceDraft) => void]>([
    ['lines not summing to net', (d) => (d.netMinor += 1n)],
    ['net + tax != gross', (d) => (d.grossMinor += 1n)],
    ['a parent that is not the sum of its children', (d) => (d.lines[1].amountMinor += 1n)],
    ['two lines with one id', (d) => d.lines.push({ ...d.lines[1], amountMinor: 0n })],
  ])('throws INVARIANT_BROKEN on %s', (_name, breakIt) => {
    const draft = good();
    expect(() => assertInvariants(draft)).not.toThrow();
    breakIt(draft);
    expect(() => assertInvariants(draft)).toThrow(expect.objectContaining({ code: ComputeErrorCode.INVARIANT_BROKEN }));
  });
});

describe('TableTaxRates', () => {
  const table = new TableTaxRates([
    { jurisdiction: 'FR', category: 'STANDARD', rate: '0.196', validFrom: '2000-01-01', validTo: '2014-01-01' },
    { jurisdiction: 'FR', category: 'STANDARD', rate: '0.2', validFrom: '2014-01-01', validTo: null },
  ]);
  it.each([
    ['2013-12-31', 'STANDARD', '0.196'],
    ['2014-01-01', 'STANDARD', '0.2'],
    ['2026-10-31', 'EXEMPT', '0'],
    ['2026-10-31', 'REVERSE_CHARGE', '0'],
  ] as const)('FR %s %s -> %s', (date, category, rate) => {
    expect(table.rateFor({ jurisdiction: 'FR', category, date })).toBe(rate);
  });
  it.each<[string, () => unknown, ComputeErrorCode]>([
    ['no row', () => table.rateFor({ jurisdiction: 'FR', category: 'REDUCED', date: '2026-10-31' }), ComputeErrorCode.TAX_RATE_NOT_FOUND],
    [
      'before the first row',
      () => table.rateFor({ jurisdiction: 'FR', category: 'STANDARD', date: '1999-12-31' }),
      ComputeErrorCode.TAX_RATE_NOT_FOUND,
    ],
    [
      'an exempt row with a rate',
      () => new TableTaxRates([{ jurisdiction: 'FR', category: 'EXEMPT', rate: '0.1', validFrom: '2014-01-01', validTo: null }]),
      ComputeErrorCode.INVALID_INPUT,
    ],
    [
      'a rate of 1 or more',
      () => new TableTaxRates([{ jurisdiction: 'FR', category: 'STANDARD', rate: '1', validFrom: '2014-01-01', validTo: null }]),
      ComputeErrorCode.INVALID_INPUT,
    ],
    [
      'validTo before validFrom',
      () => new TableTaxRates([{ jurisdiction: 'FR', category: 'STANDARD', rate: '0.2', validFrom: '2014-01-01', validTo: '2013-01-01' }]),
      ComputeErrorCode.INVALID_PERIOD,
    ],
    [
      'overlapping rows',
      () =>
        new TableTaxRates([
          { jurisdiction: 'FR', category: 'STANDARD', rate: '0.2', validFrom: '2014-01-01', validTo: null },
          { jurisdiction: 'FR', category: 'STANDARD', rate: '0.21', validFrom: '2020-01-01', validTo: null },
        ]).rateFor({ jurisdiction: 'FR', category: 'STANDARD', date: '2026-01-01' }),
      ComputeErrorCode.TAX_RATE_NOT_FOUND,
    ],
  ])('refuses %s', (_name, call, code) => {
    expect(call).toThrow(expect.objectContaining({ code }));
  });
});
