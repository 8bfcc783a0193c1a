/**
 * An issued document as read for rendering (../render/document-view.ts, the PDF's input) mapped to
 * the e-invoice view the UBL writer takes, or the reason it cannot be one. Pure: no I/O, no clock.
 *
 * - Kinds: INVOICE (UBL Invoice 380), CREDIT_NOTE (CreditNote 381), DEBIT_NOTE (Invoice 383, with
 *   the invoice it adds to), ADVANCE_INVOICE (Invoice 386); EN 16931 and Peppol BIS 3.0 accept all four.
 * - Lines: every line but the SUBSCRIPTION headings (a heading is no charge: COMPUTE stores it with
 *   no amount; an older heading held its children's subtotal, never billed twice here), in document order, each with its document line number as its UBL line id. A line
 *   with a negative unit price (a discount, a usage credit) gets a positive price and a negative
 *   quantity (BR-27: a price is never negative). The unit price is in major units, rounded half up
 *   to 9 decimals when the rated price has more (it is informative: the line amount is exact).
 * - Periods: documents and lines hold them end-exclusive; UBL's end date is inclusive (the day before).
 * - Tax: STANDARD and REDUCED are S (Z at 0 %), EXEMPT is E, REVERSE_CHARGE is AE; subtotals of the
 *   same UBL category and rate are merged.
 */
import Decimal from 'decimal.js';
import { currencyExponent } from '@app/money';
import { addDays } from '../cycles/cycle-periods';
import type { DocumentView as IssuedDocument, LineView, PostalAddressView } from '../render/document-view';
import {
  type DatePeriod,
  DocumentKind,
  type DocumentLineView,
  type DocumentView as EInvoice,
  type PostalAddress,
  type SubscriptionGroupView,
  TaxCategory,
  type TaxSubtotalView,
} from './document-view';

/** Why a document has no UBL rendition (billing_rendition.skip_code). */
export enum UblSkipCode {
  /** The legal entity has no structured postal address (POST /v1/legal-entities postalAddress). */
  SELLER_ADDRESS_MISSING = 'SELLER_ADDRESS_MISSING',
  /** The billing account has no bill-to address (PUT /v1/accounts/{id}/billing-terms billingAddress). */
  CUSTOMER_ADDRESS_MISSING = 'CUSTOMER_ADDRESS_MISSING',
  /** Something EN 16931 cannot say as we hold it: see UNSUPPORTED reasons below. */
  UNSUPPORTED_CONTENT = 'UNSUPPORTED_CONTENT',
  /** The view broke a rule of the writer (RenderError: a missing field, totals that do not add up). */
  INVALID_DOCUMENT = 'INVALID_DOCUMENT',
}

/** Skips that a later RENDER tries again: the address may have been added since. */
export const UBL_SKIP_CODES_RETRIED: readonly UblSkipCode[] = [UblSkipCode.SELLER_ADDRESS_MISSING, UblSkipCode.CUSTOMER_ADDRESS_MISSING];

export interface UblSkip {
  readonly code: UblSkipCode;
  readonly reason: string;
}

export type EInvoiceMapping =
  { readonly view: EInvoice; readonly skip?: undefined } | { readonly view?: undefined; readonly skip: UblSkip };

/** Most decimals of an amount EN 16931 allows (BR-DEC-*). */
const AMOUNT_DECIMALS_MAX = 2;
/** Decimals of a unit price in the view (its DECIMAL_PATTERN). */
const PRICE_DECIMALS = 9;

/** Our line units to UN/ECE Recommendation 20 codes (BR-CL-23). */
const UNIT_CODES: Readonly<Record<string, string>> = {
  EA: 'C62',
  EACH: 'C62',
  PART: 'C62',
  EVENTS: 'C62',
  SUBSCRIPTION: 'C62',
  SECOND: 'SEC',
  SECONDS: 'SEC',
  MINUTE: 'MIN',
  MIN: 'MIN',
  BYTES: 'AD',
  KB: '2P',
  MB: '4L',
  GB: 'E34',
  DAY: 'DAY',
  MONTH: 'MON',
  MONTHLY: 'MON',
  QUARTERLY: 'QAN',
  ANNUAL: 'ANN',
};

const KINDS: Readonly<Record<IssuedDocument['type'], DocumentKind>> = {
  INVOICE: DocumentKind.INVOICE,
  CREDIT_NOTE: DocumentKind.CREDIT_NOTE,
  DEBIT_NOTE: DocumentKind.DEBIT_NOTE,
  ADVANCE_INVOICE: DocumentKind.ADVANCE_INVOICE,
};

