/** An issued document as the renderers read it (render/document-view.ts), for specs: two rates, a late usage line, a heading. */
import type { DocumentView as IssuedDocument, LineView } from '../document-view';

const ADDRESS = { street: 'Kerkstraat 12', additionalStreet: null, city: 'Amsterdam', postalCode: '1017 GL', countryCode: 'NL' };

export function line(lineNo: number, over: Partial<LineView> = {}): LineView {
  return {
    lineNo,
    parentLineNo: null,
    kind: 'RECURRING',
    description: 'Fee',
    quantity: '1',
    unit: 'EA',
    unitPriceMinor: '1000',
    amountMinor: 1000n,
    taxCategory: 'STANDARD',
    taxRate: '0.21',
    late: false,
    subscriptionId: null,
    periodStart: '2026-11-01',
    periodEnd: '2026-12-01',
    ...over,
  };
}

export function issued(over: Partial<IssuedDocument> = {}): IssuedDocument {
  return {
    id: 'd-1',
    type: 'INVOICE',
    number: 'RTL-NL2026-000001',
    issueDate: '2026-12-01',
    dueDate: '2026-12-15',
    periodStart: '2026-11-01',
    periodEnd: '2026-12-01',
    currency: 'EUR',
    netMinor: 2000n,
    taxMinor: 300n,
    grossMinor: 2300n,
    paymentReference: 'RF18539007547034',
    paymentTermsDays: 14,
    correctsNumber: null,
    correctsIssueDate: null,
    accountId: 'acc-1',
    legalEntityId: 'le-nl',
    seller: {
      name: 'Ratel B.V.',
      addressLines: ['Stationsplein 1'],
      vatId: 'NL123456789B01',
      country: 'NL',
      iban: 'NL91ABNA0417164300',
      bic: null,
      email: null,
      postalAddress: { ...ADDRESS, street: 'Stationsplein 1', city: 'Utrecht', postalCode: null },
    },
    customer: { name: 'Jan', addressLines: [], email: null, postalAddress: ADDRESS },
    lines: [
      line(1, {
        kind: 'SUBSCRIPTION',
        description: 'Mobile M',
        unit: 'SUBSCRIPTION',
        amountMinor: 1000n,
        taxCategory: 'NONE',
        taxRate: '0',
      }),
      line(2, {
        parentLineNo: 1,
        subscriptionId: 's-1',
        late: true,
        description: 'Calls',
        unit: 'SECONDS',
        quantity: '600',
        unitPriceMinor: '1.6666666667',
      }),
      line(3, { taxCategory: 'REDUCED', taxRate: '0.09', unitPriceMinor: '-1000', amountMinor: -1000n, quantity: '1' }),
      line(4, { taxCategory: 'REDUCED', taxRate: '0.21', amountMinor: 2000n, unitPriceMinor: '2000', periodStart: null, periodEnd: null }),
    ],
    taxes: [
      { taxCategory: 'REDUCED', taxRate: '0.09', taxableMinor: -1000n, taxMinor: -90n },
      { taxCategory: 'REDUCED', taxRate: '0.21', taxableMinor: 2000n, taxMinor: 210n },
      { taxCategory: 'STANDARD', taxRate: '0.21', taxableMinor: 1000n, taxMinor: 180n },
    ],
    ...over,
  };
}
