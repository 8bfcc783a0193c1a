/**
 * The billing scenario of issue 9 "Done means", checked line by line against amounts computed by
 * hand (in the comments). Account A1, EUR, Europe/Paris, FR VAT, minimum commitment 150.00 EUR,
 * cycle October 2026 = [2026-10-01, 2026-11-01), 31 days. Summer time ends on Sunday 25 October
 * 2026 at 03:00 CEST (UTC+2 -> UTC+1). Amounts in cents. The input, with its day counts, is in
 * billing-scenario.fixture.ts.
 */
import { scenario } from './billing-scenario.fixture';
import { computeInvoiceDraft } from './compute-invoice-draft';
import type { DraftLine } from './compute-types';

function line(lines: DraftLine[], lineId: string): DraftLine {
  const found = lines.find((l) => l.lineId === lineId);
  if (!found) throw new Error(`no line ${lineId} in ${lines.map((l) => l.lineId).join(', ')}`);
  return found;
}

describe('billing scenario: Europe/Paris, October 2026', () => {
  const draft = computeInvoiceDraft(scenario());
  const amounts = Object.fromEntries(draft.lines.map((l) => [l.lineId, l.amountMinor]));

  it('bills every line at its hand-computed amount, and nothing else', () => {
    expect(amounts).toEqual({
      // S1 = 516 + 1100 + 3100 + 1000 + 457 + 123 - 420 = 5876
      'sub:S1': 5876n,
      // MOBILE, in advance, never billed before: 8 chargeable days (suspension excluded) of 31: 2000 x 8 / 31 = 516.13 -> 516.
      'sub:S1/fee:C_MOB:2026-10-10..2026-11-01': 516n,
      // MOBILE_PLUS from 21 Oct: 3100 x 11 / 31 = 1100; then November in advance: 3100.
      'sub:S1/fee:C_PLUS:2026-10-21..2026-11-01': 1100n,
      'sub:S1/fee:C_PLUS:2026-11-01..2026-12-01': 3100n,
      'sub:S1/one-time:C_MOB_ACT': 1000n,
      'sub:S1/usage:S1|DATA|RG10|FR|T1|MB': 457n,
      'sub:S1/usage:S1|VOICE|RG1|FR|T2|SECOND': 123n,
      // Line discount 10 % of C_PLUS lines: (1100 + 3100) x 0.10 = 420.
      'sub:S1/discount:D_PLUS10:STANDARD': -420n,
      // S2 = 3000 + 999 + 150 + 235 - 500 = 3884
      'sub:S2': 3884n,
      // Fibre in arrears, the whole of October: 3000. Press (reduced VAT, not prorated): 999.
      'sub:S2/fee:C_FIB:2026-10-01..2026-11-01': 3000n,
      'sub:S2/fee:C_PRESS:2026-10-01..2026-11-01': 999n,
      'sub:S2/usage:S2|VOICE|RG1|FR|T2|SECOND': 150n,
      'sub:S2/usage:S2|VOICE|RG1|INTL|T9|SECOND|late': 235n,
      'sub:S2/discount:D_CONVERGENT:STANDARD': -500n,
      // S3 = -300 + 2500 = 2200. Cancelled on 26 Oct local: unused 26..31 = 6 days of the prepaid 31:
      // 1550 x 6 / 31 = 300 (in UTC it would be 25 Oct, 7 days, 350).
      'sub:S3': 2200n,
      'sub:S3/credit:C_LAND:2026-10-26..2026-11-01': -300n,
      'sub:S3/one-time:C_LAND_TERM': 2500n,
      // Handset 599.00 in 24 parts: 59900 / 24 = 2495.83 -> parts 1..23 are 2495, part 24 is 2515.
      'sub:S4': 2495n,
      'sub:S4/one-time:C_HANDSET:part-3': 2495n,
      // Before invoice discounts: 5876 + 3884 + 2200 + 2495 = 14455, of which REDUCED 999 and STANDARD 13456.
      // Loyalty 5 % per category: 13456 x 0.05 = 672.8 -> 673; 999 x 0.05 = 49.95 -> 50.
      'discount:D_LOYALTY:STANDARD': -673n,
      'discount:D_LOYALTY:REDUCED': -50n,
      // Net 14455 - 723 = 13732, below the 15000 minimum: top-up 1268.
      'minimum-commitment': 1268n,
    });
  });

  it('sums taxes per rate on the document (EN 16931) and totals', () => {
    expect(draft.taxSummary).toEqual([
      // STANDARD: 13456 - 673 + 1268 = 14051; x 0.2 = 2810.2 -> 2810.
      { category: 'STANDARD', rate: '0.2', taxableMinor: 14051n, taxMinor: 2810n },
      // REDUCED: 999 - 50 = 949; x 0.055 = 52.195 -> 52.
      { category: 'REDUCED', rate: '0.055', taxableMinor: 949n, taxMinor: 52n },
    ]);
    expect(draft).toMatchObject({ documentType: 'INVOICE', currency: 'EUR', netMinor: 15000n, taxMinor: 2862n, grossMinor: 17862n });
  });

  it('builds the hierarchy, periods, references and flags', () => {
    for (const l of draft.lines.filter((x) => x.lineId.startsWith('sub:S1/'))) expect(l.parentLineId).toBe('sub:S1');
    expect(line(draft.lines, 'discount:D_LOYALTY:STANDARD').parentLineId).toBeNull();
    expect(line(draft.lines, 'sub:S1/fee:C_MOB:2026-10-10..2026-11-01')).toMatchObject({
      quantity: '8',
      unit: 'DAY',
      unitPriceMinor: '64.5',
      taxRate: '0.2',
    });
    expect(line(draft.lines, 'sub:S1/fee:C_PLUS:2026-11-01..2026-12-01')).toMatchObject({
      quantity: '1',
      unit: 'MONTHLY',
      discountMinor: 310n,
    });
    expect(line(draft.lines, 'sub:S1/fee:C_PLUS:2026-10-21..2026-11-01').discountMinor).toBe(110n);
    expect(line(draft.lines, 'sub:S1')).toMatchObject({ discountMinor: 420n, taxCategory: null });
    expect(line(draft.lines, 'sub:S2/usage:S2|VOICE|RG1|INTL|T9|SECOND|late')).toMatchObject({
      late: true,
      period: { start: '2026-09-01', end: '2026-10-01' },
      references: { subscriptionId: 'S2', usageKey: 'S2|VOICE|RG1|INTL|T9|SECOND|late', service: 'VOICE' },
    });
    expect(line(draft.lines, 'sub:S3/one-time:C_LAND_TERM').period).toEqual({ start: '2026-10-26', end: '2026-10-27' });
    expect(line(draft.lines, 'sub:S2/fee:C_PRESS:2026-10-01..2026-11-01')).toMatchObject({ taxCategory: 'REDUCED', taxRate: '0.055' });
    expect(line(draft.lines, 'sub:S2/discount:D_CONVERGENT:STANDARD').references).toEqual({
      subscriptionId: 'S2',
      discountId: 'D_CONVERGENT',
    });
  });

  it('gives the same draft when computed again', () => {
    expect(computeInvoiceDraft(scenario())).toEqual(draft);
  });
});
