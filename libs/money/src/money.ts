/**
 * Money as an integer count of micro-units of the account currency (1 unit = 1,000,000 micros),
 * `bigint` in TypeScript. Decimal strings are the only text form; floats are never accepted.
 */
import { describeInput, MoneyError, MoneyErrorCode } from './money-error';

export const MICROS_PER_UNIT = 1_000_000n;
/** Decimals of a micro-unit amount written in currency units. */
export const MICRO_DECIMALS = 6;
/** Largest amount the balance engine holds exactly: Lua numbers are IEEE doubles (2^53 - 1 micros). */
export const AMOUNT_MAX_MICROS = 9_007_199_254_740_991n;
/** Smallest amount (refunds and postpaid balances are negative). */
export const AMOUNT_MIN_MICROS = -AMOUNT_MAX_MICROS;
/** Longest decimal string accepted by `parseMoney` (leading zeros included). */
export const MONEY_TEXT_MAX_LENGTH = 40;
/** Longest integer string accepted by `parseMicros`: an int64 is at most 19 digits and a sign. */
export const MICROS_TEXT_MAX_LENGTH = 20;

const MONEY_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;
const MICROS_PATTERN = /^(0|-?[1-9]\d{0,18})$/;

/** Returns `micros` when it lies within +/- AMOUNT_MAX_MICROS; throws OUT_OF_RANGE otherwise. */
export function checkAmountMicros(micros: bigint, what = 'amount'): bigint {
  if (micros > AMOUNT_MAX_MICROS || micros < AMOUNT_MIN_MICROS) {
    throw new MoneyError(
      MoneyErrorCode.OUT_OF_RANGE,
      `${what} ${micros} micros is beyond the engine limit of +/-${AMOUNT_MAX_MICROS} micros`,
    );
  }
  return micros;
}

/**
 * Parses a decimal amount in currency units ("12.345678", "-0.5", "7") into micros.
 * Accepted: optional "-", digits, optionally "." and 1 to 6 digits. Refused: JS numbers (floats),
 * exponents ("1e3"), "+", spaces, separators, ".5", "5.", more than 6 decimals (even zeros).
 */
export function parseMoney(text: unknown): bigint {
  if (typeof text !== 'string') {
    throw new MoneyError(MoneyErrorCode.INVALID_FORMAT, `expected a decimal string, got ${describeInput(text)}`);
  }
  if (text.length === 0 || text.length > MONEY_TEXT_MAX_LENGTH) {
    throw new MoneyError(
      MoneyErrorCode.INVALID_FORMAT,
      `expected a decimal string of 1 to ${MONEY_TEXT_MAX_LENGTH} characters, got ${describeInput(text)}`,
    );
  }
  const m = MONEY_PATTERN.exec(text);
  if (m === null) {
    const hint = /[eE]/.test(text) ? ' (exponent notation is not accepted)' : '';
    throw new MoneyError(
      MoneyErrorCode.INVALID_FORMAT,
      `expected a decimal string like "12.345678" or "-0.5", got ${describeInput(text)}${hint}`,
    );
  }
  const [, sign, whole, fraction = ''] = m;
  if (fraction.length > MICRO_DECIMALS) {
    throw new MoneyError(
      MoneyErrorCode.TOO_MANY_DECIMALS,
      `${describeInput(text)} has ${fraction.length} decimals; at most ${MICRO_DECIMALS} (one micro-unit) are allowed`,
    );
  }
  const magnitude = BigInt(whole) * MICROS_PER_UNIT + BigInt(fraction.padEnd(MICRO_DECIMALS, '0'));
  return checkAmountMicros(sign === '-' ? -magnitude : magnitude, describeInput(text));
}

/**
 * Formats micros as a decimal string in currency units: "12.345678", "-0.5", "7". Shows at least
 * `minDecimals` decimals (pass a currency exponent for "12.50") and never drops a non-zero digit.
 * `parseMoney(formatMoney(x)) === x` for every x in range.
 */
export function formatMoney(micros: bigint, minDecimals = 0): string {
  if (!Number.isInteger(minDecimals) || minDecimals < 0 || minDecimals > MICRO_DECIMALS) {
    throw new RangeError(`minDecimals must be an integer from 0 to ${MICRO_DECIMALS}, got ${minDecimals}`);
  }
  const negative = micros < 0n;
  const magnitude = negative ? -micros : micros;
  const whole = (magnitude / MICROS_PER_UNIT).toString();
  let fraction = (magnitude % MICROS_PER_UNIT).toString().padStart(MICRO_DECIMALS, '0').replace(/0+$/, '');
  fraction = fraction.padEnd(minDecimals, '0');
  return `${negative ? '-' : ''}${whole}${fraction.length > 0 ? `.${fraction}` : ''}`;
}

/**
 * Parses micros written as an int64 decimal string ("123", "-5"), the wire form of money
 * fields. No leading zeros, no "+", no "-0"; the value must lie within +/- AMOUNT_MAX_MICROS.
 */
export function parseMicros(text: unknown): bigint {
  if (typeof text !== 'string' || text.length > MICROS_TEXT_MAX_LENGTH || !MICROS_PATTERN.test(text)) {
    throw new MoneyError(
      MoneyErrorCode.INVALID_FORMAT,
      `expected an integer string of micros like "123" or "-5" (at most 19 digits, no leading zeros), got ${describeInput(text)}`,
    );
  }
  return checkAmountMicros(BigInt(text), `${describeInput(text)}:`);
}

/**
 * Micros as a JS number, for the balance engine contract only (`CompiledRate`, Lua arguments):
 * exact because the value is checked to lie within +/- 2^53 - 1.
 */
export function microsToNumber(micros: bigint): number {
  return Number(checkAmountMicros(micros));
}

/** The inverse of `microsToNumber`: a safe integer number of micros (from the engine) as bigint. */
export function microsFromNumber(micros: number): bigint {
  if (!Number.isSafeInteger(micros)) {
    const code = Number.isInteger(micros) ? MoneyErrorCode.OUT_OF_RANGE : MoneyErrorCode.INVALID_FORMAT;
    throw new MoneyError(code, `expected a safe integer number of micros, got ${describeInput(micros)}`);
  }
  return BigInt(micros);
}
