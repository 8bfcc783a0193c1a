/** Amounts in minor units written as decimal text, exactly: bigint digits only, never a float. */

/** `amountMinor` of a currency with `exponent` decimals: (1234n, 2) -> "12.34", (-5n, 2) -> "-0.05", (7n, 0) -> "7". */
export function formatMinor(amountMinor: bigint, exponent: number): string {
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, padded.length - exponent);
  return `${negative ? '-' : ''}${whole}.${padded.slice(padded.length - exponent)}`;
}

/** For print: thousands grouped with a space: (123456789n, 2) -> "1 234 567.89". */
export function formatMinorForPrint(amountMinor: bigint, exponent: number): string {
  const text = formatMinor(amountMinor, exponent);
  const [whole, fraction] = text.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? sign + grouped : `${sign}${grouped}.${fraction}`;
}
