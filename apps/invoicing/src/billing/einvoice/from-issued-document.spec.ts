import type { DocumentView as IssuedDocument } from '../render/document-view';
import { issued, line } from '../render/testing/sample-issued-document';
import { DocumentKind, TaxCategory, viewLines } from './document-view';
import { toEInvoice, UblSkipCode } from './from-issued-document';

describe('toEInvoice', () => {
  it('maps an issued invoice: no headings, document line numbers, inclusive periods, positive prices, merged tax subtotals', () => {
    const { view, skip } = toEInvoice(issued());
    expect(skip).toBeUndefined();
    expect(view).toMatchObject({
      kind: DocumentKind.INVOICE,
      period: { start: '2026-11-01', end: '2026-11-30' },
      seller: { address: { lines: ['Stationsplein 1'], city: 'Utrecht', countryCode: 'NL' }, vatId: 'NL123456789B01' },
      customer: { accountId: 'acc-1', address: { lines: ['Kerkstraat 12'], postalCode: '1017 GL' } },
      creditorReference: 'RF18539007547034',
      totals: { payableMinor: 2300n },
    });
    expect(view!.seller.address).not.toHaveProperty('postalCode');
    expect(view!.groups.map((g) => [g.label, g.services.map((s) => s.service)])).toEqual([
      ['Mobile M', ['Recurring']],
      ['Account acc-1', ['Recurring']],
    ]);
    expect(viewLines(view!)).toEqual([
      expect.objectContaining({ id: '2', description: 'Calls (late)', quantity: '600', unitCode: 'SEC', unitPrice: '0.016666667' }),
      expect.objectContaining({ id: '3', quantity: '-1', unitPrice: '10', netMinor: -1000n, taxCategory: 'S', taxRatePercent: '9' }),
      expect.not.objectContaining({ period: expect.anything() }),
    ]);
    expect(view!.taxSubtotals).toEqual([
      { category: TaxCategory.STANDARD, ratePercent: '9', taxableMinor: -1000n, taxMinor: -90n },
      { category: TaxCategory.STANDARD, ratePercent: '21', taxableMinor: 3000n, taxMinor: 390n },
    ]);
  });

  it.each([
    ['DEBIT_NOTE', DocumentKind.DEBIT_NOTE],
    ['ADVANCE_INVOICE', DocumentKind.ADVANCE_INVOICE],
    ['CREDIT_NOTE', DocumentKind.CREDIT_NOTE],
  ] as const)('maps a %s, with the invoice it corrects', (type, kind) => {
    const { view } = toEInvoice(issued({ type, correctsNumber: 'RTL-NL2026-000000', correctsIssueDate: '2026-11-01', periodStart: null }));
    expect(view).toMatchObject({ kind, creditedInvoice: { number: 'RTL-NL2026-000000', issueDate: '2026-11-01' } });
    expect(view!.period).toBeUndefined();
  });

  it('carries the buyer VAT id and both Peppol endpoints, and maps reverse charge (AE) once the buyer VAT id is there', () => {
    const reverse = {
      lines: [line(1, { taxCategory: 'REVERSE_CHARGE', taxRate: '0', amountMinor: 2000n, unitPriceMinor: '2000' })],
      taxes: [{ taxCategory: 'REVERSE_CHARGE', taxRate: '0', taxableMinor: 2000n, taxMinor: 0n }],
      taxMinor: 0n,
      grossMinor: 2000n,
      seller: { ...issued().seller, endpoint: { scheme: '0106', id: '12345678' } },
      customer: { ...issued().customer, vatId: 'DE123456789', endpoint: { scheme: '9930', id: 'DE123456789' } },
    } as Partial<IssuedDocument>;
    const { view, skip } = toEInvoice(issued(reverse));
    expect(skip).toBeUndefined();
    expect(view!.seller.endpoint).toEqual({ scheme: '0106', id: '12345678' });
    expect(view!.customer).toMatchObject({ vatId: 'DE123456789', endpoint: { scheme: '9930', id: 'DE123456789' } });
    expect(view!.taxSubtotals).toEqual([
      { category: TaxCategory.REVERSE_CHARGE, ratePercent: '0', taxableMinor: 2000n, taxMinor: 0n, exemptionReason: 'Reverse charge' },
    ]);
    // Without them, nothing is made up: no endpoint, no VAT id.
    const plain = toEInvoice(issued()).view!;
    expect(plain.seller).not.toHaveProperty('endpoint');
    expect(plain.customer).not.toHaveProperty('vatId');
  });

  it('maps exempt and zero-rated taxes with the reason EN 16931 asks for', () => {
    const doc = issued({
      lines: [line(1, { taxCategory: 'EXEMPT', taxRate: '0' }), line(2, { taxRate: '0' }), line(3, { amountMinor: 0n })],
      taxes: [
        { taxCategory: 'EXEMPT', taxRate: '0', taxableMinor: 1000n, taxMinor: 0n },
        { taxCategory: 'STANDARD', taxRate: '0', taxableMinor: 1000n, taxMinor: 0n },
      ],
    });
    expect(toEInvoice(doc).view!.taxSubtotals).toEqual([
      { category: TaxCategory.EXEMPT, ratePercent: '0', taxableMinor: 1000n, taxMinor: 0n, exemptionReason: 'Exempt from VAT' },
      { category: TaxCategory.ZERO_RATED, ratePercent: '0', taxableMinor: 1000n, taxMinor: 0n },
    ]);
  });

  it.each([
    ['the seller has no address', { seller: { ...issued().seller, postalAddress: null } }, UblSkipCode.SELLER_ADDRESS_MISSING, /le-nl/],
    [
      'the customer has no address',
      { customer: { ...issued().customer, postalAddress: null } },
      UblSkipCode.CUSTOMER_ADDRESS_MISSING,
      /acc-1/,
    ],
    ['a unit without a Rec 20 code', { lines: [line(1, { unit: 'PARSEC' })] }, UblSkipCode.UNSUPPORTED_CONTENT, /line 1: unit PARSEC/],
    [
      'a charged line of category NONE',
      { lines: [line(7, { taxCategory: 'NONE' })] },
      UblSkipCode.UNSUPPORTED_CONTENT,
      /line 7: tax category NONE/,
    ],
    [
      'reverse charge without the buyer VAT id',
      { taxes: [{ taxCategory: 'REVERSE_CHARGE', taxRate: '0', taxableMinor: 2000n, taxMinor: 0n }] },
      UblSkipCode.UNSUPPORTED_CONTENT,
      /BR-AE-02/,
    ],
    ['a currency with 3 decimals', { currency: 'KWD' }, UblSkipCode.UNSUPPORTED_CONTENT, /KWD/],
  ])('skips when %s', (_why, over, code, reason) => {
    const { skip } = toEInvoice(issued(over as Partial<IssuedDocument>));
    expect(skip?.code).toBe(code);
    expect(skip?.reason).toMatch(reason);
  });
});
