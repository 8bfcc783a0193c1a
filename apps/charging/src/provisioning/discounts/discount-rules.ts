/** Which fields each kind and scope of discount carries (the migration's CHECKs on `discount` say the same). */
import type { DiscountKind, DiscountScope } from '@app/db/catalog';
import { parseAmountMinor, parseTaxRatePercent } from '../billing-catalog/billing-catalog.rules';
import { ProvisioningError } from '../provisioning-error';

export type DiscountValue =
  | { kind: 'PERCENT'; percent: string; amountMinor: null; currency: null }
  | { kind: 'FIXED'; percent: null; amountMinor: bigint; currency: string };

export type DiscountTarget = { scope: DiscountScope; chargeId: string | null; service: string | null };

/** PERCENT: 0 < p <= 100; FIXED: at least one minor unit, with its currency. */
export function discountValue(b: { kind: DiscountKind; percent?: string; amount?: string; currency?: string }): DiscountValue {
  if (b.kind === 'PERCENT') {
    if (b.amount !== undefined) throw ProvisioningError.invalid('amount', 'not allowed for a PERCENT discount');
    if (b.currency !== undefined) throw ProvisioningError.invalid('currency', 'not allowed for a PERCENT discount');
    if (b.percent === undefined) throw ProvisioningError.invalid('percent', 'required for a PERCENT discount');
    const percent = parseTaxRatePercent('percent', b.percent);
    if (percent === '0') throw ProvisioningError.invalid('percent', 'must be above 0');
    return { kind: 'PERCENT', percent, amountMinor: null, currency: null };
  }
  if (b.percent !== undefined) throw ProvisioningError.invalid('percent', 'not allowed for a FIXED discount');
  if (b.amount === undefined) throw ProvisioningError.invalid('amount', 'required for a FIXED discount');
  if (b.currency === undefined) throw ProvisioningError.invalid('currency', 'required for a FIXED discount');
  return { kind: 'FIXED', percent: null, amountMinor: parseAmountMinor('amount', b.amount, { min: 1n }), currency: b.currency };
}

/** CHARGE names a charge, SERVICE a service, INVOICE neither. */
export function discountTarget(b: { scope: DiscountScope; chargeId?: string; service?: string }): DiscountTarget {
  const needs = b.scope === 'CHARGE' ? 'chargeId' : b.scope === 'SERVICE' ? 'service' : undefined;
  for (const f of ['chargeId', 'service'] as const) {
    if (f === needs && b[f] === undefined) throw ProvisioningError.invalid(f, `required for scope ${b.scope}`);
    if (f !== needs && b[f] !== undefined) throw ProvisioningError.invalid(f, `not allowed for scope ${b.scope}`);
  }
  return { scope: b.scope, chargeId: b.chargeId ?? null, service: b.service ?? null };
}

/** The cross-product condition: distinct product ids, sorted (a set). */
export function requiredProducts(ids: string[] | undefined): string[] {
  const list = ids ?? [];
  const set = new Set(list);
  if (set.size !== list.length) throw ProvisioningError.invalid('requiredProductIds', 'lists a product twice');
  return [...set].sort();
}
