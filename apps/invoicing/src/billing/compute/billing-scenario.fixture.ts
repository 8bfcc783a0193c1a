/**
 * Input of the billing scenario of issue 9 (billing-scenario.spec.ts checks its draft line by line;
 * compute-invoice-draft.spec.ts breaks it one field at a time). Test-only.
 * Account A1, EUR, Europe/Paris, FR VAT, minimum commitment 150.00 EUR, cycle October 2026.
 */
import type { ComputeInput } from './compute-types';
import { account, input, monthly, OCTOBER_2026, product, subscription } from './spec-fixtures';

const products = [
  product('MOBILE', [
    monthly('C_MOB', 2000n),
    { kind: 'ACTIVATION', id: 'C_MOB_ACT', description: 'SIM activation', amountMinor: 1000n, currency: 'EUR', taxCategory: 'STANDARD' },
  ]),
  product('MOBILE_PLUS', [monthly('C_PLUS', 3100n)]),
  product('FIBRE', [
    monthly('C_FIB', 3000n, { timing: 'ARREARS' }),
    monthly('C_PRESS', 999n, { timing: 'ARREARS', prorated: false, taxCategory: 'REDUCED' }),
  ]),
  product('LANDLINE', [
    monthly('C_LAND', 1550n),
    {
      kind: 'TERMINATION',
      id: 'C_LAND_TERM',
      description: 'Line termination',
      amountMinor: 2500n,
      currency: 'EUR',
      taxCategory: 'STANDARD',
    },
  ]),
  product('HANDSET', [
    {
      kind: 'INSTALMENT',
      id: 'C_HANDSET',
      description: 'Handset lease',
      amountMinor: 59900n,
      parts: 24,
      currency: 'EUR',
      taxCategory: 'STANDARD',
    },
  ]),
  product('TV', [monthly('C_TV', 1000n)]),
];

const usageBase = { currency: 'EUR', taxCategory: 'STANDARD' as const, late: false };

export function scenario(): ComputeInput {
  return input({
    account: account({ minimumCommitmentMinor: 15000n }),
    // Copies, so that a test that changes its input changes nothing else.
    products: products.map((p) => ({ ...p, charges: p.charges.map((c) => ({ ...c })) })),
    subscriptions: [
      // S1: activated 10 Oct 10:00 Paris, suspended 13 Oct, resumed 16 Oct, moved to MOBILE_PLUS on 21 Oct.
      // MOBILE days: 10,11,12 and 16..20 = 8; suspended 13,14,15 = 3; MOBILE_PLUS days 21..31 = 11.
      subscription('S1', 'MOBILE', [
        { type: 'ACTIVATED', at: '2026-10-10T08:00:00Z' },
        { type: 'SUSPENDED', at: '2026-10-13T10:00:00Z' },
        { type: 'RESUMED', at: '2026-10-16T10:00:00+02:00' },
        { type: 'PRODUCT_CHANGED', at: '2026-10-21T09:00:00Z', productId: 'MOBILE_PLUS' },
      ]),
      subscription('S2', 'FIBRE', [{ type: 'ACTIVATED', at: '2026-03-01T10:00:00Z' }]),
      // S3: cancelled at 23:30 UTC on 25 Oct = 00:30 CET on 26 Oct in Paris (UTC+1 since 03:00 that day).
      subscription('S3', 'LANDLINE', [
        { type: 'ACTIVATED', at: '2025-01-01T10:00:00Z' },
        { type: 'CANCELLED', at: '2026-10-25T23:30:00Z' },
      ]),
      subscription('S4', 'HANDSET', [{ type: 'ACTIVATED', at: '2026-08-05T10:00:00Z' }], {
        instalmentsDue: [{ chargeId: 'C_HANDSET', partIndex: 3 }],
      }),
    ],
    usage: [
      // 4.5675 EUR = 456.75 cents -> 457 (half away from zero).
      {
        ...usageBase,
        subscriptionId: 'S1',
        service: 'DATA',
        ratingGroup: 'RG10',
        zone: 'FR',
        tariff: 'T1',
        unit: 'MB',
        quantity: '2048',
        amountMicros: 4_567_500n,
      },
      // 1.234449 EUR = 123.4449 cents -> 123.
      {
        ...usageBase,
        subscriptionId: 'S1',
        service: 'VOICE',
        ratingGroup: 'RG1',
        zone: 'FR',
        tariff: 'T2',
        unit: 'SECOND',
        quantity: '3600',
        amountMicros: 1_234_449n,
      },
      // Usage across the boundary: a call from 31 Oct 23:50 to 1 Nov 00:10 Paris time was rated in two parts by
      // event time; only the October part (1.50 EUR) is in this cycle's aggregate, the November part is next cycle's.
      {
        ...usageBase,
        subscriptionId: 'S2',
        service: 'VOICE',
        ratingGroup: 'RG1',
        zone: 'FR',
        tariff: 'T2',
        unit: 'SECOND',
        quantity: '600',
        amountMicros: 1_500_000n,
      },
      // Late: September events that arrived after September was billed. 2.3455 EUR = 234.55 cents -> 235.
      {
        ...usageBase,
        subscriptionId: 'S2',
        service: 'VOICE',
        ratingGroup: 'RG1',
        zone: 'INTL',
        tariff: 'T9',
        unit: 'SECOND',
        quantity: '120',
        amountMicros: 2_345_500n,
        period: { start: '2026-09-01', end: '2026-10-01' },
        late: true,
      },
    ],
    discounts: [
      {
        id: 'D_PLUS10',
        description: '10 % on Mobile 100GB',
        kind: 'PERCENT',
        percent: '10',
        scope: 'CHARGE',
        chargeId: 'C_PLUS',
        validity: { start: '2026-01-01', end: '2027-01-01' },
      },
      // Cross-product: fibre + mobile 100GB held in the cycle -> 5.00 EUR off the fibre fee.
      {
        id: 'D_CONVERGENT',
        description: 'Fibre + mobile',
        kind: 'FIXED',
        amountMinor: 500n,
        currency: 'EUR',
        scope: 'CHARGE',
        chargeId: 'C_FIB',
        requiredProductIds: ['FIBRE', 'MOBILE_PLUS'],
        validity: { start: '2026-01-01', end: '2027-01-01' },
      },
      // Not applied: the account holds no TV product.
      {
        id: 'D_TRIPLE',
        description: 'Triple play',
        kind: 'FIXED',
        amountMinor: 1000n,
        currency: 'EUR',
        scope: 'INVOICE',
        requiredProductIds: ['FIBRE', 'TV'],
        validity: { start: '2026-01-01', end: '2027-01-01' },
      },
      // Not applied: expired on 1 October.
      {
        id: 'D_SUMMER',
        description: 'Summer',
        kind: 'PERCENT',
        percent: '50',
        scope: 'INVOICE',
        validity: { start: '2026-06-01', end: '2026-10-01' },
      },
      {
        id: 'D_LOYALTY',
        description: 'Loyalty 5 %',
        kind: 'PERCENT',
        percent: '5',
        scope: 'INVOICE',
        validity: { start: '2026-01-01', end: '2027-01-01' },
      },
    ],
    // The September invoice billed October's landline fee in advance.
    priorAdvanceBillings: [{ subscriptionId: 'S3', chargeId: 'C_LAND', period: OCTOBER_2026, amountMinor: 1550n, currency: 'EUR' }],
  });
}
