/** One table per money rule of MONEY-RULES.md, each through computeInvoiceDraft. Amounts in minor units. */
import { computeInvoiceDraft } from './compute-invoice-draft';
import type { AdvanceBilling, Charge, ComputeInput, InvoiceDraft, LifecycleEvent, RecurringCharge } from './compute-types';
import { account, input, monthly, OCTOBER_2026, product, subscription } from './spec-fixtures';

const ACTIVE_SINCE_2025: LifecycleEvent = { type: 'ACTIVATED', at: '2025-01-01T10:00:00Z' };

function oneSubscription(params: {
  charges: Charge[];
  events: LifecycleEvent[];
  prior?: AdvanceBilling[];
  timeZone?: string;
  anchor?: string;
  more?: Partial<ComputeInput>;
}): InvoiceDraft {
  return computeInvoiceDraft(
    input({
      account: account({ timeZone: params.timeZone ?? 'Europe/Paris' }),
      products: [product('P', params.charges)],
      subscriptions: [subscription('S', 'P', params.events, params.anchor ? { recurringAnchor: params.anchor } : {})],
      priorAdvanceBillings: params.prior ?? [],
      ...params.more,
    }),
  );
}

/** Leaf line amounts by id, without the 'sub:S/' prefix. */
function leaves(draft: InvoiceDraft): Record<string, bigint> {
  return Object.fromEntries(
    draft.lines.filter((l) => l.kind !== 'SUBSCRIPTION').map((l) => [l.lineId.replace('sub:S/', ''), l.amountMinor]),
  );
}

const OCTOBER_PREPAID: AdvanceBilling = { subscriptionId: 'S', chargeId: 'F', period: OCTOBER_2026, amountMinor: 3100n, currency: 'EUR' };

describe('usage: micros to minor units once per line, half away from zero, ISO 4217 digits', () => {
  it.each([
    ['EUR', 4_567_500n, 457n],
    ['EUR', 4_564_999n, 456n],
    ['EUR', -4_565_000n, -457n],
    ['JPY', 1_500_000n, 2n],
    ['JPY', 1_499_999n, 1n],
    ['BHD', 1_234_500n, 1235n],
    ['BHD', 1_234_499n, 1234n],
  ])('%s %s micros -> %s', (currency, amountMicros, expected) => {
    const draft = computeInvoiceDraft(
      input({
        account: account({ currency }),
        products: [product('P', [monthly('F', 100_000n, { currency, timing: 'ARREARS' })])],
        subscriptions: [subscription('S', 'P', [ACTIVE_SINCE_2025])],
        usage: [
          {
            subscriptionId: 'S',
            service: 'DATA',
            ratingGroup: 'RG',
            zone: 'Z',
            tariff: 'T',
            unit: 'MB',
            quantity: '1',
            amountMicros,
            currency,
            taxCategory: 'EXEMPT',
            late: false,
          },
        ],
      }),
    );
    expect(leaves(draft)['usage:S|DATA|RG|Z|T|MB']).toBe(expected);
  });
});

