/**
 * The invoice draft of one account for one cycle, from its rated usage (pure). The money rules, in
 * one place (MONEY-RULES.md says the same):
 *
 * 1. Rating works in micros, documents in the currency's minor unit (ISO 4217 exponent: EUR 2,
 *    JPY 0, BHD 3). Each usage line is converted once: minor = micros / 10^(6 - exponent), rounded
 *    half away from zero. Lines are never re-rounded after that.
 * 2. Lines sum to the net total exactly (asserted).
 * 3. Tax per (category, rate) over the whole document, as EN 16931 checks it: tax = the group's net
 *    x rate, rounded half away from zero to the minor unit, once per group (never per line).
 * 4. Gross = net + tax (asserted).
 * 5. A negative document is a credit note of the same amounts made positive (usage refunds beyond
 *    the charges), standing alone.
 *
 * Usage lines are grouped under one parent line per subscriber (the subscription), carrying the
 * subscriber's total; a subscription line's own amount is 0, its children carry the money, so
 * "lines sum to net" holds over the leaf lines. Late usage (an earlier period's events that arrived
 * after that period was billed) is its own line, marked late.
 */
import Decimal from 'decimal.js';
import { currencyExponent } from '@app/money';
import type { InvoiceUsageLine } from '@app/analytics';
import type { DocumentType, DraftDocument, DraftLine, DraftTax, TaxCategory } from '../documents/document-types';

export class ComputeError extends Error {
  constructor(
    readonly code: 'CURRENCY_MISMATCH' | 'TOTALS_MISMATCH' | 'INVALID_INPUT',
    message: string,
  ) {
    super(message);
    this.name = 'ComputeError';
  }
}

export interface AccountForBilling {
  id: string;
  currency: string;
  legalEntityId: string;
  paymentTermsDays: number;
}

export interface CycleForBilling {
  id: string;
  runId: string;
  /** YYYY-MM-DD local dates, end exclusive. */
  periodStart: string;
  periodEnd: string;
}

export interface UsageTax {
  category: TaxCategory;
  /** Decimal string, a fraction (0.2). */
  rate: string;
}

const MICRO_DIGITS = 6;

/** Half away from zero, exact: n / 10^digits. */
export function microsToMinor(micros: bigint, currency: string): bigint {
  const shift = MICRO_DIGITS - currencyExponent(currency);
  if (shift <= 0) return micros * 10n ** BigInt(-shift);
  const d = 10n ** BigInt(shift);
  const q = micros / d;
  const r = micros % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return micros < 0n ? q - 1n : q + 1n;
  return q;
}

/** Half away from zero of a Decimal to an integer: the rounding rule of every document amount. */
export function roundHalfAway(x: Decimal): bigint {
  return BigInt(
    x
      .abs()
      .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
      .times(x.isNegative() ? -1 : 1)
      .toFixed(0),
  );
}

export function documentIdOf(cycleId: string, accountId: string): string {
  // Deterministic: the same cycle and account give the same draft, whatever the run or attempt.
  return `doc-${cycleId}-${accountId}`.length <= 64 ? `doc-${cycleId}-${accountId}` : `doc-${hash(`${cycleId}|${accountId}`)}`;
}

function hash(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 0x811c9dc5) >>> 0;
  }
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

const sortKey = (u: InvoiceUsageLine) => `${u.subscriberId}|${u.late ? 1 : 0}|${u.serviceId}|${u.ratingGroup}|${u.tariffId}|${u.unit}`;

