/**
 * What a rendered billing document shows: the one input of both renderers (PDF and UBL). It is
 * built from an issued document (numbered, finalized) and carries everything already computed:
 * renderers format, they never compute money. Amounts are integers of the currency's minor unit
 * (ISO 4217 exponent), as on the document. Dates are ISO calendar dates (YYYY-MM-DD) in the
 * seller's time zone, as printed.
 *
 * Sign convention: amounts are as the document states them. A credit note states positive
 * amounts (what is credited), as UBL's CreditNote does; a line may be negative (a discount).
 */
import { isCurrencyCode, isValidCreditorReference } from '@app/money';
import { RenderError, RenderErrorCode } from './render-error';

/** What the document is; all but CREDIT_NOTE are a UBL Invoice (with their own UNCL1001 type code). */
export enum DocumentKind {
  INVOICE = 'INVOICE',
  CREDIT_NOTE = 'CREDIT_NOTE',
  /** Adds charges to an issued invoice (UNCL1001 383, which EN 16931 and Peppol BIS 3.0 accept). */
  DEBIT_NOTE = 'DEBIT_NOTE',
  /** Bills a deposit or a prepayment (UNCL1001 386, prepayment invoice). */
  ADVANCE_INVOICE = 'ADVANCE_INVOICE',
}
const DOCUMENT_KINDS: ReadonlySet<string> = new Set(Object.values(DocumentKind));

/** EN 16931 VAT category codes (UNCL5305 subset) the tax port produces. */
export enum TaxCategory {
  /** Standard or reduced rate. */
  STANDARD = 'S',
  ZERO_RATED = 'Z',
  EXEMPT = 'E',
  REVERSE_CHARGE = 'AE',
}

/** Most lines on one document; beyond this the run splits the account's usage into more lines' summaries. */
export const LINES_PER_DOCUMENT_MAX = 2_000;
/** Most tax subtotals (category and rate pairs) on one document. */
export const TAX_SUBTOTALS_MAX = 16;
/** Longest free text of a view (names, descriptions, address lines, terms). */
export const VIEW_TEXT_MAX_LENGTH = 200;

export interface PostalAddress {
  /** Street lines, 1 to 3. */
  readonly lines: readonly string[];
  readonly city: string;
  /** Absent where the country has none (EN 16931 BT-38 and BT-53 are optional). */
  readonly postalCode?: string;
  /** ISO 3166-1 alpha-2. */
  readonly countryCode: string;
}

export interface CustomerParty {
  readonly name: string;
  /** The billing account id, printed as the customer number. */
  readonly accountId: string;
  readonly address: PostalAddress;
  /** VAT id of a business customer; required for reverse charge. */
  readonly vatId?: string;
  /** Electronic address (BT-49): a CEF EAS scheme code and the identifier in it. */
  readonly endpoint?: ElectronicAddress;
}

/** A Peppol electronic address: UBL `cbc:EndpointID` with `schemeID`. */
export interface ElectronicAddress {
  /** CEF EAS code (EN 16931 BR-CL-25): 4 digits or 2 letters. */
  readonly scheme: string;
  readonly id: string;
}

export interface SellerParty {
  /** Legal name of the legal entity that bills the account. */
  readonly name: string;
  readonly address: PostalAddress;
  /** VAT identifier with its country prefix, e.g. "NL123456789B01". */
  readonly vatId: string;
  /** IBAN payments go to, electronic form (no spaces). */
  readonly iban: string;
  readonly bic?: string;
  /** Electronic address (BT-34). */
  readonly endpoint?: ElectronicAddress;
}

export interface DatePeriod {
  /** First day, inclusive. */
  readonly start: string;
  /** Last day, inclusive. */
  readonly end: string;
}

export interface DocumentLineView {
  /** The line's id on the document: 1, 2, 3... in document order. */
  readonly id: string;
  readonly description: string;
  /** Decimal text, e.g. "1", "312.5". */
  readonly quantity: string;
  /** UN/ECE Recommendation 20 unit code: C62 (one), MIN (minute), 4L (megabyte), MON (month)... */
  readonly unitCode: string;
  /** Net price per unit as decimal text in major units, as rated (may have more decimals than the currency). */
  readonly unitPrice: string;
  /** Net line amount (after the line's discount), minor units. */
  readonly netMinor: bigint;
  readonly taxCategory: TaxCategory;
  /** Percent as decimal text, e.g. "21", "9", "0". */
  readonly taxRatePercent: string;
  readonly period?: DatePeriod;
}

