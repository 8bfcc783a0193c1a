import type { InvoiceUsageLine } from '@app/analytics';
import { compareInvoicedUsage, type InvoicedUsageLine, keyOfUsageKey } from './invoiced-usage';

const ch = (o: Partial<InvoiceUsageLine>): InvoiceUsageLine => ({
  accountId: 'acc-1',
  subscriberId: '491700000001',
  serviceId: 1,
  ratingGroup: 10,
  tariffId: 't-data',
  unit: 'BYTE',
  currency: 'EUR',
  late: false,
  events: 1n,
  usedUnits: 100n,
  billableUnits: 100n,
  amountMicros: 1_234_567n,
  firstOccurredAtMs: 0,
  lastOccurredAtMs: 0,
  ...o,
});

const line = (o: Partial<InvoicedUsageLine>): InvoicedUsageLine => ({
  accountId: 'acc-1',
  usageKey: 'sub-1|1|10|*|t-data|BYTE',
  quantity: '100.000000000',
  amountMinor: 123n,
  sign: 1n,
  ...o,
});

describe('compareInvoicedUsage', () => {
  const accounts = new Set(['acc-1', 'acc-2']);

  it('finds nothing when each ClickHouse line was billed once, rounded once per line', () => {
    // Two subscribers of 1.234567 EUR: 1.23 + 1.23 = 2.46 billed, never round(2.469134) = 2.47.
    const expected = [ch({}), ch({ subscriberId: '491700000002' })];
    const invoiced = [line({}), line({ usageKey: 'sub-2|1|10|*|t-data|BYTE' })];
    const r = compareInvoicedUsage({ expected, invoiced, accounts });
    expect(r.differences).toEqual([]);
    expect(r.expected).toEqual({ lines: 2, amountMinor: 246n, events: 2n, amountMicros: 2_469_134n });
    expect(r.invoiced).toEqual({ lines: 2, amountMinor: 246n });
  });

  it('reports a line ClickHouse holds that no document bills, and a billed line with another amount', () => {
    const expected = [ch({}), ch({ accountId: 'acc-2', amountMicros: 5_000_000n })];
    const invoiced = [line({ amountMinor: 124n })];
    const r = compareInvoicedUsage({ expected, invoiced, accounts });
    expect(r.differences).toEqual([
      {
        accountId: 'acc-1',
        key: '1|10|t-data|BYTE',
        expected: { lines: 1, quantity: '100', amountMinor: 123n },
        invoiced: { lines: 1, quantity: '100', amountMinor: 124n },
      },
      {
        accountId: 'acc-2',
        key: '1|10|t-data|BYTE',
        expected: { lines: 1, quantity: '100', amountMinor: 500n },
        invoiced: { lines: 0, quantity: '0', amountMinor: 0n },
      },
    ]);
  });

  it('keeps late usage apart from the period, compares quantities, and counts credit notes negative', () => {
    const expected = [ch({ late: true, amountMicros: -2_500_000n, billableUnits: 7n })];
    const late = compareInvoicedUsage({
      expected,
      invoiced: [line({ usageKey: 'sub-1|1|10|*|t-data|BYTE|late', amountMinor: 250n, quantity: '7', sign: -1n })],
      accounts,
    });
    expect(late.differences).toHaveLength(1);
    expect(late.differences[0].invoiced).toEqual({ lines: 1, quantity: '-7', amountMinor: -250n });
    const notLate = compareInvoicedUsage({ expected, invoiced: [line({ amountMinor: -250n, quantity: '7' })], accounts });
    expect(notLate.differences.map((d) => d.key)).toEqual(['1|10|t-data|BYTE', '1|10|t-data|BYTE|late']);
    const quantity = compareInvoicedUsage({ expected: [ch({})], invoiced: [line({ quantity: '101' })], accounts });
    expect(quantity.differences).toHaveLength(1);
  });

  it('leaves out accounts that are not compared (not in the run, or their document not issued)', () => {
    const r = compareInvoicedUsage({ expected: [ch({ accountId: 'prepaid-1' })], invoiced: [line({ accountId: 'held-1' })], accounts });
    expect(r).toEqual({
      expected: { lines: 0, amountMinor: 0n, events: 0n, amountMicros: 0n },
      invoiced: { lines: 0, amountMinor: 0n },
      differences: [],
    });
  });
});

describe('keyOfUsageKey', () => {
  it('drops the subscription and the zone, keeps the late mark', () => {
    expect(keyOfUsageKey('usage-4917|2|0|*|t-sms|EVENT')).toBe('2|0|t-sms|EVENT');
    expect(keyOfUsageKey('s|2|0|*|t|EVENT|late')).toBe('2|0|t|EVENT|late');
  });
  it('refuses a key that is not a usage key', () => {
    expect(() => keyOfUsageKey('a|b|c')).toThrow('expected subscription|service|ratingGroup|zone|tariff|unit');
  });
});