export function computeUsageInvoice(p: {
  account: AccountForBilling;
  cycle: CycleForBilling;
  usage: readonly InvoiceUsageLine[];
  tax: UsageTax;
}): DraftDocument {
  const { account, cycle, tax } = p;
  if (!/^0(\.\d{1,6})?$/.test(tax.rate)) throw new ComputeError('INVALID_INPUT', `tax rate ${tax.rate}: a decimal fraction below 1`);
  for (const u of p.usage)
    if (u.currency !== account.currency)
      throw new ComputeError('CURRENCY_MISMATCH', `usage in ${u.currency} on account ${account.id}, billed in ${account.currency}`);
  const usage = [...p.usage].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const lines: DraftLine[] = [];
  let net = 0n;
  let parentNo = 0;
  let parentSubscriber: string | undefined;
  for (const u of usage) {
    if (u.subscriberId !== parentSubscriber) {
      parentSubscriber = u.subscriberId;
      parentNo = lines.length + 1;
      lines.push(
        line({
          lineNo: parentNo,
          kind: 'SUBSCRIPTION',
          description: `Subscriber ${u.subscriberId}`,
          subscriptionId: u.subscriberId,
          cycle,
          tax,
        }),
      );
    }
    const amount = microsToMinor(u.amountMicros, account.currency);
    net += amount;
    const quantity = u.billableUnits;
    lines.push(
      line({
        lineNo: lines.length + 1,
        parentLineNo: parentNo,
        kind: 'USAGE',
        description: `${u.late ? 'Late usage: ' : ''}service ${u.serviceId}, rating group ${u.ratingGroup}, tariff ${u.tariffId}`,
        quantity: quantity.toString(),
        unit: u.unit,
        unitPriceMinor: quantity === 0n ? '0' : new Decimal(amount.toString()).div(quantity.toString()).toDecimalPlaces(9).toFixed(),
        amountMinor: amount,
        subscriptionId: u.subscriberId,
        usageKey: `${u.subscriberId}|${u.serviceId}|${u.ratingGroup}|${u.tariffId}|${u.unit}${u.late ? '|late' : ''}`,
        periodStart: new Date(u.firstOccurredAtMs).toISOString().slice(0, 10),
        periodEnd: new Date(u.lastOccurredAtMs).toISOString().slice(0, 10),
        late: u.late,
        cycle,
        tax,
      }),
    );
  }
  const leafSum = lines.reduce((s, l) => s + l.amountMinor, 0n);
  if (leafSum !== net) throw new ComputeError('TOTALS_MISMATCH', `lines sum to ${leafSum}, net is ${net}`);
  const taxMinor = roundHalfAway(new Decimal(net.toString()).times(tax.rate));
  const negative = net < 0n;
  const type: DocumentType = negative ? 'CREDIT_NOTE' : 'INVOICE';
  const sign = negative ? -1n : 1n;
  const taxes: DraftTax[] =
    lines.length === 0 ? [] : [{ taxCategory: tax.category, taxRate: tax.rate, taxableMinor: sign * net, taxMinor: sign * taxMinor }];
  const doc: DraftDocument = {
    id: documentIdOf(cycle.id, account.id),
    idempotencyKey: `cycle|${cycle.id}|${account.id}`,
    accountId: account.id,
    cycleId: cycle.id,
    runId: cycle.runId,
    type,
    legalEntityId: account.legalEntityId,
    currency: account.currency,
    netMinor: sign * net,
    taxMinor: sign * taxMinor,
    grossMinor: sign * (net + taxMinor),
    usageMinor: sign * net,
    paymentTermsDays: account.paymentTermsDays,
    periodStart: cycle.periodStart,
    periodEnd: cycle.periodEnd,
    correctsDocumentId: null,
    creditKind: negative ? 'ACCOUNT_CREDIT' : null,
    lines: negative
      ? lines.map((l) => ({ ...l, amountMinor: -l.amountMinor, unitPriceMinor: new Decimal(l.unitPriceMinor).neg().toFixed() }))
      : lines,
    taxes,
  };
  if (doc.netMinor + doc.taxMinor !== doc.grossMinor) throw new ComputeError('TOTALS_MISMATCH', 'net + tax != gross');
  return doc;
}

function line(p: {
  lineNo: number;
  parentLineNo?: number;
  kind: DraftLine['kind'];
  description: string;
  quantity?: string;
  unit?: string;
  unitPriceMinor?: string;
  amountMinor?: bigint;
  subscriptionId: string;
  usageKey?: string;
  periodStart?: string;
  periodEnd?: string;
  late?: boolean;
  cycle: CycleForBilling;
  tax: UsageTax;
}): DraftLine {
  return {
    lineNo: p.lineNo,
    parentLineNo: p.parentLineNo ?? null,
    kind: p.kind,
    description: p.description,
    quantity: p.quantity ?? '1',
    unit: p.unit ?? 'EACH',
    unitPriceMinor: p.unitPriceMinor ?? '0',
    amountMinor: p.amountMinor ?? 0n,
    discountMinor: 0n,
    taxCategory: p.tax.category,
    taxRate: p.tax.rate,
    periodStart: p.periodStart ?? p.cycle.periodStart,
    periodEnd: p.periodEnd ?? p.cycle.periodEnd,
    subscriptionId: p.subscriptionId,
    chargeId: null,
    usageKey: p.usageKey ?? null,
    discountId: null,
    late: p.late ?? false,
    reason: null,
  };
}
