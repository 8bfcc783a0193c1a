/**
 * What a rendered document shows, read in bulk from PostgreSQL: the issued document, its seller (the
 * legal entity), its customer, its lines (subscription lines are the headings of their usage and
 * fees) and its tax summary. Money stays an integer of the minor unit until it is printed.
 */
import type { Pool } from 'pg';
import { minorToDecimal } from '@app/money';

export { minorToDecimal };
import { groupBy } from '../group-by';

/** A structured postal address (Migration20261203000800_postal_addresses), as the e-invoice needs it. */
export interface PostalAddressView {
  street: string;
  additionalStreet: string | null;
  city: string;
  postalCode: string | null;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
}

export interface PartyView {
  name: string;
  addressLines: string[];
  vatId?: string;
  /** Null when the party has no structured address (the PDF prints `addressLines` regardless). */
  postalAddress: PostalAddressView | null;
  /** The Peppol electronic address (EAS scheme and identifier; Migration20261203001800_electronic_addresses), when set. */
  endpoint?: { scheme: string; id: string };
}

export interface LineView {
  lineNo: number;
  parentLineNo: number | null;
  kind: string;
  description: string;
  quantity: string;
  unit: string;
  unitPriceMinor: string;
  amountMinor: bigint;
  taxCategory: string;
  taxRate: string;
  late: boolean;
  subscriptionId: string | null;
  /** The line's period, end exclusive like the document's; null for lines without one. */
  periodStart: string | null;
  periodEnd: string | null;
}

export interface TaxView {
  taxCategory: string;
  taxRate: string;
  taxableMinor: bigint;
  taxMinor: bigint;
}

export interface DocumentView {
  id: string;
  type: 'INVOICE' | 'CREDIT_NOTE' | 'DEBIT_NOTE' | 'ADVANCE_INVOICE';
  number: string;
  issueDate: string;
  dueDate: string;
  periodStart: string | null;
  periodEnd: string | null;
  currency: string;
  netMinor: bigint;
  taxMinor: bigint;
  grossMinor: bigint;
  paymentReference: string;
  paymentTermsDays: number;
  correctsNumber: string | null;
  correctsIssueDate: string | null;
  accountId: string;
  legalEntityId: string;
  seller: PartyView & { country: string; iban: string; bic: string | null; email: string | null };
  customer: PartyView & { email: string | null };
  lines: LineView[];
  taxes: TaxView[];
}

