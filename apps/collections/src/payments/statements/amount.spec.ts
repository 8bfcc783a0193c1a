import { AMOUNT_INTEGER_DIGITS_MAX, minorAmountOf } from './amount';

/** The amount read the general way only (split, patterns, BigInt): what the character-code reading must agree with. */
function generalReading(text: string, exponent: number, separator: '.' | ','): bigint | 'refused' {
  const [whole, fraction = '', extra] = text.trim().split(separator);
  if (extra !== undefined || !/^[0-9]+$/.test(whole) || whole.length > AMOUNT_INTEGER_DIGITS_MAX || !/^[0-9]*$/.test(fraction))
    return 'refused';
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) return 'refused';
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(significant.padEnd(exponent, '0') || '0');
}

const reading = (text: string, currency: string, separator: '.' | ',') => {
  const r = minorAmountOf(text, currency, separator);
  return typeof r === 'string' ? 'refused' : r;
};

describe('minorAmountOf', () => {
  it.each([
    ['1234.56', 'EUR', '.', 123456n],
    ['1234,56', 'EUR', ',', 123456n],
    ['  0.5\n', 'EUR', '.', 50n],
    ['007.50', 'EUR', '.', 750n],
    ['100.', 'EUR', '.', 10000n],
    ['100.00', 'JPY', '.', 100n],
    ['1.234', 'KWD', '.', 1234n],
    ['1.2000', 'EUR', '.', 120n],
    ['9999999999999.99', 'EUR', '.', 999999999999999n],
    ['99999999999999.99', 'EUR', '.', 9999999999999999n],
    ['999999999999999999.99', 'EUR', '.', 99999999999999999999n],
    ['\u00a012.00', 'EUR', '.', 1200n],
  ])('reads %j in %s (separator %s) as %s minor units', (text, currency, separator, minor) => {
    expect(minorAmountOf(text, currency, separator as '.' | ',')).toBe(minor);
  });

  it.each([
    ['12.345', 'EUR', '.', 'has more decimals than EUR has (2)'],
    ['1.5', 'JPY', '.', 'has more decimals than JPY has (0)'],
    ['.5', 'EUR', '.', 'is not a decimal amount'],
    ['-1.00', 'EUR', '.', 'is not a decimal amount'],
    ['1.00.0', 'EUR', '.', 'is not a decimal amount'],
    ['1,00', 'EUR', '.', 'is not a decimal amount'],
    ['1 000.00', 'EUR', '.', 'is not a decimal amount'],
    ['\u000112.00', 'EUR', '.', 'is not a decimal amount'],
    ['1234567890123456789.00', 'EUR', '.', 'is not a decimal amount'],
    ['', 'EUR', '.', 'is not a decimal amount'],
    ['12.00', 'EURO', '.', 'is not an ISO 4217 code'],
  ])('refuses %j in %s (separator %s): %s', (text, currency, separator, reason) => {
    expect(minorAmountOf(text, currency, separator as '.' | ',')).toEqual(expect.stringContaining(reason));
  });

  it('agrees with the general reading on every amount of a sweep of lengths, decimals and separators', () => {
    const texts: string[] = [];
    for (let digits = 1; digits <= 19; digits++) {
      const whole = '9876543210987654321'.slice(0, digits);
      for (const fraction of ['', '0', '5', '50', '05', '55', '500', '505', '5000'])
        for (const sep of ['.', ','] as const) texts.push(fraction === '' ? whole : `${whole}${sep}${fraction}`, `${whole}${sep}`);
    }
    for (const text of texts)
      for (const [currency, exponent] of [
        ['EUR', 2],
        ['JPY', 0],
        ['KWD', 3],
      ] as const)
        for (const separator of ['.', ','] as const)
          expect([text, currency, reading(text, currency, separator)]).toEqual([text, currency, generalReading(text, exponent, separator)]);
  });
});
