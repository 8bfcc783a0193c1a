import {
  CURRENCY_EXPONENTS,
  currencyExponent,
  isCurrencyCode,
  minorToDecimal,
  minorToMicros,
  MoneyError,
  MoneyErrorCode,
  parseCurrency,
  tmfMoney,
} from '@app/money';

describe('currencies', () => {
  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['CLF', 4],
  ])('%s has exponent %p', (code, exponent) => {
    expect(parseCurrency(code)).toBe(code);
    expect(isCurrencyCode(code)).toBe(true);
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each<[unknown, RegExp]>([
    ['eur', /3 uppercase letters/],
    ['EURO', /3 uppercase letters/],
    ['EU', /3 uppercase letters/],
    [' EUR', /3 uppercase letters/],
    [978, /3 uppercase letters/],
    [undefined, /3 uppercase letters/],
    ['ABC', /"ABC" is not an active ISO 4217 currency code/],
    ['XXX', /not an active/],
    ['XAU', /not an active/],
    ['DEM', /not an active/],
  ])('rejects %p', (code, message) => {
    expect(isCurrencyCode(code)).toBe(false);
    expect(() => parseCurrency(code)).toThrow(message);
    try {
      parseCurrency(code);
    } catch (e) {
      expect(e).toBeInstanceOf(MoneyError);
      expect((e as MoneyError).code).toBe(MoneyErrorCode.INVALID_CURRENCY);
    }
  });

  it('refuses inherited object keys', () => {
    expect(isCurrencyCode('constructor')).toBe(false);
  });

  it('keeps every exponent within a micro-unit', () => {
    for (const exponent of Object.values(CURRENCY_EXPONENTS)) {
      expect(exponent).toBeGreaterThanOrEqual(0);
      expect(exponent).toBeLessThanOrEqual(6);
    }
  });
});

describe('minorToMicros', () => {
  it.each<[bigint, string, bigint]>([
    [999n, 'EUR', 9_990_000n],
    [500n, 'JPY', 500_000_000n],
    [1_234n, 'BHD', 1_234_000n],
    [0n, 'EUR', 0n],
  ])('%s minor %s is %s micros', (minor, currency, micros) => {
    expect(minorToMicros(minor, currency)).toBe(micros);
  });

  it('refuses an unknown currency and an amount beyond the engine limit', () => {
    expect(() => minorToMicros(1n, 'XXQ')).toThrow(MoneyError);
    expect(() => minorToMicros(9_007_199_254_740_991n, 'EUR')).toThrow(/beyond the engine limit/);
  });
});

describe('minorToDecimal and tmfMoney', () => {
  it.each([
    [12345n, 'EUR', '123.45', 123.45],
    [-5n, 'JPY', '-5', -5],
    [7n, 'BHD', '0.007', 0.007],
    [12000n, 'EUR', '120.00', 120],
    [123456789012345678n, 'EUR', '1234567890123456.78', '1234567890123456.78'],
  ])('%s %s is %s, TMF value %s', (minor, currency, decimal, value) => {
    expect(minorToDecimal(minor, currency)).toBe(decimal);
    expect(tmfMoney(minor, currency)).toEqual({ unit: currency, value });
  });
});
