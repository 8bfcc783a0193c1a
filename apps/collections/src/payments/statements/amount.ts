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
  const [whole, fraction = '', extra] = text.trim().split(separator);
  if (extra !== undefined || !/^[0-9]+$/.test(whole) || whole.length > AMOUNT_INTEGER_DIGITS_MAX || !/^[0-9]*$/.test(fraction)) {
    return `${JSON.stringify(text.slice(0, 40))} is not a decimal amount`;
  }
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) return `${text.trim()} has more decimals than ${currency} has (${exponent})`;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(significant.padEnd(exponent, '0') || '0');
}
