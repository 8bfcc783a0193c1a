/**
 * computeInvoiceDraft: one account's invoice draft for one cycle, pure (no I/O, no clock).
 * The rules are in MONEY-RULES.md beside this file; each step below names the rule it applies.
 */
import { Decimal } from 'decimal.js';
import { ComputeError, ComputeErrorCode } from './compute-error';
import type { ComputeInput, DraftLine, InvoiceDraft, TaxCategory, TaxSummary } from './compute-types';
import { discountApplies, invoiceDiscountLines, lineDiscountLines } from './discounts';
import { leafLine, roundMinor, unitPrice } from './line-factory';
import { addDays, dayNumber } from './local-date';
import { subscriptionChildLines, subscriptionLineId } from './subscription-lines';
import { buildTimeline, type Timeline } from './timeline';
import { validateInput } from './validate-input';

/** A draft never has more lines than this (a bigger one is an input error, not a document). */
export const LINES_PER_DRAFT_MAX = 20_000;

export function computeInvoiceDraft(input: ComputeInput): InvoiceDraft {
  const products = validateInput(input);
  const { account, cycle } = input;
  const timelines = input.subscriptions.map((subscription, i) =>
    buildTimeline({ subscription, field: `subscriptions[${i}]`, timeZone: account.timeZone, cycleEnd: cycle.end }),
  );
  const held = heldProducts(timelines, input);
  const discounts = input.discounts.filter((d) => discountApplies(d, cycle, held));
  const lines: DraftLine[] = [];
  input.subscriptions.forEach((subscription, i) => {
    const children = subscriptionChildLines({ input, products, subscription, timeline: timelines[i], field: `subscriptions[${i}]` });
    const parentLineId = subscriptionLineId(subscription.id);
    for (const discount of discounts.filter((d) => d.scope !== 'INVOICE')) {
      children.push(...lineDiscountLines({ discount, parentLineId, lines: children, cycle }));
    }
    if (children.length > 0) lines.push(subscriptionLine(subscription.id, cycle, children), ...children);
  });
  const leaves = (): DraftLine[] => lines.filter((l) => l.kind !== 'SUBSCRIPTION');
  const beforeInvoiceDiscounts = leaves();
  for (const discount of discounts.filter((d) => d.scope === 'INVOICE')) {
    lines.push(...invoiceDiscountLines({ discount, lines: beforeInvoiceDiscounts, cycle }));
  }
  const topUp = minimumCommitmentLine(input, timelines, sumOf(leaves()));
  if (topUp) lines.push(topUp);
  if (lines.length > LINES_PER_DRAFT_MAX) {
    throw new ComputeError(
      ComputeErrorCode.LIMIT_EXCEEDED,
      `the draft has ${lines.length} lines, more than LINES_PER_DRAFT_MAX ${LINES_PER_DRAFT_MAX}`,
    );
  }
  applyTaxRates(input, lines);
  return finish(input, lines);
}

/** Products the account holds in the cycle: active or suspended on at least one day (cross-product discounts). */
function heldProducts(timelines: Timeline[], input: ComputeInput): Set<string> {
  const held = new Set<string>();
  for (const timeline of timelines) {
    for (let d = dayNumber(input.cycle.start); d < dayNumber(input.cycle.end); d += 1) {
      const state = timeline.stateOn(d);
      if (state.status === 'ACTIVE' || state.status === 'SUSPENDED') held.add(state.productId);
    }
  }
  return held;
}

function subscriptionLine(subscriptionId: string, cycle: ComputeInput['cycle'], children: DraftLine[]): DraftLine {
  const amount = sumOf(children);
  return {
    lineId: subscriptionLineId(subscriptionId),
    parentLineId: null,
    kind: 'SUBSCRIPTION',
    description: `Subscription ${subscriptionId}`,
    quantity: '1',
    unit: 'SUBSCRIPTION',
    unitPriceMinor: unitPrice(amount, '1'),
    amountMinor: amount,
    discountMinor: children.filter((c) => c.kind === 'DISCOUNT').reduce((a, c) => a - c.amountMinor, 0n),
    taxCategory: null,
    taxRate: null,
    period: cycle,
    references: { subscriptionId },
    late: false,
  };
}

/**
 * Tops the net up to the minimum commitment with a STANDARD line. On the first invoice the
 * minimum is prorated by the days from the first activation in the cycle to its end.
 */
function minimumCommitmentLine(input: ComputeInput, timelines: Timeline[], net: bigint): DraftLine | null {
  const minimum = input.account.minimumCommitmentMinor;
  if (minimum === null || minimum === 0n) return null;
  const start = dayNumber(input.cycle.start);
  const end = dayNumber(input.cycle.end);
  let due = minimum;
  if (input.account.firstInvoice) {
    const first = Math.max(start, Math.min(...timelines.map((t) => t.activationDay ?? end), end));
    due = roundMinor(new Decimal(minimum.toString()).mul(end - first).div(end - start));
  }
  if (net >= due) return null;
  return leafLine({
    lineId: 'minimum-commitment',
    parentLineId: null,
    kind: 'MINIMUM_COMMITMENT',
    description: `Minimum commitment top-up to ${due}`,
    quantity: '1',
    unit: 'EA',
    amountMinor: due - net,
    taxCategory: 'STANDARD',
    period: input.cycle,
    references: {},
  });
}