describe('proration: actual calendar days in the account zone (DST does not move a day)', () => {
  const fee = monthly('F', 3100n); // 100 per day in a 31-day month
  it.each([
    [
      'activated 1 Oct 00:30 Paris',
      'Europe/Paris',
      '2026-09-30T22:30:00Z',
      { 'fee:F:2026-10-01..2026-11-01': 3100n, 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
    [
      'same instant seen in UTC (30 Sep)',
      'UTC',
      '2026-09-30T22:30:00Z',
      { 'fee:F:2026-10-01..2026-11-01': 3100n, 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
    [
      'activated 31 Oct in UTC: 1 day',
      'UTC',
      '2026-10-31T23:30:00Z',
      { 'fee:F:2026-10-31..2026-11-01': 100n, 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
    ['same instant is 1 Nov in Paris: nothing yet', 'Europe/Paris', '2026-10-31T23:30:00Z', {}],
    [
      'activated 25 Oct (the DST day) 12:00: 7 days',
      'Europe/Paris',
      '2026-10-25T12:00:00+01:00',
      { 'fee:F:2026-10-25..2026-11-01': 700n, 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
  ])('%s', (_name, timeZone, at, expected) => {
    expect(leaves(oneSubscription({ charges: [fee], events: [{ type: 'ACTIVATED', at }], timeZone }))).toEqual(expected);
  });

  it.each([
    ['Paris: 26 Oct local, 6 unused days', 'Europe/Paris', 600n, '2026-10-26'],
    ['UTC: 25 Oct, 7 unused days', 'UTC', 700n, '2026-10-25'],
  ])('cancellation at 2026-10-25T23:30Z, %s (a credit note)', (_name, timeZone, credit, from) => {
    const draft = oneSubscription({
      charges: [fee],
      events: [ACTIVE_SINCE_2025, { type: 'CANCELLED', at: '2026-10-25T23:30:00Z' }],
      prior: [OCTOBER_PREPAID],
      timeZone,
    });
    expect(draft.documentType).toBe('CREDIT_NOTE');
    expect(leaves(draft)).toEqual({ [`credit:F:${from}..2026-11-01`]: credit });
  });
});

describe('advance vs arrears', () => {
  const cases: Array<[string, RecurringCharge, AdvanceBilling[], LifecycleEvent[], string | undefined, Record<string, bigint>]> = [
    [
      'advance, October prepaid: November only',
      monthly('F', 3100n),
      [OCTOBER_PREPAID],
      [ACTIVE_SINCE_2025],
      undefined,
      { 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
    [
      'advance, never billed: October and November',
      monthly('F', 3100n),
      [],
      [ACTIVE_SINCE_2025],
      undefined,
      { 'fee:F:2026-10-01..2026-11-01': 3100n, 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
    [
      'arrears: October',
      monthly('F', 3100n, { timing: 'ARREARS' }),
      [],
      [ACTIVE_SINCE_2025],
      undefined,
      { 'fee:F:2026-10-01..2026-11-01': 3100n },
    ],
    [
      'arrears, cancelled 11 Oct: 10 days',
      monthly('F', 3100n, { timing: 'ARREARS' }),
      [],
      [ACTIVE_SINCE_2025, { type: 'CANCELLED', at: '2026-10-11T08:00:00Z' }],
      undefined,
      { 'fee:F:2026-10-01..2026-10-11': 1000n },
    ],
    [
      'arrears quarterly ending with October (Aug-Oct, 92 days)',
      monthly('F', 9200n, { timing: 'ARREARS', frequency: 'QUARTERLY' }),
      [],
      [ACTIVE_SINCE_2025],
      '2026-02-01',
      { 'fee:F:2026-08-01..2026-11-01': 9200n },
    ],
    [
      'arrears quarterly not ending in October: nothing',
      monthly('F', 9200n, { timing: 'ARREARS', frequency: 'QUARTERLY' }),
      [],
      [ACTIVE_SINCE_2025],
      '2026-09-01',
      {},
    ],
    [
      'arrears quarterly, cancelled 11 Oct in its Sep-Nov quarter: 40 of 91 days',
      monthly('F', 9100n, { timing: 'ARREARS', frequency: 'QUARTERLY' }),
      [],
      [ACTIVE_SINCE_2025, { type: 'CANCELLED', at: '2026-10-11T08:00:00Z' }],
      '2026-09-01',
      { 'fee:F:2026-09-01..2026-10-11': 4000n },
    ],
    [
      'advance quarterly starting 1 Nov, Aug-Oct prepaid',
      monthly('F', 9200n, { frequency: 'QUARTERLY' }),
      [{ ...OCTOBER_PREPAID, period: { start: '2026-08-01', end: '2026-11-01' }, amountMinor: 9200n }],
      [ACTIVE_SINCE_2025],
      '2026-02-01',
      { 'fee:F:2026-11-01..2027-02-01': 9200n },
    ],
    [
      'advance annual, prepaid until January: nothing',
      monthly('F', 36500n, { frequency: 'ANNUAL' }),
      [{ ...OCTOBER_PREPAID, period: { start: '2026-01-01', end: '2027-01-01' }, amountMinor: 36500n }],
      [ACTIVE_SINCE_2025],
      '2026-01-01',
      {},
    ],
  ];
  it.each(cases)('%s', (_name, charge, prior, events, anchor, expected) => {
    expect(leaves(oneSubscription({ charges: [charge], events, prior, anchor }))).toEqual(expected);
  });
});

describe('suspension: days not charged for prorated fees only', () => {
  const suspended: LifecycleEvent[] = [
    ACTIVE_SINCE_2025,
    { type: 'SUSPENDED', at: '2026-10-11T08:00:00Z' },
    { type: 'RESUMED', at: '2026-10-21T08:00:00Z' },
  ];
  it.each([
    ['arrears prorated: 21 of 31 days', monthly('F', 3100n, { timing: 'ARREARS' }), [], { 'fee:F:2026-10-01..2026-11-01': 2100n }],
    [
      'arrears not prorated: whole fee',
      monthly('F', 3100n, { timing: 'ARREARS', prorated: false }),
      [],
      { 'fee:F:2026-10-01..2026-11-01': 3100n },
    ],
    [
      'advance prorated, prepaid: 10 days credited',
      monthly('F', 3100n),
      [OCTOBER_PREPAID],
      { 'credit:F:2026-10-11..2026-10-21': -1000n, 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
    [
      'advance not prorated, prepaid: no credit',
      monthly('F', 3100n, { prorated: false }),
      [OCTOBER_PREPAID],
      { 'fee:F:2026-11-01..2026-12-01': 3100n },
    ],
  ])('%s', (_name, charge, prior, expected) => {
    expect(leaves(oneSubscription({ charges: [charge], events: suspended, prior }))).toEqual(expected);
  });
});

describe('minimum commitment', () => {
  it.each([
    ['net below: topped up', 5000n, false, '2025-01-01T10:00:00Z', { 'fee:F:2026-10-01..2026-11-01': 1000n, 'minimum-commitment': 4000n }],
    ['net above: nothing', 500n, false, '2025-01-01T10:00:00Z', { 'fee:F:2026-10-01..2026-11-01': 1000n }],
    // First invoice, activated 17 Oct: 15 of 31 days; minimum 6200 x 15 / 31 = 3000; fee 1000 x 15 / 31 = 483.87 -> 484.
    [
      'first invoice: minimum prorated from the activation',
      6200n,
      true,
      '2026-10-17T08:00:00Z',
      { 'fee:F:2026-10-17..2026-11-01': 484n, 'minimum-commitment': 2516n },
    ],
  ])('%s', (_name, minimum, firstInvoice, at, expected) => {
    const draft = computeInvoiceDraft(
      input({
        account: account({ minimumCommitmentMinor: minimum, firstInvoice }),
        products: [product('P', [monthly('F', 1000n, { timing: 'ARREARS' })])],
        subscriptions: [subscription('S', 'P', [{ type: 'ACTIVATED', at }])],
      }),
    );
    expect(leaves(draft)).toEqual(expected);
  });
});

describe('tax per rate per document (EN 16931), not per line', () => {
  it('three 0.33 lines at 20 %: tax round(0.99 x 0.2) = 0.20, not 3 x 0.07', () => {
    const activation = (id: string): Charge => ({
      kind: 'ACTIVATION',
      id,
      description: id,
      amountMinor: 33n,
      currency: 'EUR',
      taxCategory: 'STANDARD',
    });
    const draft = oneSubscription({
      charges: [activation('A'), activation('B'), activation('C')],
      events: [{ type: 'ACTIVATED', at: '2026-10-05T10:00:00Z' }],
    });
    expect(draft.taxSummary).toEqual([{ category: 'STANDARD', rate: '0.2', taxableMinor: 99n, taxMinor: 20n }]);
    expect(draft).toMatchObject({ netMinor: 99n, taxMinor: 20n, grossMinor: 119n });
  });

  it('exempt and reverse-charge lines carry rate 0', () => {
    const draft = oneSubscription({
      charges: [
        monthly('F', 3100n, { timing: 'ARREARS', taxCategory: 'EXEMPT' }),
        monthly('G', 1000n, { timing: 'ARREARS', taxCategory: 'REVERSE_CHARGE' }),
      ],
      events: [ACTIVE_SINCE_2025],
    });
    expect(draft.taxSummary).toEqual([
      { category: 'EXEMPT', rate: '0', taxableMinor: 3100n, taxMinor: 0n },
      { category: 'REVERSE_CHARGE', rate: '0', taxableMinor: 1000n, taxMinor: 0n },
    ]);
  });
});

describe('a negative total is a credit note with positive amounts', () => {
  it('cancelled on 2 Oct with October prepaid: 30 of 31 days credited', () => {
    const draft = oneSubscription({
      charges: [monthly('F', 1550n)],
      events: [ACTIVE_SINCE_2025, { type: 'CANCELLED', at: '2026-10-02T08:00:00Z' }],
      prior: [{ ...OCTOBER_PREPAID, amountMinor: 1550n }],
    });
    // 1550 x 30 / 31 = 1500; VAT 20 % = 300.
    expect(draft).toMatchObject({ documentType: 'CREDIT_NOTE', netMinor: 1500n, taxMinor: 300n, grossMinor: 1800n });
    expect(draft.taxSummary).toEqual([{ category: 'STANDARD', rate: '0.2', taxableMinor: 1500n, taxMinor: 300n }]);
    expect(leaves(draft)).toEqual({ 'credit:F:2026-10-02..2026-11-01': 1500n });
    expect(draft.lines.find((l) => l.kind === 'PRORATION_CREDIT')).toMatchObject({ quantity: '30', unit: 'DAY', unitPriceMinor: '50' });
  });
});

describe('discounts: scope, cap, validity, cross-product', () => {
  const usage = (service: string, amountMicros: bigint, taxCategory: 'STANDARD' | 'REDUCED' = 'STANDARD') => ({
    subscriptionId: 'S',
    service,
    ratingGroup: taxCategory === 'REDUCED' ? 'RG-REDUCED' : 'RG',
    zone: 'Z',
    tariff: 'T',
    unit: 'MB',
    quantity: '1',
    amountMicros,
    currency: 'EUR',
    taxCategory,
    late: false,
  });
  const always = { start: '2026-01-01', end: '2027-01-01' };
  it.each<[string, ComputeInput['discounts'], Record<string, bigint>]>([
    // DATA usage 10.00 (standard) + 3.33 (reduced): 15 % = 150 and 49.95 -> 50; VOICE untouched.
    [
      'SERVICE percent, per tax category',
      [{ id: 'D', description: 'd', kind: 'PERCENT', percent: '15', scope: 'SERVICE', service: 'DATA', validity: always }],
      { 'discount:D:STANDARD': -150n, 'discount:D:REDUCED': -50n },
    ],
    // FIXED 20.00 on 13.33 of DATA: capped at 13.33, spread 1000:333.
    [
      'SERVICE fixed, capped at its base',
      [
        {
          id: 'D',
          description: 'd',
          kind: 'FIXED',
          amountMinor: 2000n,
          currency: 'EUR',
          scope: 'SERVICE',
          service: 'DATA',
          validity: always,
        },
      ],
      { 'discount:D:STANDARD': -1000n, 'discount:D:REDUCED': -333n },
    ],
    [
      'CHARGE discount valid from 1 Nov: not applied',
      [
        {
          id: 'D',
          description: 'd',
          kind: 'PERCENT',
          percent: '10',
          scope: 'CHARGE',
          chargeId: 'F',
          validity: { start: '2026-11-01', end: '2027-01-01' },
        },
      ],
      {},
    ],
    [
      'cross-product, a product missing: not applied',
      [
        {
          id: 'D',
          description: 'd',
          kind: 'PERCENT',
          percent: '10',
          scope: 'CHARGE',
          chargeId: 'F',
          requiredProductIds: ['P', 'Q'],
          validity: always,
        },
      ],
      {},
    ],
    [
      'cross-product, held: applied',
      [
        {
          id: 'D',
          description: 'd',
          kind: 'PERCENT',
          percent: '10',
          scope: 'CHARGE',
          chargeId: 'F',
          requiredProductIds: ['P'],
          validity: always,
        },
      ],
      { 'discount:D:STANDARD': -310n },
    ],
  ])('%s', (_name, discounts, expected) => {
    const draft = oneSubscription({
      charges: [monthly('F', 3100n, { timing: 'ARREARS' })],
      events: [ACTIVE_SINCE_2025],
      more: {
        products: [product('P', [monthly('F', 3100n, { timing: 'ARREARS' })]), product('Q', [])],
        usage: [usage('DATA', 10_000_000n), usage('DATA', 3_330_000n, 'REDUCED'), usage('VOICE', 5_000_000n)],
        discounts,
      },
    });
    const discountLines = Object.fromEntries(Object.entries(leaves(draft)).filter(([id]) => id.startsWith('discount:')));
    expect(discountLines).toEqual(expected);
  });
});

describe('product change in mid-cycle with the old fee paid in advance', () => {
  it('credits the old fee from the change, bills the new one from the change and for November', () => {
    const draft = oneSubscription({
      charges: [],
      events: [ACTIVE_SINCE_2025, { type: 'PRODUCT_CHANGED', at: '2026-10-21T09:00:00Z', productId: 'Q' }],
      prior: [OCTOBER_PREPAID],
      more: { products: [product('P', [monthly('F', 3100n)]), product('Q', [monthly('G', 6200n)])] },
    });
    // Changed on 21 Oct: 11 days of 31. F: -3100 x 11 / 31 = -1100. G: 6200 x 11 / 31 = 2200, then 6200.
    expect(leaves(draft)).toEqual({
      'credit:F:2026-10-21..2026-11-01': -1100n,
      'fee:G:2026-10-21..2026-11-01': 2200n,
      'fee:G:2026-11-01..2026-12-01': 6200n,
    });
  });
});

describe('a period paid in advance is credited once', () => {
  // Quarterly fee 9200 paid in advance for [2026-10-01, 2027-01-01) (92 days), cancelled on 11 Oct.
  const quarter: AdvanceBilling = {
    subscriptionId: 'S',
    chargeId: 'F',
    period: { start: '2026-10-01', end: '2027-01-01' },
    amountMinor: 9200n,
    currency: 'EUR',
  };
  const charges = [monthly('F', 9200n, { frequency: 'QUARTERLY' })];
  const events: LifecycleEvent[] = [ACTIVE_SINCE_2025, { type: 'CANCELLED', at: '2026-10-11T08:00:00Z' }];

  it('October (the cancellation) credits the rest of the quarter: 82 of 92 days (a credit note)', () => {
    const draft = oneSubscription({ charges, events, prior: [quarter], anchor: '2026-10-01' });
    expect(leaves(draft)).toEqual({ 'credit:F:2026-10-11..2027-01-01': 8200n });
  });

  it('November, with October credit on record, credits nothing more', () => {
    const november = { start: '2026-11-01', end: '2026-12-01' };
    const draft = oneSubscription({
      charges,
      events,
      prior: [quarter],
      anchor: '2026-10-01',
      more: {
        cycle: november,
        priorCredits: [{ subscriptionId: 'S', chargeId: 'F', period: { start: '2026-10-11', end: '2027-01-01' } }],
      },
    });
    expect(leaves(draft)).toEqual({});
  });

  it('November without the credit on record would credit November again (what priorCredits prevents)', () => {
    const draft = oneSubscription({
      charges,
      events,
      prior: [quarter],
      anchor: '2026-10-01',
      more: { cycle: { start: '2026-11-01', end: '2026-12-01' } },
    });
    expect(leaves(draft)).toEqual({ 'credit:F:2026-11-01..2027-01-01': 6100n });
  });

  it('refuses a prior credit with a bad period, naming the field', () => {
    expect(() =>
      oneSubscription({
        charges,
        events,
        prior: [quarter],
        more: { priorCredits: [{ subscriptionId: 'S', chargeId: 'F', period: { start: '2026-11-01', end: '2026-10-01' } }] },
      }),
    ).toThrow(/priorCredits\[0\]\.period/);
  });
});
