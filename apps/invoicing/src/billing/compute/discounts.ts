/**
 * Discount lines (MONEY-RULES.md "Discounts"). CHARGE and SERVICE discounts are children of the
 * subscription they discount, one line per subscription and tax category; INVOICE discounts
 * are top-level, one line per tax category (an EN 16931 document allowance carries a category).
 * Every discount is computed on the lines before any discount of its level: they never compound.
 */
import { Decimal } from 'decimal.js';
import type { Discount, DraftLine, LocalPeriod, TaxCategory } from './compute-types';
import { allocate, leafLine, roundMinor } from './line-factory';

/** True when the discount's validity overlaps the cycle and the account holds all its required products. */
export function discountApplies(d: Discount, cycle: LocalPeriod, heldProductIds: Set<string>): boolean {
  const overlaps = d.validity.start < cycle.end && cycle.start < d.validity.end;
  return overlaps && (d.requiredProductIds ?? []).every((id) => heldProductIds.has(id));
}

/** Discount lines of one subscription-level discount over the subscription's leaf lines. */
export function lineDiscountLines(params: {
  discount: Discount;
  parentLineId: string;
  lines: DraftLine[];
  cycle: LocalPeriod;
}): DraftLine[] {
  const { discount: d } = params;
  const targets = params.lines.filter((l) =>
    d.scope === 'CHARGE'
      ? l.references.chargeId === d.chargeId && l.kind !== 'DISCOUNT'
      : l.kind === 'USAGE' && l.references.service === d.service,
  );
  const subscriptionId = params.lines[0]?.references.subscriptionId;
  return discountGroups({
    discount: d,
    targets,
    cycle: params.cycle,
    parentLineId: params.parentLineId,
    idPrefix: `${params.parentLineId}/discount:${d.id}`,
    subscriptionId,
    markTargets: true,
  });
}

/** Top-level lines of one INVOICE discount over every leaf line already computed. */
export function invoiceDiscountLines(params: { discount: Discount; lines: DraftLine[]; cycle: LocalPeriod }): DraftLine[] {
  return discountGroups({
    discount: params.discount,
    targets: params.lines,
    cycle: params.cycle,
    parentLineId: null,
    idPrefix: `discount:${params.discount.id}`,
    markTargets: false,
  });
}

function discountGroups(p: {
  discount: Discount;
  targets: DraftLine[];
  cycle: LocalPeriod;
  parentLineId: string | null;
  idPrefix: string;
  subscriptionId?: string;
  markTargets: boolean;
}): DraftLine[] {
  const groups = new Map<TaxCategory, DraftLine[]>();
  for (const line of p.targets) groups.set(line.taxCategory!, [...(groups.get(line.taxCategory!) ?? []), line]);
  const categories = [...groups.keys()].filter((c) => sum(groups.get(c)!) > 0n);
  if (categories.length === 0) return [];
  const bases = categories.map((c) => sum(groups.get(c)!));
  const amounts =
    p.discount.kind === 'PERCENT'
      ? bases.map((b) => roundMinor(new Decimal(b.toString()).mul(p.discount.percent!).div(100)))
      : allocate(min(p.discount.amountMinor!, sum2(bases)), bases);
  const out: DraftLine[] = [];
  categories.forEach((category, i) => {
    if (amounts[i] === 0n) return;
    if (p.markTargets) markDiscount(groups.get(category)!, amounts[i]);
    out.push(
      leafLine({
        lineId: `${p.idPrefix}:${category}`,
        parentLineId: p.parentLineId,
        kind: 'DISCOUNT',
        description: p.discount.description,
        quantity: '1',
        unit: 'EA',
        amountMinor: -amounts[i],
        taxCategory: category,
        period: p.cycle,
        references: { ...(p.subscriptionId ? { subscriptionId: p.subscriptionId } : {}), discountId: p.discount.id },
      }),
    );
  });
  return out;
}

/** Shows on each discounted line its share of the discount (over its positive lines, by amount). */
function markDiscount(lines: DraftLine[], amount: bigint): void {
  const weights = lines.map((l) => (l.amountMinor > 0n ? l.amountMinor : 0n));
  allocate(amount, weights).forEach((share, i) => (lines[i].discountMinor += share));
}

function sum(lines: DraftLine[]): bigint {
  return lines.reduce((a, l) => a + l.amountMinor, 0n);
}

function sum2(values: bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