/** Views of issued documents by id (documents not issued are left out). */
export async function loadDocumentViews(pool: Pool, ids: readonly string[]): Promise<DocumentView[]> {
  if (ids.length === 0) return [];
  const docs = await pool.query(
    `select d.id, d.type, d.number_text, to_char(d.issue_date, 'YYYY-MM-DD') as issue_date, to_char(d.due_date, 'YYYY-MM-DD') as due_date,
       to_char(d.period_start, 'YYYY-MM-DD') as period_start, to_char(d.period_end, 'YYYY-MM-DD') as period_end, d.currency,
       d.net_minor, d.tax_minor, d.gross_minor, d.payment_reference, d.payment_terms_days, d.account_id, d.legal_entity_id,
       c.number_text as corrects_number, to_char(c.issue_date, 'YYYY-MM-DD') as corrects_issue_date,
       le.name as seller_name, le.address as seller_address, le.vat_id as seller_vat, le.iban as seller_iban,
       le.postal_street as seller_street, le.postal_additional_street as seller_additional_street, le.postal_city as seller_city,
       le.postal_code as seller_postal_code, le.postal_country_code as seller_country_code,
       a.billing_street as customer_street, a.billing_additional_street as customer_additional_street, a.billing_city as customer_city,
       a.billing_postal_code as customer_postal_code, a.billing_country_code as customer_country_code,
       cu.name as customer_name, cu.email as customer_email,
       le.endpoint_scheme as seller_endpoint_scheme, le.endpoint_id as seller_endpoint_id,
       a.vat_id as customer_vat, a.endpoint_scheme as customer_endpoint_scheme, a.endpoint_id as customer_endpoint_id
     from billing_document d
     left join billing_document c on c.id = d.corrects_document_id
     left join legal_entity le on le.id = d.legal_entity_id
     left join billing_account a on a.id = d.account_id
     left join customer cu on cu.id = a.customer_id
     where d.id = any($1::text[]) and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID')
     order by d.account_id collate "C", d.id`,
    [ids],
  );
  const lines = await pool.query(
    `select document_id, line_no, parent_line_no, kind, description, quantity::text as quantity, unit, unit_price_minor::text as unit_price_minor,
       amount_minor, tax_category, tax_rate::text as tax_rate, late, subscription_id,
       to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end
     from billing_document_line where document_id = any($1::text[]) order by document_id, line_no`,
    [ids],
  );
  const taxes = await pool.query(
    `select document_id, tax_category, tax_rate::text as tax_rate, taxable_minor, tax_minor from billing_document_tax
     where document_id = any($1::text[]) order by document_id, tax_category, tax_rate`,
    [ids],
  );
  const linesOf = groupBy(lines.rows, (r) => r.document_id as string);
  const taxesOf = groupBy(taxes.rows, (r) => r.document_id as string);
  return docs.rows.map((d) => ({
    id: d.id,
    type: d.type,
    number: d.number_text,
    issueDate: d.issue_date,
    dueDate: d.due_date,
    periodStart: d.period_start,
    periodEnd: d.period_end,
    currency: (d.currency as string).trim(),
    netMinor: BigInt(d.net_minor),
    taxMinor: BigInt(d.tax_minor),
    grossMinor: BigInt(d.gross_minor),
    paymentReference: d.payment_reference,
    paymentTermsDays: d.payment_terms_days,
    correctsNumber: d.corrects_number,
    correctsIssueDate: d.corrects_issue_date,
    accountId: d.account_id,
    legalEntityId: d.legal_entity_id,
    seller: {
      name: d.seller_name ?? '',
      addressLines: String(d.seller_address ?? '').split(/\n|, /),
      vatId: d.seller_vat ?? undefined,
      // legal_entity has no country of its own: a VAT id starts with it.
      country: typeof d.seller_vat === 'string' ? d.seller_vat.slice(0, 2) : '',
      iban: d.seller_iban ?? '',
      bic: null,
      email: null,
      postalAddress: postalAddressOf(d, 'seller'),
      ...endpointOf(d, 'seller'),
    },
    customer: {
      name: d.customer_name ?? d.account_id,
      addressLines: billToLines(postalAddressOf(d, 'customer'), d.account_id, d.customer_vat),
      email: d.customer_email,
      postalAddress: postalAddressOf(d, 'customer'),
      ...(d.customer_vat == null ? {} : { vatId: d.customer_vat }),
      ...endpointOf(d, 'customer'),
    },
    lines: (linesOf.get(d.id) ?? []).map((l) => ({
      lineNo: l.line_no,
      parentLineNo: l.parent_line_no,
      kind: l.kind,
      description: l.description,
      quantity: trimDecimal(l.quantity),
      unit: l.unit,
      unitPriceMinor: trimDecimal(l.unit_price_minor),
      amountMinor: BigInt(l.amount_minor),
      taxCategory: l.tax_category,
      taxRate: trimDecimal(l.tax_rate),
      late: l.late,
      subscriptionId: l.subscription_id,
      periodStart: l.period_start,
      periodEnd: l.period_end,
    })),
    taxes: (taxesOf.get(d.id) ?? []).map((t) => ({
      taxCategory: t.tax_category,
      taxRate: trimDecimal(t.tax_rate),
      taxableMinor: BigInt(t.taxable_minor),
      taxMinor: BigInt(t.tax_minor),
    })),
  }));
}

/** The party's address from its `<party>_*` columns; the migration's CHECK has street, city and country together. */
function endpointOf(row: Record<string, string | null>, party: 'seller' | 'customer'): { endpoint?: { scheme: string; id: string } } {
  const scheme = row[`${party}_endpoint_scheme`];
  const id = row[`${party}_endpoint_id`];
  return scheme == null || id == null ? {} : { endpoint: { scheme, id } };
}

/** The bill-to block of the PDF: the account's billing address when it has one, its customer number, its VAT id. */
export function billToLines(address: PostalAddressView | null, accountId: string, vatId: string | null): string[] {
  const lines: string[] = [];
  if (address !== null) {
    lines.push(address.street);
    if (address.additionalStreet !== null) lines.push(address.additionalStreet);
    lines.push(address.postalCode === null ? address.city : `${address.postalCode} ${address.city}`);
    lines.push(address.countryCode);
  }
  lines.push(`Customer number ${accountId}`);
  if (vatId !== null) lines.push(`VAT ${vatId}`);
  return lines;
}

function postalAddressOf(row: Record<string, string | null>, party: 'seller' | 'customer'): PostalAddressView | null {
  const street = row[`${party}_street`];
  const city = row[`${party}_city`];
  const countryCode = row[`${party}_country_code`];
  if (street === null || city === null || countryCode === null) return null;
  return {
    street,
    additionalStreet: row[`${party}_additional_street`],
    city,
    postalCode: row[`${party}_postal_code`],
    countryCode: countryCode.trim(),
  };
}

/** numeric text without trailing zeros: "0.200000" -> "0.2", "60.000000000" -> "60". */
export function trimDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const t = text.replace(/0+$/, '').replace(/\.$/, '');
  return t === '-0' ? '0' : t;
}

/** For people: "1,234.56 EUR". */
export function formatAmount(minor: bigint, currency: string): string {
  const [whole, frac] = minorToDecimal(minor, currency).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`} ${currency}`;
}
