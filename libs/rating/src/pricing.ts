/**
 * Integer pricing of a CompiledRate. The Redis Lua balance engine replicates these EXACTLY, so
 * they are written with bigint (no float step anywhere) and take/return the contract's numbers.
 *
 *   billableUnits(used, first, next) = 0 if used = 0; first if used <= first;
 *                                      else first + ceil((used - first) / next) * next
 *   priceUnitsMicros = round_half_up( sum over tiers of units-in-tier * priceMicros / perUnits )
 *     where the charged units are the cycle usage interval [before, before + billable) and a
 *     tier covers [fromUnits, next tier's fromUnits). ONE rounding, setup fee NOT included.
 */
import { divRoundHalfUp, AMOUNT_MAX_MICROS } from '@app/money';
import type { CompiledRate, CompiledTier } from './compiled-rate';
import { PRICE_TIERS_MAX } from './limits';
import { USAGE_UNITS } from './price-plan';
import { RatingError, RatingErrorCode } from './rating-error';

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

function checkInteger(value: unknown, min: number, max: number, path: string, code: RatingErrorCode): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RatingError(code, `expected an integer from ${min} to ${max}, got ${String(value)}`, path);
  }
}

function checkUnits(value: number, path: string): void {
  checkInteger(value, 0, Number.MAX_SAFE_INTEGER, path, RatingErrorCode.INVALID_USAGE);
}

function checkTiers(tiers: readonly CompiledTier[]): void {
  if (!Array.isArray(tiers) || tiers.length < 1 || tiers.length > PRICE_TIERS_MAX) {
    throw new RatingError(RatingErrorCode.INVALID_RATE, `expected 1 to ${PRICE_TIERS_MAX} tiers`, 'rate.tiers');
  }
  tiers.forEach((tier, i) => {
    const min = i === 0 ? 0 : tiers[i - 1].fromUnits + 1;
    const max = i === 0 ? 0 : Number.MAX_SAFE_INTEGER;
    checkInteger(tier.fromUnits, min, max, `rate.tiers[${i}].fromUnits`, RatingErrorCode.INVALID_RATE);
    checkInteger(tier.priceMicros, 0, Number(AMOUNT_MAX_MICROS), `rate.tiers[${i}].priceMicros`, RatingErrorCode.INVALID_RATE);
  });
}

/** Throws INVALID_RATE (with the field's path) when `rate` breaks the CompiledRate contract. */
export function assertCompiledRate(rate: CompiledRate): void {
  const code = RatingErrorCode.INVALID_RATE;
  if (typeof rate.tariffId !== 'string' || rate.tariffId.length === 0) {
    throw new RatingError(code, 'expected a non-empty tariff id', 'rate.tariffId');
  }
  if (!USAGE_UNITS.includes(rate.unit)) throw new RatingError(code, `unknown unit ${String(rate.unit)}`, 'rate.unit');
  checkInteger(rate.setupMicros, 0, Number(AMOUNT_MAX_MICROS), 'rate.setupMicros', code);
  checkInteger(rate.firstUnits, 1, Number.MAX_SAFE_INTEGER, 'rate.firstUnits', code);
  checkInteger(rate.nextUnits, 1, Number.MAX_SAFE_INTEGER, 'rate.nextUnits', code);
  checkInteger(rate.perUnits, 1, Number.MAX_SAFE_INTEGER, 'rate.perUnits', code);
  checkTiers(rate.tiers);
  if (rate.tariffChangeAtMs !== undefined) {
    checkInteger(rate.tariffChangeAtMs, 0, Number.MAX_SAFE_INTEGER, 'rate.tariffChangeAtMs', code);
  }
}

function billable(used: bigint, first: bigint, next: bigint): bigint {
  if (used === 0n) return 0n;
  if (used <= first) return first;
  return first + ((used - first + next - 1n) / next) * next;
}

/** Used units rounded up to the charging increments (see the file header). */
export function billableUnits(used: number, first: number, next: number): number {
  checkUnits(used, 'usedUnits');
  checkInteger(first, 1, Number.MAX_SAFE_INTEGER, 'firstUnits', RatingErrorCode.INVALID_RATE);
  checkInteger(next, 1, Number.MAX_SAFE_INTEGER, 'nextUnits', RatingErrorCode.INVALID_RATE);
  const units = billable(BigInt(used), BigInt(first), BigInt(next));
  if (units > SAFE_MAX) {
    throw new RatingError(RatingErrorCode.INVALID_USAGE, `${used} used units round up to ${units}, beyond 2^53 - 1`, 'usedUnits');
  }
  return Number(units);
}

/**
 * Σ (units of [before, before + units) inside each tier) × tier.priceMicros: the exact price
 * times `perUnits`, before the one rounding. Exported for rateUsage's exact sums.
 */
export function tieredNumerator(tiers: readonly CompiledTier[], units: bigint, before: bigint): bigint {
  const end = before + units;
  let numerator = 0n;
  for (let i = 0; i < tiers.length; i++) {
    const from = BigInt(tiers[i].fromUnits);
    const to = i + 1 < tiers.length ? BigInt(tiers[i + 1].fromUnits) : end;
    const lo = from > before ? from : before;
    const hi = to < end ? to : end;
    if (hi > lo) numerator += (hi - lo) * BigInt(tiers[i].priceMicros);
  }
  return numerator;
}

/** Price in micros of `billableUnits` charged after `cycleUsedBefore` units of the cycle; one rounding, no setup fee. */
export function priceUnitsMicros(rate: CompiledRate, billableUnits: number, cycleUsedBefore: number): bigint {
  assertCompiledRate(rate);
  checkUnits(billableUnits, 'billableUnits');
  checkUnits(cycleUsedBefore, 'cycleUsedBefore');
  return divRoundHalfUp(tieredNumerator(rate.tiers, BigInt(billableUnits), BigInt(cycleUsedBefore)), BigInt(rate.perUnits));
}

/**
 * Reverse rating: the largest billable unit count among 0, first, first + next, first + 2·next, …
 * that is <= maxUnits and whose price (+ setupMicros when `setupDue`) is <= budgetMicros.
 * 0 when nothing more is affordable (0 units never pay the setup fee). Binary search over the
 * increment count k (price is non-decreasing in k): O(log(maxUnits) × tiers).
 */
export function affordableUnits(
  rate: CompiledRate,
  budgetMicros: bigint,
  cycleUsedBefore: number,
  setupDue: boolean,
  maxUnits: number,
): number {
  assertCompiledRate(rate);
  checkUnits(cycleUsedBefore, 'cycleUsedBefore');
  checkUnits(maxUnits, 'maxUnits');
  const first = BigInt(rate.firstUnits);
  const next = BigInt(rate.nextUnits);
  const max = BigInt(maxUnits);
  if (budgetMicros < 0n || max < first) return 0;
  const before = BigInt(cycleUsedBefore);
  const per = BigInt(rate.perUnits);
  const setup = setupDue ? BigInt(rate.setupMicros) : 0n;
  const unitsOf = (k: bigint): bigint => (k === 0n ? 0n : first + (k - 1n) * next);
  const fits = (k: bigint): boolean =>
    k === 0n || setup + divRoundHalfUp(tieredNumerator(rate.tiers, unitsOf(k), before), per) <= budgetMicros;
  let lo = 0n; // fits
  let hi = 1n + (max - first) / next; // largest k within maxUnits
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (fits(mid)) lo = mid;
    else hi = mid - 1n;
  }
  return Number(unitsOf(lo));
}
