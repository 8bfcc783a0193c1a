import {
  assertValidationLimits,
  checkDraft,
  checkRun,
  DraftFacts,
  medianOf,
  staleUsageDays,
  VALIDATION_LIMITS_DEFAULT,
} from './draft-checks';

/** A clean draft: 100.00 net + 20.00 tax, usage 40.00, a history around 40.00, active all of 1-3 Nov. */
const clean: DraftFacts = {
  netMinor: 10_000n,
  taxMinor: 2_000n,
  grossMinor: 12_000n,
  linesNetMinor: 10_000n,
  taxSummaryMinor: 2_000n,
  usageMinor: 4_000n,
  previousUsageMinor: [3_900n, 4_100n, 4_000n],
  firstInvoice: false,
  activeDays: ['2026-11-01', '2026-11-02', '2026-11-03'],
};
const none = new Set<string>();
const codes = (d: Partial<DraftFacts>, stale: Set<string> = none) => checkDraft({ ...clean, ...d }, stale).map((r) => r.code);

describe('checkDraft', () => {
  it('holds nothing on a clean draft', () => {
    expect(checkDraft(clean, none)).toEqual([]);
  });

  it.each([
    [{ linesNetMinor: 9_999n }, 'lines sum to 9999, net is 10000'],
    [{ taxSummaryMinor: 2_001n }, 'tax summary sums to 2001, tax is 2000'],
    [{ grossMinor: 12_001n }, 'net 10000 + tax 2000 != gross 12001'],
  ])('finds inconsistent totals %j', (change, detail) => {
    expect(checkDraft({ ...clean, ...change }, none)).toEqual([{ code: 'TOTALS_INCONSISTENT', detail }]);
  });

  it('holds usage above twice the median of the last six invoices, and only then', () => {
    // History (newest first) of 7: the 7th (1) is beyond the six and does not count; median of the six = (30 + 40) / 2 = 35.
    const previousUsageMinor = [10n, 20n, 30n, 40n, 50n, 60n, 1n];
    expect(codes({ usageMinor: 70n, previousUsageMinor })).toEqual([]);
    expect(codes({ usageMinor: 71n, previousUsageMinor })).toEqual(['USAGE_SPIKE']);
    expect(codes({ usageMinor: 1_000_000n, previousUsageMinor: [] })).toEqual([]);
    expect(
      checkDraft({ ...clean, usageMinor: 71n, previousUsageMinor }, none, { ...VALIDATION_LIMITS_DEFAULT, usageSpikeFactor: '3' }),
    ).toEqual([]);
  });

  it('holds a zero total while a subscription was active, not one without active days', () => {
    const zero = {
      netMinor: 0n,
      taxMinor: 0n,
      grossMinor: 0n,
      linesNetMinor: 0n,
      taxSummaryMinor: 0n,
      usageMinor: 0n,
      previousUsageMinor: [],
    };
    expect(codes(zero)).toEqual(['ZERO_TOTAL_ACTIVE']);
    expect(codes({ ...zero, activeDays: [] })).toEqual([]);
  });

  it('holds a draft with an active day on which no usage was stored, naming the days', () => {
    const reasons = checkDraft(clean, new Set(['2026-11-02', '2026-11-20']));
    expect(reasons).toEqual([{ code: 'STALE_USAGE_DATA', detail: 'no usage stored for 1 day(s) with an active subscription: 2026-11-02' }]);
  });

  it('holds a first invoice above the limit', () => {
    expect(codes({ firstInvoice: true, previousUsageMinor: [] })).toEqual([]);
    expect(codes({ firstInvoice: true, previousUsageMinor: [], grossMinor: 100_001n, netMinor: 98_001n, linesNetMinor: 98_001n })).toEqual([
      'FIRST_INVOICE_ABOVE',
    ]);
  });

  it('gives every reason found at once', () => {
    expect(codes({ grossMinor: 0n, usageMinor: 1_000_000n }, new Set(['2026-11-01']))).toEqual([
      'TOTALS_INCONSISTENT',
      'USAGE_SPIKE',
      'ZERO_TOTAL_ACTIVE',
      'STALE_USAGE_DATA',
    ]);
  });
});

describe('medianOf and staleUsageDays', () => {
  it('takes the exact median', () => {
    expect(medianOf([])).toBeNull();
    expect(medianOf([5n, 1n, 3n])!.toFixed()).toBe('3');
    expect(medianOf([1n, 2n])!.toFixed()).toBe('1.5');
  });

  it('finds the days with next to no usage against the median day, and none without a baseline', () => {
    const days = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];
    const busy = new Map([
      ['2026-11-01', 5_000n],
      ['2026-11-02', 49n], // below 1 % of the median (5,000)
      ['2026-11-04', 5_200n],
      ['2026-11-03', 4_900n],
    ]);
    expect([...staleUsageDays(days, busy)]).toEqual(['2026-11-02']);
    expect([...staleUsageDays(days, new Map([...busy, ['2026-11-02', 50n]]))]).toEqual([]);
    expect([...staleUsageDays(days, new Map([['2026-11-01', 900n]]))]).toEqual([]);
    expect([...staleUsageDays(days, new Map())]).toEqual([]);
  });
});

describe('checkRun', () => {
  it('flags a count or revenue moved by more than the share, from the previous cycle', () => {
    expect(checkRun({ documents: 125, revenueMinor: 1_250n }, { documents: 100, revenueMinor: 1_000n })).toEqual([]);
    expect(checkRun({ documents: 126, revenueMinor: 740n }, { documents: 100, revenueMinor: 1_000n })).toEqual([
      { code: 'RUN_COUNT_MOVED', detail: '126 documents against 100 last cycle (26.0 %)' },
      { code: 'RUN_REVENUE_MOVED', detail: 'revenue 740 against 1000 last cycle (-26.0 %)' },
    ]);
    expect(checkRun({ documents: 5, revenueMinor: 0n }, null)).toEqual([]);
    expect(checkRun({ documents: 5, revenueMinor: 0n }, { documents: 0, revenueMinor: 0n }).map((a) => a.code)).toEqual([
      'RUN_COUNT_MOVED',
    ]);
  });
});

describe('assertValidationLimits', () => {
  it.each([
    [{ usageSpikeFactor: '1' }, 'usageSpikeFactor'],
    [{ usageSpikeFactor: '2e3' }, 'usageSpikeFactor'],
    [{ runMovementMaxShare: '0' }, 'runMovementMaxShare'],
    [{ runMovementMaxShare: '1.5' }, 'runMovementMaxShare'],
    [{ firstInvoiceMaxMinor: -1n }, 'firstInvoiceMaxMinor'],
  ])('refuses %j', (change, name) => {
    expect(() => assertValidationLimits({ ...VALIDATION_LIMITS_DEFAULT, ...change })).toThrow(name);
  });
  it('takes the defaults', () => expect(() => assertValidationLimits(VALIDATION_LIMITS_DEFAULT)).not.toThrow());
});
