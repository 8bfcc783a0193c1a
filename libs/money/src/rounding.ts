/**
 * THE rounding rule (apps/charging/README.md "Money"): a rated charge is rounded once, to a whole
 * micro, half away from zero. decimal.js `ROUND_HALF_UP`; in integers `floor((2n + d) / (2d))`
 * for n >= 0, which is what the Lua engine computes.
 */
import { Decimal } from 'decimal.js';
import { checkAmountMicros, formatMoney, MICRO_DECIMALS } from './money';
import { MoneyError, MoneyErrorCode } from './money-error';

/**
 * `numerator / denominator` rounded to an integer, half away from zero. Exact for any size.
 * The denominator must be positive (a programmer error otherwise).
 */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError(`denominator must be positive, got ${denominator}`);
  if (numerator < 0n) return -divRoundHalfUp(-numerator, denominator);
  return (2n * numerator + denominator) / (2n * denominator);
}

/**
 * An amount in currency units (any precision) rounded to whole micros, half away from zero:
 * 0.0000005 -> 1 micro, -0.0000005 -> -1 micro, 0.00000049 -> 0. Exact whatever the Decimal
 * precision setting. Throws OUT_OF_RANGE beyond +/- AMOUNT_MAX_MICROS, INVALID_FORMAT for NaN/Infinity.
 */
export function roundHalfUpToMicros(amount: Decimal): bigint {
  if (!amount.isFinite()) {
    throw new MoneyError(MoneyErrorCode.INVALID_FORMAT, `cannot round ${amount.toString()} to micros`);
  }
  // toFixed rounds exactly to the given decimals (it is not bound by the precision setting).
  const fixed = amount.toFixed(MICRO_DECIMALS, Decimal.ROUND_HALF_UP);
  return checkAmountMicros(BigInt(fixed.replace('.', '')), 'rounded amount');
}

/** Micros as an exact Decimal in currency units, for decimal computations (invoice lines, taxes). */
export function microsToDecimal(micros: bigint): Decimal {
  // Built from the decimal string, so the value is exact whatever the Decimal precision setting.
  return new Decimal(formatMoney(micros));
}
