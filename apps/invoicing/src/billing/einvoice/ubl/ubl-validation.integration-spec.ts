/**
 * The UBL we write, checked by the official artefacts (vendored under ../schemas, see SOURCE.md):
 * the OASIS UBL 2.1 XSD with xmllint (libxml2-utils), and the EN 16931 Schematron rules compiled
 * to XSLT, run with Debian's Saxon-HE (libsaxonhe-java). No server is needed; this is an
 * integration spec because it runs external programs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentKind, type DocumentLineView, TaxCategory } from '../document-view';
import { sampleCreditNoteView, sampleInvoiceView } from '../testing/sample-document-view';
import { fatalRules, xsdErrors } from '../testing/ubl-validators';
import { renderUbl } from './ubl-writer';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-ubl-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, xml: string): string {
  const file = join(dir, name);
  writeFileSync(file, xml);
  return file;
}

describe('UBL against the UBL 2.1 XSD and the EN 16931 rules', () => {
  it('an invoice is schema-valid and breaks no fatal EN 16931 rule', () => {
    const file = write('invoice.xml', renderUbl(sampleInvoiceView()));
    expect(xsdErrors(file, 'UBL-Invoice-2.1.xsd')).toBeNull();
    expect(fatalRules(file)).toEqual([]);
  });

  it('a credit note is schema-valid and breaks no fatal EN 16931 rule', () => {
    const file = write('credit-note.xml', renderUbl(sampleCreditNoteView()));
    expect(xsdErrors(file, 'UBL-CreditNote-2.1.xsd')).toBeNull();
    expect(fatalRules(file)).toEqual([]);
  });

  it.each([DocumentKind.DEBIT_NOTE, DocumentKind.ADVANCE_INVOICE])(
    'a %s (a UBL Invoice, 383 or 386) is schema-valid and breaks no fatal EN 16931 rule',
    (kind) => {
      const view = { ...sampleInvoiceView(), kind, creditedInvoice: { number: 'INV-2026-000100', issueDate: '2026-11-01' } };
      const file = write(`${kind}.xml`, renderUbl(view));
      expect(xsdErrors(file, 'UBL-Invoice-2.1.xsd')).toBeNull();
      expect(fatalRules(file)).toEqual([]);
    },
  );

  it('an intra-EU business invoice under reverse charge, with both Peppol endpoints and the buyer VAT id, breaks no fatal rule', () => {
    const invoice = sampleInvoiceView();
    const reverse = (l: DocumentLineView) => ({ ...l, taxCategory: TaxCategory.REVERSE_CHARGE, taxRatePercent: '0' });
    const view = {
      ...invoice,
      seller: { ...invoice.seller, endpoint: { scheme: '0106', id: '12345678' } },
      customer: {
        ...invoice.customer,
        vatId: 'DE123456789',
        address: { lines: ['Hauptstr. 1'], city: 'Berlin', postalCode: '10115', countryCode: 'DE' },
        endpoint: { scheme: '9930', id: 'DE123456789' },
      },
      groups: invoice.groups.map((g) => ({ ...g, services: g.services.map((sv) => ({ ...sv, lines: sv.lines.map(reverse) })) })),
      taxSubtotals: [
        { category: TaxCategory.REVERSE_CHARGE, ratePercent: '0', taxableMinor: 11107n, taxMinor: 0n, exemptionReason: 'Reverse charge' },
      ],
      totals: { ...invoice.totals, taxMinor: 0n, grossMinor: 11107n, payableMinor: 11107n },
    };
    const xml = renderUbl(view);
    expect(xml).toContain('<cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>');
    expect(xml).toContain('<cbc:EndpointID schemeID="9930">DE123456789</cbc:EndpointID>');
    const file = write('reverse-charge.xml', xml);
    expect(xsdErrors(file, 'UBL-Invoice-2.1.xsd')).toBeNull();
    expect(fatalRules(file)).toEqual([]);
    // The rules do check it: the same invoice without the buyer VAT id breaks BR-AE-02.
    const noVat = write('reverse-charge-no-vat.xml', renderUbl({ ...view, customer: { ...view.customer, vatId: undefined } }));
    expect(fatalRules(noVat)).toContain('BR-AE-02');
  });

  it('a credit note that stands alone, and a document without period or postal code, break no fatal rule', () => {
    const invoice = sampleInvoiceView();
    const { postalCode: _none, ...address } = invoice.customer.address;
    const bare = write('bare.xml', renderUbl({ ...invoice, period: undefined, customer: { ...invoice.customer, address } }));
    expect(xsdErrors(bare, 'UBL-Invoice-2.1.xsd')).toBeNull();
    expect(fatalRules(bare)).toEqual([]);
    const alone = write('alone.xml', renderUbl({ ...sampleCreditNoteView(), creditedInvoice: undefined }));
    expect(xsdErrors(alone, 'UBL-CreditNote-2.1.xsd')).toBeNull();
    expect(fatalRules(alone)).toEqual([]);
  });

  it('the checks do catch a broken document: a wrong tax amount, and elements out of order', () => {
    const xml = renderUbl(sampleInvoiceView());
    const wrongTax = write(
      'wrong-tax.xml',
      xml.replace('<cbc:TaxAmount currencyID="EUR">21.23</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="EUR">21.22</cbc:TaxAmount>'),
    );
    expect(fatalRules(wrongTax)).toEqual(['BR-CO-14'] /* tax total is not the sum of the subtotals; BR-CO-17 allows one cent either way */);
    const disordered = write(
      'disordered.xml',
      xml.replace(/(<cbc:IssueDate>[^<]*<\/cbc:IssueDate>)(<cbc:DueDate>[^<]*<\/cbc:DueDate>)/, '$2$1'),
    );
    expect(xsdErrors(disordered, 'UBL-Invoice-2.1.xsd')).toMatch(/IssueDate|DueDate/);
  });
});