/** One rate per category, at the tax point: the last day of the cycle. */
function applyTaxRates(input: ComputeInput, lines: DraftLine[]): void {
  const rates = new Map<TaxCategory, string>();
  const date = addDays(input.cycle.end, -1);
  for (const line of lines) {
    if (line.taxCategory === null) continue;
    let rate = rates.get(line.taxCategory);
    if (rate === undefined) {
      rate = checkRate(
        input.taxRates.rateFor({ jurisdiction: input.account.taxJurisdiction, category: line.taxCategory, date }),
        line.taxCategory,
      );
      rates.set(line.taxCategory, rate);
    }
    line.taxRate = rate;
  }
}

function checkRate(rate: unknown, category: TaxCategory): string {
  const ok = typeof rate === 'string' && /^\d+(\.\d+)?$/.test(rate) && new Decimal(rate).lt(1);
  if (!ok)
    throw new ComputeError(
      ComputeErrorCode.INVALID_INPUT,
      `taxRates: the ${category} rate ${JSON.stringify(rate)} is not a fraction in [0, 1)`,
      'taxRates',
    );
  return new Decimal(rate).toString();
}

/** EN 16931: per (category, rate), tax = round(sum of line nets x rate), once per document. */
function taxSummary(leaves: DraftLine[]): TaxSummary[] {
  const groups = new Map<string, TaxSummary>();
  for (const line of leaves) {
    const key = `${line.taxCategory}|${line.taxRate}`;
    const group = groups.get(key) ?? { category: line.taxCategory!, rate: line.taxRate!, taxableMinor: 0n, taxMinor: 0n };
    group.taxableMinor += line.amountMinor;
    groups.set(key, group);
  }
  for (const group of groups.values()) group.taxMinor = roundMinor(new Decimal(group.taxableMinor.toString()).mul(group.rate));
  return [...groups.values()];
}

function finish(input: ComputeInput, lines: DraftLine[]): InvoiceDraft {
  let summary = taxSummary(lines.filter((l) => l.kind !== 'SUBSCRIPTION'));
  const net = summary.reduce((a, g) => a + g.taxableMinor, 0n);
  const tax = summary.reduce((a, g) => a + g.taxMinor, 0n);
  const credit = net + tax < 0n;
  if (credit) {
    // A negative invoice is a credit note: the same lines with positive amounts (rounding half away
    // from zero is symmetric, so negating after rounding equals rounding the negated values).
    for (const line of lines) {
      line.amountMinor = -line.amountMinor;
      line.quantity = new Decimal(line.quantity).neg().toString();
    }
    summary = summary.map((g) => ({ ...g, taxableMinor: -g.taxableMinor, taxMinor: -g.taxMinor }));
  }
  const draft: InvoiceDraft = {
    accountId: input.account.id,
    cycle: { ...input.cycle },
    currency: input.account.currency,
    documentType: credit ? 'CREDIT_NOTE' : 'INVOICE',
    lines,
    taxSummary: summary,
    netMinor: credit ? -net : net,
    taxMinor: credit ? -tax : tax,
    grossMinor: credit ? -(net + tax) : net + tax,
  };
  assertInvariants(draft);
  return draft;
}

/** Programmer errors: never let a draft with wrong sums out. */
export function assertInvariants(draft: InvoiceDraft): void {
  const leaves = draft.lines.filter((l) => l.kind !== 'SUBSCRIPTION');
  const broken = (message: string): never => {
    throw new ComputeError(ComputeErrorCode.INVARIANT_BROKEN, `account ${draft.accountId}: ${message}`);
  };
  if (sumOf(leaves) !== draft.netMinor) broken(`lines sum to ${sumOf(leaves)}, net is ${draft.netMinor}`);
  if (draft.netMinor + draft.taxMinor !== draft.grossMinor)
    broken(`net ${draft.netMinor} + tax ${draft.taxMinor} != gross ${draft.grossMinor}`);
  if (draft.taxSummary.reduce((a, g) => a + g.taxMinor, 0n) !== draft.taxMinor) broken('the tax summary does not sum to the tax total');
  if (draft.grossMinor < 0n) broken(`a ${draft.documentType} with a negative total ${draft.grossMinor}`);
  for (const parent of draft.lines.filter((l) => l.kind === 'SUBSCRIPTION')) {
    const children = draft.lines.filter((l) => l.parentLineId === parent.lineId);
    if (sumOf(children) !== parent.amountMinor) broken(`line ${parent.lineId} is not the sum of its children`);
  }
  if (new Set(draft.lines.map((l) => l.lineId)).size !== draft.lines.length) broken('two lines share an id');
}

function sumOf(lines: DraftLine[]): bigint {
  return lines.reduce((a, l) => a + l.amountMinor, 0n);
}
