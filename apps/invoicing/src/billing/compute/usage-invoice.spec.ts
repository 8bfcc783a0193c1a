import type { InvoiceUsageLine } from '@app/analytics';
import { ComputeError, computeUsageInvoice, microsToMinor } from './usage-invoice';

const account = { id: 'acc-1', currency: 'EUR', legalEntityId: 'le-1', paymentTermsDays: 30 };
const cycle = { id: 'MONTHLY_1-2026-11-01', runId: 'run-MONTHLY_1-2026-11-01', periodStart: '2026-11-01', periodEnd: '2026-12-01' };
const tax = { category: 'STANDARD' as const, rate: '0.2' };

function usage(over: Partial<InvoiceUsageLine>): InvoiceUsageLine {
  return {
    accountId: 'acc-1',
    subscriberId: '491700000001',
    serviceId: 1,
    ratingGroup: 10,
    tariffId: 'data',
    unit: 'BYTES',
    currency: 'EUR',
    late: false,
    events: 3n,
    usedUnits: 3000n,
    billableUnits: 3000n,
    amountMicros: 1_234_567n,
    firstOccurredAtMs: Date.UTC(2026, 10, 2),
    lastOccurredAtMs: Date.UTC(2026, 10, 20),
    ...over,
  };
}

describe('microsToMinor: half away from zero, once', () => {
  it.each([
    [1_234_567n, 'EUR', 123n],
    [1_235_000n, 'EUR', 124n], // 123.5 -> 124
    [-1_235_000n, 'EUR', -124n], // -123.5 -> -124
    [1_234_999n, 'EUR', 123n],
    [1_500_000n, 'JPY', 2n],
    [-500_000n, 'JPY', -1n],
    [1_234_567n, 'BHD', 1235n],
    [0n, 'EUR', 0n],
  ])('%s micros of %s -> %s', (micros, currency, minor) => expect(microsToMinor(micros, currency)).toBe(minor));
});

describe('computeUsageInvoice', () => {
  it('bills each usage line under its subscriber, taxes the document once per rate, and totals exactly', () => {
    // 1.234567 -> 1.23; 2.005 -> 2.01 (half away); 0.994999 -> 0.99; late 0.50. Net 4.73; tax 20 % = 0.946 -> 0.95; gross 5.68.
    const doc = computeUsageInvoice({
      account,
      cycle,
      tax,
      usage: [
        usage({}),
        usage({
          subscriberId: '491700000002',
          serviceId: 2,
          tariffId: 'voice',
          unit: 'SECONDS',
          billableUnits: 60n,
          amountMicros: 2_005_000n,
        }),
        usage({ ratingGroup: 20, amountMicros: 994_999n }),
        usage({ late: true, amountMicros: 500_000n, firstOccurredAtMs: Date.UTC(2026, 9, 30), lastOccurredAtMs: Date.UTC(2026, 9, 31) }),
      ],
    });
    expect(doc).toMatchObject({ type: 'INVOICE', netMinor: 473n, taxMinor: 95n, grossMinor: 568n, usageMinor: 473n, paymentTermsDays: 30 });
    expect(doc.lines.map((l) => [l.lineNo, l.parentLineNo, l.kind, l.amountMinor, l.late])).toEqual([
      [1, null, 'SUBSCRIPTION', 0n, false],
      [2, 1, 'USAGE', 123n, false],
      [3, 1, 'USAGE', 99n, false],
      [4, 1, 'USAGE', 50n, true],
      [5, null, 'SUBSCRIPTION', 0n, false],
      [6, 5, 'USAGE', 201n, false],
    ]);
    expect(doc.lines[3]).toMatchObject({ description: 'Late usage: service 1, rating group 10, tariff data', periodStart: '2026-10-30' });
    expect(doc.lines[5]).toMatchObject({ quantity: '60', unit: 'SECONDS', unitPriceMinor: '3.35' });
    expect(doc.taxes).toEqual([{ taxCategory: 'STANDARD', taxRate: '0.2', taxableMinor: 473n, taxMinor: 95n }]);
    expect(doc.id).toBe('doc-MONTHLY_1-2026-11-01-acc-1');
  });

  it('makes a negative document a standalone credit note of positive amounts', () => {
    const doc = computeUsageInvoice({ account, cycle, tax, usage: [usage({ amountMicros: -10_000_000n })] });
    expect(doc).toMatchObject({ type: 'CREDIT_NOTE', creditKind: 'ACCOUNT_CREDIT', netMinor: 1000n, taxMinor: 200n, grossMinor: 1200n });
    expect(doc.lines[1].amountMinor).toBe(1000n);
  });

  it('gives a zero invoice without usage, and the same draft for the same input', () => {
    const empty = computeUsageInvoice({ account, cycle, tax, usage: [] });
    expect(empty).toMatchObject({ type: 'INVOICE', netMinor: 0n, grossMinor: 0n, lines: [], taxes: [] });
    const a = computeUsageInvoice({ account, cycle, tax, usage: [usage({}), usage({ ratingGroup: 20 })] });
    const b = computeUsageInvoice({ account, cycle, tax, usage: [usage({ ratingGroup: 20 }), usage({})] });
    expect(a).toEqual(b);
  });

  it.each([
    [{ usage: [usage({ currency: 'USD' })] }, 'CURRENCY_MISMATCH'],
    [{ tax: { category: 'STANDARD' as const, rate: '1.2' } }, 'INVALID_INPUT'],
    [{ tax: { category: 'STANDARD' as const, rate: '0.2e1' } }, 'INVALID_INPUT'],
  ])('refuses %j with %s', (change, code) => {
    const run = () => computeUsageInvoice({ account, cycle, tax, usage: [usage({})], ...change });
    expect(run).toThrow(ComputeError);
    expect(run).toThrow(expect.objectContaining({ code }));
  });
});
