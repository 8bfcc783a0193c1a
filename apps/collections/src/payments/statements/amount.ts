/**
 * A decimal amount of a bank file ("1234.56" in camt, "1234,56" in MT940) as an exact count of the
 * currency's minor unit: more decimals than the currency has are refused, never rounded.
 */
import { currencyExponent, isCurrencyCode } from '@app/money';

/** Most integer digits of an amount (ISO 20022 allows 18 digits in all). */
export const AMOUNT_INTEGER_DIGITS_MAX = 18;

/** The minor-unit amount, or a reason why `text` is not one. Pure. */
export function minorAmountOf(text: string, currency: string, separator: '.' | ','): bigint | string {
  if (!isCurrencyCode(currency)) return `currency ${JSON.stringify(String(currency).slice(0, 8))} is not an ISO 4217 code`;
  const exponent = currencyExponent(currency);
  const exact = plainAmountOf(text, exponent, separator);
  if (exact !== undefined) return exact;
  const [whole, fraction = '', extra] = text.trim().split(separator);
  if (extra !== undefined || !/^[0-9]+$/.test(whole) || whole.length > AMOUNT_INTEGER_DIGITS_MAX || !/^[0-9]*$/.test(fraction)) {
    return `${JSON.stringify(text.slice(0, 40))} is not a decimal amount`;
  }
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) return `${text.trim()} has more decimals than ${currency} has (${exponent})`;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(significant.padEnd(exponent, '0') || '0');
}

/** Digits of an amount a double holds exactly (2^53 > 10^15). */
const EXACT_DIGITS_MAX = 15;

/**
 * The usual amount ("1234.56"), read by its character codes: its minor units when it is digits, at most one
 * separator followed by digits, no more significant decimals than `exponent`, and at most EXACT_DIGITS_MAX digits
 * once scaled, so a double counts it exactly; undefined for anything else, which minorAmountOf reads (and refuses)
 * the general way. Pure.
 */
function plainAmountOf(text: string, exponent: number, separator: '.' | ','): bigint | undefined {
  let from = 0;
  let to = text.length;
  while (from < to && asciiSpace(text.charCodeAt(from))) from++;
  while (to > from && asciiSpace(text.charCodeAt(to - 1))) to--;
  let units = 0;
  let i = from;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    units = units * 10 + (c - 0x30);
  }
  const wholeDigits = i - from;
  if (wholeDigits === 0 || wholeDigits + exponent > EXACT_DIGITS_MAX) return undefined;
  let decimals = 0;
  let significant = 0;
  if (i < to) {
    if (text.charCodeAt(i) !== separator.charCodeAt(0)) return undefined;
    for (i++; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return undefined;
      decimals++;
      if (c !== 0x30) significant = decimals;
      if (decimals <= exponent) units = units * 10 + (c - 0x30);
    }
  }
  if (significant > exponent) return undefined;
  for (let d = Math.min(decimals, exponent); d < exponent; d++) units *= 10;
  return BigInt(units);
}

/** White space trim() removes that is ASCII (other white space leaves the amount to the general reading). */
function asciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
