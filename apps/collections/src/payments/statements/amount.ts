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

/**
 * The usual amount ("1234.56"), checked by its character codes: digits (at most AMOUNT_INTEGER_DIGITS_MAX), at most
 * one separator followed by digits, no more significant decimals than `exponent`; its minor units are then ONE
 * BigInt of its digit text (the whole digits, then the decimals cut or padded to `exponent`). Undefined for
 * anything else, which minorAmountOf reads (and refuses) the general way. No number ever holds the amount. Pure.
 */
function plainAmountOf(text: string, exponent: number, separator: '.' | ','): bigint | undefined {
  let from = 0;
  let to = text.length;
  while (from < to && asciiSpace(text.charCodeAt(from))) from++;
  while (to > from && asciiSpace(text.charCodeAt(to - 1))) to--;
  let i = from;
  while (i < to && isDigit(text.charCodeAt(i))) i++;
  const wholeEnd = i;
  if (wholeEnd === from || wholeEnd - from > AMOUNT_INTEGER_DIGITS_MAX) return undefined;
  let significantEnd = wholeEnd + 1;
  if (i < to) {
    if (text.charCodeAt(i) !== separator.charCodeAt(0)) return undefined;
    for (i++; i < to; i++) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) return undefined;
      if (c !== 0x30) significantEnd = i + 1;
    }
  }
  const decimalsFrom = wholeEnd + 1;
  if (significantEnd - decimalsFrom > exponent) return undefined;
  const decimals = exponent === 0 ? '' : text.slice(decimalsFrom, Math.min(to, decimalsFrom + exponent)).padEnd(exponent, '0');
  return BigInt(text.slice(from, wholeEnd) + decimals);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** White space trim() removes that is ASCII (other white space leaves the amount to the general reading). */
function asciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