/** Wording of BR-E-10 and BR-AE-10 (a reason is required for these categories). */
const EXEMPTION_REASONS: Partial<Record<TaxCategory, string>> = {
  [TaxCategory.EXEMPT]: 'Exempt from VAT',
  [TaxCategory.REVERSE_CHARGE]: 'Reverse charge',
};

/** The e-invoice view of `doc`, or why it has none. */
export function toEInvoice(doc: IssuedDocument): EInvoiceMapping {
  if (doc.seller.postalAddress === null) {
    return skip(UblSkipCode.SELLER_ADDRESS_MISSING, `legal entity ${doc.legalEntityId} has no structured postal address`);
  }
  if (doc.customer.postalAddress === null) {
    return skip(UblSkipCode.CUSTOMER_ADDRESS_MISSING, `billing account ${doc.accountId} has no billing address`);
  }
  const unsupported = unsupportedContent(doc);
  if (unsupported !== null) return skip(UblSkipCode.UNSUPPORTED_CONTENT, unsupported);
  const isCredit = doc.type === 'CREDIT_NOTE';
  return {
    view: {
      kind: KINDS[doc.type],
      number: doc.number,
      issueDate: doc.issueDate,
      dueDate: doc.dueDate,
      period: inclusivePeriod(doc.periodStart, doc.periodEnd),
      seller: {
        name: doc.seller.name,
        address: address(doc.seller.postalAddress),
        vatId: doc.seller.vatId ?? '',
        iban: doc.seller.iban,
        ...(doc.seller.endpoint === undefined ? {} : { endpoint: doc.seller.endpoint }),
      },
      customer: {
        name: doc.customer.name,
        accountId: doc.accountId,
        address: address(doc.customer.postalAddress),
        ...(doc.customer.vatId === undefined ? {} : { vatId: doc.customer.vatId }),
        ...(doc.customer.endpoint === undefined ? {} : { endpoint: doc.customer.endpoint }),
      },
      groups: groupLines(doc),
      taxSubtotals: taxSubtotals(doc),
      totals: {
        currency: doc.currency,
        netMinor: doc.netMinor,
        taxMinor: doc.taxMinor,
        grossMinor: doc.grossMinor,
        payableMinor: doc.grossMinor,
      },
      paymentTerms: {
        netDays: doc.paymentTermsDays,
        text: isCredit
          ? `Credited to account ${doc.accountId}.`
          : `Payment within ${doc.paymentTermsDays} days, by ${doc.dueDate}, quoting the payment reference.`,
      },
      creditorReference: doc.paymentReference,
      creditedInvoice:
        doc.correctsNumber === null || doc.correctsIssueDate === null
          ? undefined
          : { number: doc.correctsNumber, issueDate: doc.correctsIssueDate },
    },
  };
}

function skip(code: UblSkipCode, reason: string): EInvoiceMapping {
  return { skip: { code, reason } };
}

/** What EN 16931 cannot say as the document holds it; null when nothing. */
function unsupportedContent(doc: IssuedDocument): string | null {
  if (currencyExponent(doc.currency) > AMOUNT_DECIMALS_MAX) {
    return `currency ${doc.currency} has more than ${AMOUNT_DECIMALS_MAX} decimals (EN 16931 BR-DEC)`;
  }
  for (const line of chargedLines(doc)) {
    if (UNIT_CODES[line.unit] === undefined) return `line ${line.lineNo}: unit ${line.unit} has no UN/ECE Recommendation 20 code`;
    if (line.taxCategory === 'NONE') return `line ${line.lineNo}: tax category NONE has no EN 16931 VAT category`;
  }
  for (const tax of doc.taxes) {
    if (tax.taxCategory === 'NONE') return 'a tax subtotal of category NONE has no EN 16931 VAT category';
    if (tax.taxCategory === 'REVERSE_CHARGE' && doc.customer.vatId === undefined) {
      return `reverse charge needs the buyer VAT identifier (BR-AE-02): set vatId in the billing terms of account ${doc.accountId}`;
    }
  }
  return null;
}

function chargedLines(doc: IssuedDocument): LineView[] {
  return doc.lines.filter((l) => l.kind !== 'SUBSCRIPTION');
}

function address(a: PostalAddressView): PostalAddress {
  const lines = a.additionalStreet === null ? [a.street] : [a.street, a.additionalStreet];
  return { lines, city: a.city, countryCode: a.countryCode, ...(a.postalCode === null ? {} : { postalCode: a.postalCode }) };
}

