/**
 * Sample documents for the render specs and the render bench: a convergent account (mobile and
 * fibre) with a fee, usage, an instalment, a discount and a reduced-rate item, in EUR with 21%
 * and 9% VAT; and a credit note for the reduced-rate item. Tax per rate is rounded half up from
 * the taxable amount, as EN 16931 BR-CO-17 checks it: 101.08 x 21% = 21.2268 -> 21.23; 9.99 x 9% = 0.8991 -> 0.90.
 */
import { creditorReference } from '@app/money';
import { DocumentKind, DocumentView, SellerParty, TaxCategory } from '../document-view';

const PERIOD = { start: '2026-11-01', end: '2026-11-30' };

export const SAMPLE_SELLER: SellerParty = {
  name: 'Ratel Telecom B.V.',
  address: { lines: ['Stationsplein 1'], city: 'Utrecht', postalCode: '3511 ED', countryCode: 'NL' },
  vatId: 'NL123456789B01',
  iban: 'NL91ABNA0417164300',
  bic: 'ABNANL2A',
};

function line(id: number, description: string, quantity: string, unitCode: string, unitPrice: string, netMinor: bigint, rate = '21') {
  return {
    id: String(id),
    description,
    quantity,
    unitCode,
    unitPrice,
    netMinor,
    taxCategory: TaxCategory.STANDARD,
    taxRatePercent: rate,
    period: PERIOD,
  };
}

export function sampleInvoiceView(overrides: Partial<DocumentView> = {}): DocumentView {
  return {
    kind: DocumentKind.INVOICE,
    number: 'INV-2026-000123',
    issueDate: '2026-12-01',
    dueDate: '2026-12-15',
    period: PERIOD,
    seller: SAMPLE_SELLER,
    customer: {
      name: 'Jan de Vries & Zn. <"Café">',
      accountId: 'ACC-000042',
      address: { lines: ['Kerkstraat 12', '2nd floor'], city: 'Amsterdam', postalCode: '1017 GL', countryCode: 'NL' },
    },
    groups: [
      {
        subscriptionId: 'sub-1',
        label: 'Mobile M - +31 6 1234 5678',
        services: [
          { service: 'Monthly fee', lines: [line(1, 'Mobile M monthly fee', '1', 'MON', '25.00', 2500n)] },
          {
            service: 'Voice',
            usage: { events: 148, quantity: '312', unitCode: 'MIN' },
            lines: [line(2, 'Calls, national', '312', 'MIN', '0.05', 1560n)],
          },
          {
            service: 'Data',
            usage: { events: 903, quantity: '2048', unitCode: '4L' },
            lines: [line(3, 'Data, national', '2048', '4L', '0.01', 2048n)],
          },
        ],
      },
      {
        subscriptionId: 'sub-2',
        label: 'Fibre 500 - FTTH-000123',
        services: [
          { service: 'Monthly fee', lines: [line(4, 'Fibre 500 monthly fee', '1', 'MON', '40.00', 4000n)] },
          {
            service: 'Equipment and discounts',
            lines: [
              line(5, 'Router lease, instalment 3 of 12', '1', 'C62', '5.00', 500n),
              line(6, 'Convergent discount (mobile + fibre)', '-1', 'C62', '5.00', -500n),
              line(7, 'E-book bundle', '1', 'C62', '9.99', 999n, '9'),
            ],
          },
        ],
      },
    ],
    taxSubtotals: [
      { category: TaxCategory.STANDARD, ratePercent: '21', taxableMinor: 10108n, taxMinor: 2123n },
      { category: TaxCategory.STANDARD, ratePercent: '9', taxableMinor: 999n, taxMinor: 90n },
    ],
    totals: { currency: 'EUR', netMinor: 11107n, taxMinor: 2213n, grossMinor: 13320n, payableMinor: 13320n },
    paymentTerms: { netDays: 14, text: 'Payment within 14 days of the invoice date, quoting the payment reference.' },
    creditorReference: creditorReference('2026000123'),
    ...overrides,
  };
}

export function sampleCreditNoteView(): DocumentView {
  const invoice = sampleInvoiceView();
  return {
    ...invoice,
    kind: DocumentKind.CREDIT_NOTE,
    number: 'CRN-2026-000007',
    issueDate: '2026-12-05',
    dueDate: '2026-12-05',
    groups: [
      {
        subscriptionId: 'sub-2',
        label: 'Fibre 500 - FTTH-000123',
        services: [{ service: 'Equipment and discounts', lines: [line(1, 'E-book bundle, not delivered', '1', 'C62', '9.99', 999n, '9')] }],
      },
    ],
    taxSubtotals: [{ category: TaxCategory.STANDARD, ratePercent: '9', taxableMinor: 999n, taxMinor: 90n }],
    totals: { currency: 'EUR', netMinor: 999n, taxMinor: 90n, grossMinor: 1089n, payableMinor: 1089n },
    paymentTerms: { netDays: 0, text: 'Credited to your account; it settles your next invoice.' },
    creditorReference: creditorReference('2026900007'),
    creditedInvoice: { number: invoice.number, issueDate: invoice.issueDate },
  };
}
