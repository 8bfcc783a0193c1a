/**
 * UBL 2.1 Invoice and CreditNote following EN 16931 and Peppol BIS Billing 3.0, from a checked
 * DocumentView. Element order is the UBL schema's sequence order (xmllint checks it in the
 * integration spec, with the EN 16931 Schematron). Amounts are written from minor units exactly.
 *
 * The parties' EndpointID (Peppol's electronic addresses, BT-34 and BT-49) is written when the legal
 * entity and the billing account hold one; Peppol BIS needs both to route the document.
 * Not written (yet): document-level allowances and charges (discounts are lines), and currencies with
 * more than 2 decimals break EN 16931's BR-DEC rules (no such currency is billed today).
 */
import { currencyExponent } from '@app/money';
import { formatMinor } from '../amount-format';
import {
  checkDocumentView,
  CustomerParty,
  type ElectronicAddress,
  DocumentKind,
  DocumentLineView,
  DocumentView,
  PostalAddress,
  SellerParty,
  viewLines,
} from '../document-view';
import { XmlWriter } from './xml-writer';

export const UBL_CUSTOMIZATION_ID = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const UBL_PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
/** UNCL1001 document type codes: commercial invoice, credit note, debit note, prepayment invoice. */
const TYPE_CODES: Readonly<Record<DocumentKind, string>> = {
  [DocumentKind.INVOICE]: '380',
  [DocumentKind.CREDIT_NOTE]: '381',
  [DocumentKind.DEBIT_NOTE]: '383',
  [DocumentKind.ADVANCE_INVOICE]: '386',
};
/** UNCL4461: SEPA credit transfer. */
const PAYMENT_MEANS_SEPA_CREDIT_TRANSFER = '58';

const NS = {
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
};

