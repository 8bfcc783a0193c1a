/**
 * ISO 4217 currency codes. A code is valid when it is one of the active currencies below (three
 * uppercase letters alone is not enough: "ABC" is well-formed but no currency). Fund codes in
 * use for settlement (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are included; precious metals,
 * test and "no currency" codes (XAU, XTS, XXX...) are not, since nobody is charged in them.
 * Every exponent is <= 6, so a minor unit is always a whole number of micros.
 */
import { describeInput, MoneyError, MoneyErrorCode } from './money-error';
import { checkAmountMicros, MICRO_DECIMALS } from './money';

const CURRENCY_CODE_PATTERN = /^[A-Z]{3}$/;

/** Minor-unit exponent (ISO 4217 "minor unit") of each active currency. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  AFN: 2,
  ALL: 2,
  AMD: 2,
  AOA: 2,
  ARS: 2,
  AUD: 2,
  AWG: 2,
  AZN: 2,
  BAM: 2,
  BBD: 2,
  BDT: 2,
  BGN: 2,
  BHD: 3,
  BIF: 0,
  BMD: 2,
  BND: 2,
  BOB: 2,
  BOV: 2,
  BRL: 2,
  BSD: 2,
  BTN: 2,
  BWP: 2,
  BYN: 2,
  BZD: 2,
  CAD: 2,
  CDF: 2,
  CHE: 2,
  CHF: 2,
  CHW: 2,
  CLF: 4,
  CLP: 0,
  CNY: 2,
  COP: 2,
  COU: 2,
  CRC: 2,
  CUP: 2,
  CVE: 2,
  CZK: 2,
  DJF: 0,
  DKK: 2,
  DOP: 2,
  DZD: 2,
  EGP: 2,
  ERN: 2,
  ETB: 2,
  EUR: 2,
  FJD: 2,
  FKP: 2,
  GBP: 2,
  GEL: 2,
  GHS: 2,
  GIP: 2,
  GMD: 2,
  GNF: 0,
  GTQ: 2,
  GYD: 2,
  HKD: 2,
  HNL: 2,
  HTG: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  IRR: 2,
  ISK: 0,
  JMD: 2,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KGS: 2,
  KHR: 2,
  KMF: 0,
  KPW: 2,
  KRW: 0,
  KWD: 3,
  KYD: 2,
  KZT: 2,
  LAK: 2,
  LBP: 2,
  LKR: 2,
  LRD: 2,
  LSL: 2,
  LYD: 3,
  MAD: 2,
  MDL: 2,
  MGA: 2,
  MKD: 2,
  MMK: 2,
  MNT: 2,
  MOP: 2,
  MRU: 2,
  MUR: 2,
  MVR: 2,
  MWK: 2,
  MXN: 2,
  MXV: 2,
  MYR: 2,
  MZN: 2,
  NAD: 2,
  NGN: 2,
  NIO: 2,
  NOK: 2,
  NPR: 2,
  NZD: 2,
  OMR: 3,
  PAB: 2,
  PEN: 2,
  PGK: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  PYG: 0,
  QAR: 2,
  RON: 2,
  RSD: 2,
  RUB: 2,
  RWF: 0,
  SAR: 2,
  SBD: 2,
  SCR: 2,
  SDG: 2,
  SEK: 2,
  SGD: 2,
  SHP: 2,
  SLE: 2,
  SOS: 2,
  SRD: 2,
  SSP: 2,
  STN: 2,
  SVC: 2,
  SYP: 2,
  SZL: 2,
  THB: 2,
  TJS: 2,
  TMT: 2,
  TND: 3,
  TOP: 2,
  TRY: 2,
  TTD: 2,
  TWD: 2,
  TZS: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  USN: 2,
  UYI: 0,
  UYU: 2,
  UYW: 4,
  UZS: 2,
  VED: 2,
  VES: 2,
  VND: 0,
  VUV: 0,
  WST: 2,
  XAF: 0,
  XCD: 2,
  XCG: 2,
  XOF: 0,
  XPF: 0,
  YER: 2,
  ZAR: 2,
  ZMW: 2,
  ZWG: 2,
});

/** True when `code` is an active ISO 4217 code of the table above. */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_CODE_PATTERN.test(code) && Object.hasOwn(CURRENCY_EXPONENTS, code);
}

/** Returns `code` when it is an active ISO 4217 code; throws INVALID_CURRENCY saying why not. */
export function parseCurrency(code: unknown): string {
  if (typeof code !== 'string' || !CURRENCY_CODE_PATTERN.test(code)) {
    throw new MoneyError(
      MoneyErrorCode.INVALID_CURRENCY,
      `expected an ISO 4217 currency code of 3 uppercase letters like "EUR", got ${describeInput(code)}`,
    );
  }
  if (!Object.hasOwn(CURRENCY_EXPONENTS, code)) {
    throw new MoneyError(MoneyErrorCode.INVALID_CURRENCY, `"${code}" is not an active ISO 4217 currency code`);
  }
  return code;
}

/** Minor-unit exponent of a currency (EUR 2, JPY 0, BHD 3); throws INVALID_CURRENCY for unknown codes. */
export function currencyExponent(code: string): number {
  return CURRENCY_EXPONENTS[parseCurrency(code)];
}

/**
 * An amount in a currency's minor unit (cents) as micro-units, exactly: minor × 10^(6 - exponent).
 * Every active currency has at most 6 decimals (MICRO_DECIMALS); throws OUT_OF_RANGE beyond
 * ±AMOUNT_MAX_MICROS and INVALID_CURRENCY for an unknown code.
 */
export function minorToMicros(amountMinor: bigint, currency: string): bigint {
  const exponent = currencyExponent(currency);
  if (exponent > MICRO_DECIMALS)
    throw new MoneyError(MoneyErrorCode.TOO_MANY_DECIMALS, `${currency} has more than ${MICRO_DECIMALS} decimals`);
  return checkAmountMicros(amountMinor * 10n ** BigInt(MICRO_DECIMALS - exponent), 'amountMinor');
}

/** A minor-unit amount as a decimal string in major units, exact: 12345 EUR -> "123.45", -5 JPY -> "-5". */
export function minorToDecimal(minor: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(exp + 1, '0');
  const whole = exp === 0 ? digits : digits.slice(0, -exp);
  const frac = exp === 0 ? '' : `.${digits.slice(-exp)}`;
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/**
 * A TM Forum `Money` ({unit, value}) in major units. TMF's value is a JSON number: it is written as one
 * only when the number reads back as exactly the decimal (always below 15 significant digits); an
 * amount a double could not carry exactly is given as the decimal string instead, never rounded.
 */
export function tmfMoney(minor: bigint, currency: string): { unit: string; value: number | string } {
  const text = minorToDecimal(minor, currency);
  const n = Number(text);
  return { unit: currency, value: n.toFixed(currencyExponent(currency)) === text ? n : text };
}