/** [start, end) as UBL's inclusive period; none when absent or empty. */
function inclusivePeriod(start: string | null, endExclusive: string | null): DatePeriod | undefined {
  if (start === null || endExclusive === null) return undefined;
  const end = addDays(endExclusive, -1);
  return end < start ? undefined : { start, end };
}

function percentOf(rate: string): string {
  return new Decimal(rate).times(100).toFixed();
}

function taxCategoryOf(category: string, ratePercent: string): TaxCategory {
  if (category === 'EXEMPT') return TaxCategory.EXEMPT;
  if (category === 'REVERSE_CHARGE') return TaxCategory.REVERSE_CHARGE;
  return new Decimal(ratePercent).isZero() ? TaxCategory.ZERO_RATED : TaxCategory.STANDARD;
}

/** `minorPerMajor`: 10^exponent of the currency, once per document. */
function lineView(line: LineView, minorPerMajor: Decimal): DocumentLineView {
  const price = new Decimal(line.unitPriceMinor).div(minorPerMajor);
  const quantity = new Decimal(line.quantity);
  const ratePercent = percentOf(line.taxRate);
  const period = inclusivePeriod(line.periodStart, line.periodEnd);
  return {
    id: String(line.lineNo),
    description: line.late ? `${line.description} (late)` : line.description,
    quantity: (price.isNegative() ? quantity.neg() : quantity).toFixed(),
    unitCode: UNIT_CODES[line.unit],
    unitPrice: price.abs().toDecimalPlaces(PRICE_DECIMALS, Decimal.ROUND_HALF_UP).toFixed(),
    netMinor: line.amountMinor,
    taxCategory: taxCategoryOf(line.taxCategory, ratePercent),
    taxRatePercent: ratePercent,
    ...(period === undefined ? {} : { period }),
  };
}

interface GroupBuilder {
  parent: number | null;
  subscriptionId: string;
  label: string;
  services: Array<{ service: string; lines: DocumentLineView[] }>;
}

/** Lines under their subscription heading (or the account), a service group per run of one line kind, in document order. */
function groupLines(doc: IssuedDocument): SubscriptionGroupView[] {
  const minorPerMajor = new Decimal(10).pow(currencyExponent(doc.currency));
  const headings = new Map(doc.lines.filter((l) => l.kind === 'SUBSCRIPTION').map((l) => [l.lineNo, l]));
  const groups: GroupBuilder[] = [];
  for (const line of chargedLines(doc)) {
    let group = groups.at(-1);
    if (group === undefined || group.parent !== line.parentLineNo) {
      const heading = line.parentLineNo === null ? undefined : headings.get(line.parentLineNo);
      group = {
        parent: line.parentLineNo,
        subscriptionId: heading?.subscriptionId ?? '',
        label: heading?.description ?? `Account ${doc.accountId}`,
        services: [],
      };
      groups.push(group);
    }
    const service = line.kind.charAt(0) + line.kind.slice(1).toLowerCase().replace(/_/g, ' ');
    let run = group.services.at(-1);
    if (run === undefined || run.service !== service) {
      run = { service, lines: [] };
      group.services.push(run);
    }
    run.lines.push(lineView(line, minorPerMajor));
  }
  return groups.map(({ subscriptionId, label, services }) => ({ subscriptionId, label, services }));
}

/** The document's tax rows in UBL categories; rows of one category and rate (STANDARD and REDUCED alike) merged. */
function taxSubtotals(doc: IssuedDocument): TaxSubtotalView[] {
  const merged = new Map<string, { category: TaxCategory; ratePercent: string; taxableMinor: bigint; taxMinor: bigint }>();
  for (const t of doc.taxes) {
    const ratePercent = percentOf(t.taxRate);
    const category = taxCategoryOf(t.taxCategory, ratePercent);
    const key = `${category}|${ratePercent}`;
    const sum = merged.get(key) ?? { category, ratePercent, taxableMinor: 0n, taxMinor: 0n };
    merged.set(key, { ...sum, taxableMinor: sum.taxableMinor + t.taxableMinor, taxMinor: sum.taxMinor + t.taxMinor });
  }
  return [...merged.values()].map((s) => ({
    ...s,
    ...(EXEMPTION_REASONS[s.category] ? { exemptionReason: EXEMPTION_REASONS[s.category] } : {}),
  }));
}
