import { scenario } from './billing-scenario.fixture';
import { computeInvoiceDraft } from './compute-invoice-draft';
import { documentIdOf, toDraftDocument } from './draft-document';
import { microsToMinor } from './line-factory';
import { account, input, monthly, OCTOBER_2026, product, subscription } from './spec-fixtures';

const CTX = { cycleId: 'MONTHLY_1-2026-10-01', runId: 'run-1', legalEntityId: 'le-1', paymentTermsDays: 30 };

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

describe('toDraftDocument: a computed draft as the document tables hold it', () => {
  const draft = computeInvoiceDraft(scenario());
  const doc = toDraftDocument(draft, CTX);

  it('numbers the lines 1..n in order, children pointing at their subscription line', () => {
    expect(doc.lines.map((l) => l.lineNo)).toEqual(draft.lines.map((_, i) => i + 1));
    for (const [i, l] of draft.lines.entries()) {
      const parent = l.parentLineId === null ? null : draft.lines.findIndex((p) => p.lineId === l.parentLineId) + 1;
      expect(doc.lines[i].parentLineNo).toBe(parent);
    }
    expect(doc.lines.filter((l) => l.kind === 'SUBSCRIPTION').every((l) => l.parentLineNo === null)).toBe(true);
  });

  it("maps compute's kinds and keeps amounts, periods and references", () => {
    expect(new Set(doc.lines.map((l) => l.kind))).toEqual(
      new Set(['SUBSCRIPTION', 'RECURRING', 'ONE_TIME', 'USAGE', 'DISCOUNT', 'MINIMUM']),
    );
    const credit = doc.lines.find((l) => l.chargeId === 'C_LAND' && l.amountMinor < 0n);
    expect(credit).toMatchObject({ kind: 'RECURRING', amountMinor: -300n, periodStart: '2026-10-26', periodEnd: '2026-11-01' });
    const sub = doc.lines.find((l) => l.kind === 'SUBSCRIPTION');
    expect(sub).toMatchObject({ taxCategory: 'NONE', taxRate: '0', amountMinor: 0n, discountMinor: 420n });
  });

  it('keeps the totals: every line sums to net (subscription lines are headings), net + tax = gross, usage is the usage lines', () => {
    expect(doc.lines.reduce((a, l) => a + l.amountMinor, 0n)).toBe(doc.netMinor);
    expect(doc.netMinor + doc.taxMinor).toBe(doc.grossMinor);
    expect(doc.usageMinor).toBe(457n + 123n + 150n + 235n);
    expect(doc.taxes.reduce((a, t) => a + t.taxMinor, 0n)).toBe(doc.taxMinor);
    expect(doc).toMatchObject({
      id: documentIdOf(CTX.cycleId, 'A1'),
      idempotencyKey: `cycle|${CTX.cycleId}|A1`,
      type: 'INVOICE',
      creditKind: null,
      periodStart: '2026-10-01',
      periodEnd: '2026-11-01',
      legalEntityId: 'le-1',
      paymentTermsDays: 30,
    });
  });

  it('a negative draft is a credit note to the account', () => {
    const credit = computeInvoiceDraft(
      input({
        account: account(),
        cycle: OCTOBER_2026,
        products: [product('P', [monthly('F', 3100n)])],
        subscriptions: [
          subscription('S', 'P', [
            { type: 'ACTIVATED', at: '2025-01-01T00:00:00Z' },
            { type: 'CANCELLED', at: '2026-10-02T08:00:00Z' },
          ]),
        ],
        priorAdvanceBillings: [{ subscriptionId: 'S', chargeId: 'F', period: OCTOBER_2026, amountMinor: 3100n, currency: 'EUR' }],
      }),
    );
    expect(toDraftDocument(credit, CTX)).toMatchObject({ type: 'CREDIT_NOTE', creditKind: 'ACCOUNT_CREDIT', netMinor: 3000n });
  });

  it('long ids are hashed to at most 64 characters, stable', () => {
    const id = documentIdOf('MONTHLY_1-2026-10-01', 'a'.repeat(64));
    expect(id.length).toBeLessThanOrEqual(64);
    expect(documentIdOf('MONTHLY_1-2026-10-01', 'a'.repeat(64))).toBe(id);
  });
});