/** The UBL XML of `view` (a CreditNote for a credit note, else an Invoice with the kind's type code), UTF-8 text. */
export function renderUbl(view: DocumentView): string {
  checkDocumentView(view);
  const isCredit = view.kind === DocumentKind.CREDIT_NOTE;
  const exponent = currencyExponent(view.totals.currency);
  const money = (minor: bigint) => formatMinor(minor, exponent);
  const currencyID = view.totals.currency;
  const x = new XmlWriter();
  x.start(isCredit ? 'CreditNote' : 'Invoice', { xmlns: isCredit ? NS.creditNote : NS.invoice, 'xmlns:cac': NS.cac, 'xmlns:cbc': NS.cbc });
  x.leaf('cbc:CustomizationID', UBL_CUSTOMIZATION_ID).leaf('cbc:ProfileID', UBL_PROFILE_ID);
  x.leaf('cbc:ID', view.number).leaf('cbc:IssueDate', view.issueDate);
  if (!isCredit) x.leaf('cbc:DueDate', view.dueDate);
  x.leaf(isCredit ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode', TYPE_CODES[view.kind]);
  x.leaf('cbc:DocumentCurrencyCode', currencyID).leaf('cbc:BuyerReference', view.customer.accountId);
  if (view.period !== undefined) {
    x.start('cac:InvoicePeriod').leaf('cbc:StartDate', view.period.start).leaf('cbc:EndDate', view.period.end).end();
  }
  if (view.creditedInvoice !== undefined) {
    x.start('cac:BillingReference').start('cac:InvoiceDocumentReference');
    x.leaf('cbc:ID', view.creditedInvoice.number).leaf('cbc:IssueDate', view.creditedInvoice.issueDate).end().end();
  }
  writeSeller(x, view.seller);
  writeCustomer(x, view.customer);
  x.start('cac:PaymentMeans').leaf('cbc:PaymentMeansCode', PAYMENT_MEANS_SEPA_CREDIT_TRANSFER);
  if (isCredit) x.leaf('cbc:PaymentDueDate', view.dueDate);
  x.leaf('cbc:PaymentID', view.creditorReference);
  x.start('cac:PayeeFinancialAccount').leaf('cbc:ID', view.seller.iban);
  if (view.seller.bic !== undefined) x.start('cac:FinancialInstitutionBranch').leaf('cbc:ID', view.seller.bic).end();
  x.end().end();
  x.start('cac:PaymentTerms').leaf('cbc:Note', view.paymentTerms.text).end();
  writeTaxTotal(x, view, money);
  const t = view.totals;
  x.start('cac:LegalMonetaryTotal');
  x.leaf('cbc:LineExtensionAmount', money(t.netMinor), { currencyID });
  x.leaf('cbc:TaxExclusiveAmount', money(t.netMinor), { currencyID });
  x.leaf('cbc:TaxInclusiveAmount', money(t.grossMinor), { currencyID });
  if (t.payableMinor !== t.grossMinor) x.leaf('cbc:PrepaidAmount', money(t.grossMinor - t.payableMinor), { currencyID });
  x.leaf('cbc:PayableAmount', money(t.payableMinor), { currencyID });
  x.end();
  for (const line of viewLines(view)) writeLine(x, line, isCredit, currencyID, money);
  return x.end().toString();
}

function writeAddress(x: XmlWriter, address: PostalAddress): void {
  x.start('cac:PostalAddress');
  x.leaf('cbc:StreetName', address.lines[0]).leaf('cbc:AdditionalStreetName', address.lines[1]);
  x.leaf('cbc:CityName', address.city).leaf('cbc:PostalZone', address.postalCode);
  if (address.lines[2] !== undefined) x.start('cac:AddressLine').leaf('cbc:Line', address.lines[2]).end();
  x.start('cac:Country').leaf('cbc:IdentificationCode', address.countryCode).end();
  x.end();
}

function writeTaxScheme(x: XmlWriter, companyId: string): void {
  x.start('cac:PartyTaxScheme').leaf('cbc:CompanyID', companyId).start('cac:TaxScheme').leaf('cbc:ID', 'VAT').end().end();
}

function writeEndpoint(x: XmlWriter, endpoint: ElectronicAddress | undefined): void {
  if (endpoint !== undefined) x.leaf('cbc:EndpointID', endpoint.id, { schemeID: endpoint.scheme });
}

function writeSeller(x: XmlWriter, seller: SellerParty): void {
  x.start('cac:AccountingSupplierParty').start('cac:Party');
  writeEndpoint(x, seller.endpoint);
  x.start('cac:PartyName').leaf('cbc:Name', seller.name).end();
  writeAddress(x, seller.address);
  writeTaxScheme(x, seller.vatId);
  x.start('cac:PartyLegalEntity').leaf('cbc:RegistrationName', seller.name).end();
  x.end().end();
}

function writeCustomer(x: XmlWriter, customer: CustomerParty): void {
  x.start('cac:AccountingCustomerParty').start('cac:Party');
  writeEndpoint(x, customer.endpoint);
  x.start('cac:PartyIdentification').leaf('cbc:ID', customer.accountId).end();
  x.start('cac:PartyName').leaf('cbc:Name', customer.name).end();
  writeAddress(x, customer.address);
  if (customer.vatId !== undefined) writeTaxScheme(x, customer.vatId);
  x.start('cac:PartyLegalEntity').leaf('cbc:RegistrationName', customer.name).end();
  x.end().end();
}

function writeTaxTotal(x: XmlWriter, view: DocumentView, money: (minor: bigint) => string): void {
  const currencyID = view.totals.currency;
  x.start('cac:TaxTotal').leaf('cbc:TaxAmount', money(view.totals.taxMinor), { currencyID });
  for (const s of view.taxSubtotals) {
    x.start('cac:TaxSubtotal');
    x.leaf('cbc:TaxableAmount', money(s.taxableMinor), { currencyID }).leaf('cbc:TaxAmount', money(s.taxMinor), { currencyID });
    x.start('cac:TaxCategory').leaf('cbc:ID', s.category).leaf('cbc:Percent', s.ratePercent);
    x.leaf('cbc:TaxExemptionReason', s.exemptionReason);
    x.start('cac:TaxScheme').leaf('cbc:ID', 'VAT').end().end().end();
  }
  x.end();
}

function writeLine(x: XmlWriter, line: DocumentLineView, isCredit: boolean, currencyID: string, money: (minor: bigint) => string): void {
  x.start(isCredit ? 'cac:CreditNoteLine' : 'cac:InvoiceLine').leaf('cbc:ID', line.id);
  x.leaf(isCredit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity', line.quantity, { unitCode: line.unitCode });
  x.leaf('cbc:LineExtensionAmount', money(line.netMinor), { currencyID });
  if (line.period !== undefined) {
    x.start('cac:InvoicePeriod').leaf('cbc:StartDate', line.period.start).leaf('cbc:EndDate', line.period.end).end();
  }
  x.start('cac:Item').leaf('cbc:Name', line.description);
  x.start('cac:ClassifiedTaxCategory').leaf('cbc:ID', line.taxCategory).leaf('cbc:Percent', line.taxRatePercent);
  x.start('cac:TaxScheme').leaf('cbc:ID', 'VAT').end().end().end();
  x.start('cac:Price').leaf('cbc:PriceAmount', line.unitPrice, { currencyID }).end();
  x.end();
}
