import { formatMinor } from '../amount-format';
import { DocumentKind } from '../document-view';
import { RenderError, RenderErrorCode } from '../render-error';
import { sampleCreditNoteView, sampleInvoiceView } from '../testing/sample-document-view';
import { renderUbl, UBL_CUSTOMIZATION_ID } from './ubl-writer';
import { escapeXml } from './xml-writer';

describe('formatMinor', () => {
  it.each([
    [1234n, 2, '12.34'],
    [-5n, 2, '-0.05'],
    [0n, 2, '0.00'],
    [7n, 0, '7'],
    [1n, 3, '0.001'],
    [123456789012345678901234567890n, 2, '1234567890123456789012345678.90'],
  ])('(%s, %s) -> %s', (minor, exponent, text) => {
    expect(formatMinor(minor, exponent)).toBe(text);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });
  it.each([['\u0001'], ['\uD800'], ['\uFFFE']])('refuses a character XML cannot hold (%j)', (c) => {
    expect(() => escapeXml(`x${c}y`)).toThrow(RenderError);
  });
});

describe('renderUbl', () => {
  it('writes an EN 16931 / Peppol invoice with totals, tax per rate, RF payment id and one line per view line', () => {
    const xml = renderUbl(sampleInvoiceView());
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'),
    ).toBe(true);
    expect(xml).toContain(`<cbc:CustomizationID>${UBL_CUSTOMIZATION_ID}</cbc:CustomizationID>`);
    expect(xml).toContain('<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>');
    expect(xml).toContain('<cbc:DueDate>2026-12-15</cbc:DueDate>');
    expect(xml).toContain(`<cbc:PaymentID>${sampleInvoiceView().creditorReference}</cbc:PaymentID>`);
    expect(xml).toContain('<cbc:TaxAmount currencyID="EUR">22.13</cbc:TaxAmount>');
    expect(xml).toContain(
      '<cbc:TaxableAmount currencyID="EUR">101.08</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">21.23</cbc:TaxAmount>',
    );
    expect(xml).toContain('<cbc:TaxInclusiveAmount currencyID="EUR">133.20</cbc:TaxInclusiveAmount>');
    expect(xml).toContain('<cbc:PayableAmount currencyID="EUR">133.20</cbc:PayableAmount>');
    expect(xml).toContain('<cbc:LineExtensionAmount currencyID="EUR">-5.00</cbc:LineExtensionAmount>');
    expect(xml.match(/<cac:InvoiceLine>/g)).toHaveLength(7);
    expect(xml).toContain('Jan de Vries &amp; Zn. &lt;&quot;Café&quot;&gt;');
    expect(xml).not.toContain('BillingReference');
  });

  it('writes a credit note with its BillingReference, CreditNoteLine and the due date under PaymentMeans', () => {
    const xml = renderUbl(sampleCreditNoteView());
    expect(xml).toContain('<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"');
    expect(xml).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
    expect(xml).toContain(
      '<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>INV-2026-000123</cbc:ID><cbc:IssueDate>2026-12-01</cbc:IssueDate>',
    );
    expect(xml).toContain('<cbc:PaymentDueDate>2026-12-05</cbc:PaymentDueDate>');
    expect(xml).not.toContain('<cbc:DueDate>');
    expect(xml.match(/<cac:CreditNoteLine>/g)).toHaveLength(1);
  });

  it('writes a credit note that stands alone (no invoice to reference) without a BillingReference', () => {
    const xml = renderUbl({ ...sampleCreditNoteView(), creditedInvoice: undefined });
    expect(xml).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
    expect(xml).not.toContain('BillingReference');
  });

  it.each([
    [DocumentKind.DEBIT_NOTE, '383'],
    [DocumentKind.ADVANCE_INVOICE, '386'],
  ])('writes a %s as a UBL Invoice with type code %s', (kind, code) => {
    const invoice = sampleInvoiceView();
    const xml = renderUbl({ ...invoice, kind, creditedInvoice: { number: 'INV-2026-000100', issueDate: '2026-11-01' } });
    expect(xml).toContain('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"');
    expect(xml).toContain(`<cbc:InvoiceTypeCode>${code}</cbc:InvoiceTypeCode>`);
    expect(xml).toContain('<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>INV-2026-000100</cbc:ID>');
  });

  it('leaves out the period and the postal code when the document has none', () => {
    const invoice = sampleInvoiceView();
    const { postalCode: _none, ...address } = invoice.customer.address;
    const xml = renderUbl({ ...invoice, period: undefined, customer: { ...invoice.customer, address } });
    expect(xml).toContain('</cbc:BuyerReference><cac:AccountingSupplierParty>');
    expect(renderUbl(invoice)).toContain('</cbc:BuyerReference><cac:InvoicePeriod>');
    expect(xml).toContain('<cbc:CityName>Amsterdam</cbc:CityName><cac:Country>');
  });

  it('writes a PrepaidAmount when less than gross is payable', () => {
    const view = sampleInvoiceView();
    const xml = renderUbl({ ...view, totals: { ...view.totals, payableMinor: 13000n } });
    expect(xml).toContain(
      '<cbc:PrepaidAmount currencyID="EUR">3.20</cbc:PrepaidAmount><cbc:PayableAmount currencyID="EUR">130.00</cbc:PayableAmount>',
    );
  });

  it('is the same text for the same view', () => {
    expect(renderUbl(sampleInvoiceView())).toBe(renderUbl(sampleInvoiceView()));
  });

  it.each([
    [
      'net that is not the sum of the lines',
      () => ({ ...sampleInvoiceView(), totals: { ...sampleInvoiceView().totals, netMinor: 11108n } }),
      RenderErrorCode.INCONSISTENT_TOTALS,
    ],
    [
      'a gross that is not net plus tax',
      () => ({ ...sampleInvoiceView(), totals: { ...sampleInvoiceView().totals, grossMinor: 1n } }),
      RenderErrorCode.INCONSISTENT_TOTALS,
    ],
    ['a bad RF reference', () => sampleInvoiceView({ creditorReference: 'RF19539007547034' }), RenderErrorCode.INVALID_VIEW],
    [
      'a debit note without the invoice it adds to',
      () => ({ ...sampleInvoiceView(), kind: DocumentKind.DEBIT_NOTE }),
      RenderErrorCode.INVALID_VIEW,
    ],
    ['a malformed date', () => sampleInvoiceView({ dueDate: '2026-13-01' }), RenderErrorCode.INVALID_VIEW],
    [
      'an unknown currency',
      () => ({ ...sampleInvoiceView(), totals: { ...sampleInvoiceView().totals, currency: 'ABC' } }),
      RenderErrorCode.INVALID_VIEW,
    ],
    ['an unknown kind', () => ({ ...sampleInvoiceView(), kind: 'PRO_FORMA' as DocumentKind }), RenderErrorCode.INVALID_VIEW],
  ])('refuses %s', (_why, make, code) => {
    let error: unknown;
    try {
      renderUbl(make());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).code).toBe(code);
  });
});