/** Usage of one service in the period, for the reader: "312 events, 1 250 MIN". */
export interface UsageSummary {
  readonly events: number;
  readonly quantity: string;
  readonly unitCode: string;
}

export interface ServiceGroupView {
  /** Service name as printed: "Voice", "Data", "Monthly fee"... */
  readonly service: string;
  readonly lines: readonly DocumentLineView[];
  readonly usage?: UsageSummary;
}

export interface SubscriptionGroupView {
  readonly subscriptionId: string;
  /** Printed heading: product and number, e.g. "Mobile M - +31 6 1234 5678". */
  readonly label: string;
  readonly services: readonly ServiceGroupView[];
}

export interface TaxSubtotalView {
  readonly category: TaxCategory;
  readonly ratePercent: string;
  readonly taxableMinor: bigint;
  readonly taxMinor: bigint;
  /** Required for EXEMPT and REVERSE_CHARGE (EN 16931 BR-E-10, BR-AE-10). */
  readonly exemptionReason?: string;
}

export interface DocumentTotalsView {
  readonly currency: string;
  readonly netMinor: bigint;
  readonly taxMinor: bigint;
  readonly grossMinor: bigint;
  /** What is to be paid: gross less prepaid amounts; equals gross for a plain invoice. */
  readonly payableMinor: bigint;
}

export interface PaymentTermsView {
  readonly netDays: number;
  /** Printed terms, e.g. "Payment within 14 days of the invoice date." */
  readonly text: string;
}

export interface DocumentView {
  readonly kind: DocumentKind;
  /** The issued number (drafts are never rendered). */
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  /** The billing period; notes issued outside a cycle have none. */
  readonly period?: DatePeriod;
  readonly seller: SellerParty;
  readonly customer: CustomerParty;
  readonly groups: readonly SubscriptionGroupView[];
  readonly taxSubtotals: readonly TaxSubtotalView[];
  readonly totals: DocumentTotalsView;
  readonly paymentTerms: PaymentTermsView;
  /** ISO 11649 RF creditor reference, electronic form. */
  readonly creditorReference: string;
  /**
   * For a credit or debit note: the number and issue date of the invoice it corrects (required for a
   * debit note; a credit note that stands alone, a negative invoice turned credit note, has none:
   * EN 16931 BT-25 is optional).
   */
  readonly creditedInvoice?: { readonly number: string; readonly issueDate: string };
}

/** The lines of `view` in document order. */
export function viewLines(view: DocumentView): DocumentLineView[] {
  const lines: DocumentLineView[] = [];
  for (const group of view.groups) for (const service of group.services) lines.push(...service.lines);
  return lines;
}

const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DECIMAL_PATTERN = /^-?\d{1,15}(\.\d{1,9})?$/;

function invalid(field: string, why: string): never {
  throw new RenderError(RenderErrorCode.INVALID_VIEW, `${field}: ${why}`, field);
}

function checkText(field: string, value: string | undefined): void {
  if (typeof value !== 'string' || value.trim().length === 0) invalid(field, 'is required');
  if (value.length > VIEW_TEXT_MAX_LENGTH) invalid(field, `is longer than ${VIEW_TEXT_MAX_LENGTH} characters`);
}

function checkDate(field: string, value: string): void {
  if (!DATE_PATTERN.test(value)) invalid(field, `is not a date YYYY-MM-DD: ${JSON.stringify(value)}`);
}

/**
 * Checks a view before rendering: fields present and well-formed, the totals add up (lines to
 * net, tax subtotals to net and tax, net plus tax to gross). Throws RenderError; returns the view.
 */
