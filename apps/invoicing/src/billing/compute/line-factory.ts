/** Building draft lines: one rounding per line, a stable id per line. */
import { Decimal } from 'decimal.js';
import { currencyExponent, divRoundHalfUp } from '@app/money';
import type { DraftLine, LineKind, LineReferences, LocalPeriod, TaxCategory } from './compute-types';

/** Rating's micros in a currency's minor unit, rounded once, half away from zero (EUR 1 235 000 -> 124; JPY 500 000 -> 1). */
export function microsToMinor(micros: bigint, currency: string): bigint {
  const exponent = currencyExponent(currency);
  return exponent >= 6 ? micros * 10n ** BigInt(exponent - 6) : divRoundHalfUp(micros, 10n ** BigInt(6 - exponent));
}

/** Decimals of the informative unit price (in minor units). */
export const UNIT_PRICE_DECIMALS = 6;

/** `value` rounded once to a whole minor unit, half away from zero (decimal.js ROUND_HALF_UP is away from zero). */
export function roundMinor(value: Decimal): bigint {
  return BigInt(value.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
}

export function unitPrice(amountMinor: bigint, quantity: string): string {
  const q = new Decimal(quantity);
  if (q.isZero()) return '0';
  return new Decimal(amountMinor.toString()).div(q).toDecimalPlaces(UNIT_PRICE_DECIMALS, Decimal.ROUND_HALF_UP).toString();
}

export function leafLine(params: {
  lineId: string;
  parentLineId: string | null;
  kind: LineKind;
  description: string;
  quantity: string;
  unit: string;
  amountMinor: bigint;
  taxCategory: TaxCategory;
  period: LocalPeriod;
  references: LineReferences;
  late?: boolean;
}): DraftLine {
  return {
    ...params,
    unitPriceMinor: unitPrice(params.amountMinor, params.quantity),
    discountMinor: 0n,
    taxRate: null,
    late: params.late ?? false,
  };
}

/**
 * Splits `total` (>= 0) over `weights` (>= 0, not all 0) in proportion, by largest remainder, so
 * the parts sum to `total` exactly; ties go to the earlier weight.
 */
export function allocate(total: bigint, weights: bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum <= 0n || total < 0n) throw new RangeError('allocate needs a non-negative total and a positive weight sum');
  const parts = weights.map((w) => (total * w) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (total * w) % sum }));
  let left = total - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] += 1n;
    left -= 1n;
  }
  return parts;
}