export function checkDocumentView(view: DocumentView): DocumentView {
  checkHeader(view);
  const lines = viewLines(view);
  if (lines.length === 0) invalid('groups', 'a document has at least one line');
  if (lines.length > LINES_PER_DOCUMENT_MAX) invalid('groups', `more than LINES_PER_DOCUMENT_MAX (${LINES_PER_DOCUMENT_MAX}) lines`);
  for (const line of lines) {
    checkText(`line ${line.id} description`, line.description);
    if (!DECIMAL_PATTERN.test(line.quantity)) invalid(`line ${line.id} quantity`, 'is not decimal text');
    if (!DECIMAL_PATTERN.test(line.unitPrice)) invalid(`line ${line.id} unitPrice`, 'is not decimal text');
    if (!DECIMAL_PATTERN.test(line.taxRatePercent)) invalid(`line ${line.id} taxRatePercent`, 'is not decimal text');
  }
  if (view.taxSubtotals.length === 0 || view.taxSubtotals.length > TAX_SUBTOTALS_MAX) {
    invalid('taxSubtotals', `1 to TAX_SUBTOTALS_MAX (${TAX_SUBTOTALS_MAX}) subtotals`);
  }
  checkTotals(view, lines);
  return view;
}

function checkHeader(view: DocumentView): void {
  if (!DOCUMENT_KINDS.has(view.kind)) invalid('kind', `is not one of ${[...DOCUMENT_KINDS].join(', ')}`);
  checkText('number', view.number);
  checkDate('issueDate', view.issueDate);
  checkDate('dueDate', view.dueDate);
  if (view.period !== undefined) {
    checkDate('period.start', view.period.start);
    checkDate('period.end', view.period.end);
    if (view.period.end < view.period.start) invalid('period', 'ends before it starts');
  }
  checkText('seller.name', view.seller.name);
  checkText('seller.vatId', view.seller.vatId);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(view.seller.iban)) invalid('seller.iban', 'is not an IBAN in electronic form');
  checkText('customer.name', view.customer.name);
  checkText('customer.accountId', view.customer.accountId);
  if (view.customer.vatId !== undefined) checkText('customer.vatId', view.customer.vatId);
  for (const [party, endpoint] of [
    ['seller', view.seller.endpoint],
    ['customer', view.customer.endpoint],
  ] as const) {
    if (endpoint === undefined) continue;
    if (!/^([0-9]{4}|[A-Z]{2})$/.test(endpoint.scheme)) invalid(`${party}.endpoint.scheme`, 'is not a CEF EAS code');
    if (!/^[\x21-\x7e]{1,128}$/.test(endpoint.id)) invalid(`${party}.endpoint.id`, 'is not printable ASCII of 1 to 128 characters');
  }
  checkText('paymentTerms.text', view.paymentTerms.text);
  if (!isCurrencyCode(view.totals.currency)) invalid('totals.currency', 'is not an ISO 4217 currency');
  if (!isValidCreditorReference(view.creditorReference)) invalid('creditorReference', 'is not a valid ISO 11649 RF reference');
  if (view.kind === DocumentKind.DEBIT_NOTE && view.creditedInvoice === undefined) {
    invalid('creditedInvoice', 'a debit note names the invoice it adds to');
  }
  if (view.creditedInvoice !== undefined) {
    checkText('creditedInvoice.number', view.creditedInvoice.number);
    checkDate('creditedInvoice.issueDate', view.creditedInvoice.issueDate);
  }
}

function checkTotals(view: DocumentView, lines: readonly DocumentLineView[]): void {
  const totals = view.totals;
  const inconsistent = (why: string): never => {
    throw new RenderError(RenderErrorCode.INCONSISTENT_TOTALS, why, 'totals');
  };
  const lineSum = lines.reduce((sum, line) => sum + line.netMinor, 0n);
  if (lineSum !== totals.netMinor) inconsistent(`lines sum to ${lineSum}, net is ${totals.netMinor}`);
  const taxable = view.taxSubtotals.reduce((sum, s) => sum + s.taxableMinor, 0n);
  if (taxable !== totals.netMinor) inconsistent(`taxable amounts sum to ${taxable}, net is ${totals.netMinor}`);
  const tax = view.taxSubtotals.reduce((sum, s) => sum + s.taxMinor, 0n);
  if (tax !== totals.taxMinor) inconsistent(`tax subtotals sum to ${tax}, tax is ${totals.taxMinor}`);
  if (totals.netMinor + totals.taxMinor !== totals.grossMinor) inconsistent('net plus tax is not gross');
  if (totals.payableMinor > totals.grossMinor) inconsistent('payable is more than gross');
}
