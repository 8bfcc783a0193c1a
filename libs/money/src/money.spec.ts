import {
  checkAmountMicros,
  formatMoney,
  AMOUNT_MAX_MICROS,
  microsFromNumber,
  microsToNumber,
  MoneyError,
  MoneyErrorCode,
  parseMicros,
  parseMoney,
} from '@app/money';

function errorOf(fn: () => unknown): MoneyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MoneyError) return e;
    throw e;
  }
  throw new Error('expected a MoneyError');
}

describe('parseMoney', () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['0.000001', 1n],
    ['-0.000001', -1n],
    ['-0.5', -500_000n],
    ['12.345678', 12_345_678n],
    ['12.5', 12_500_000n],
    ['7', 7_000_000n],
    ['007.10', 7_100_000n],
    ['9007199254.740991', AMOUNT_MAX_MICROS],
    ['-9007199254.740991', -AMOUNT_MAX_MICROS],
  ])('parses %s', (text, micros) => {
    expect(parseMoney(text)).toBe(micros);
  });

  it.each<[unknown, MoneyErrorCode, RegExp]>([
    [1.5, MoneyErrorCode.INVALID_FORMAT, /decimal string, got the number 1.5/],
    [12n, MoneyErrorCode.INVALID_FORMAT, /type bigint/],
    [null, MoneyErrorCode.INVALID_FORMAT, /got null/],
    ['', MoneyErrorCode.INVALID_FORMAT, /1 to 40 characters/],
    ['1'.repeat(41), MoneyErrorCode.INVALID_FORMAT, /41 characters/],
    ['1e3', MoneyErrorCode.INVALID_FORMAT, /exponent notation/],
    ['1.5E-3', MoneyErrorCode.INVALID_FORMAT, /exponent notation/],
    ['+1', MoneyErrorCode.INVALID_FORMAT, /like "12.345678"/],
    [' 1', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['.5', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['5.', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['1,5', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['1_000', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['NaN', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['Infinity', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['0x10', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['--1', MoneyErrorCode.INVALID_FORMAT, /like/],
    ['1.0000001', MoneyErrorCode.TOO_MANY_DECIMALS, /has 7 decimals; at most 6/],
    ['1.0000000', MoneyErrorCode.TOO_MANY_DECIMALS, /has 7 decimals/],
    ['9007199254.740992', MoneyErrorCode.OUT_OF_RANGE, /beyond the engine limit/],
    ['-9007199254.740992', MoneyErrorCode.OUT_OF_RANGE, /beyond the engine limit/],
    ['99999999999999999999', MoneyErrorCode.OUT_OF_RANGE, /beyond/],
  ])('rejects %p with %s', (input, code, message) => {
    const e = errorOf(() => parseMoney(input));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

describe('formatMoney', () => {
  it.each<[bigint, number, string]>([
    [0n, 0, '0'],
    [0n, 2, '0.00'],
    [1n, 0, '0.000001'],
    [-1n, 2, '-0.000001'],
    [-500_000n, 0, '-0.5'],
    [12_500_000n, 2, '12.50'],
    [12_345_678n, 2, '12.345678'],
    [7_000_000n, 0, '7'],
    [7_000_000n, 6, '7.000000'],
    [AMOUNT_MAX_MICROS, 0, '9007199254.740991'],
  ])('formats %p with %p decimals as %s', (micros, decimals, text) => {
    expect(formatMoney(micros, decimals)).toBe(text);
  });

  it.each([-1, 7, 1.5])('refuses minDecimals %p', (decimals) => {
    expect(() => formatMoney(1n, decimals)).toThrow(RangeError);
  });

  it('round-trips with parseMoney', () => {
    for (const micros of [0n, 1n, -1n, 10n, 999_999n, 1_000_001n, -123_456_789n, AMOUNT_MAX_MICROS, -AMOUNT_MAX_MICROS]) {
      expect(parseMoney(formatMoney(micros))).toBe(micros);
    }
  });
});

describe('parseMicros', () => {
  it.each([
    ['0', 0n],
    ['123', 123n],
    ['-5', -5n],
    ['9007199254740991', AMOUNT_MAX_MICROS],
    ['-9007199254740991', -AMOUNT_MAX_MICROS],
  ])('parses %s', (text, micros) => {
    expect(parseMicros(text)).toBe(micros);
  });

  it.each<[unknown, MoneyErrorCode]>([
    [123, MoneyErrorCode.INVALID_FORMAT],
    ['', MoneyErrorCode.INVALID_FORMAT],
    ['-0', MoneyErrorCode.INVALID_FORMAT],
    ['0123', MoneyErrorCode.INVALID_FORMAT],
    ['+1', MoneyErrorCode.INVALID_FORMAT],
    ['1.0', MoneyErrorCode.INVALID_FORMAT],
    ['1e6', MoneyErrorCode.INVALID_FORMAT],
    ['12345678901234567890', MoneyErrorCode.INVALID_FORMAT],
    ['9007199254740992', MoneyErrorCode.OUT_OF_RANGE],
    ['-9007199254740992', MoneyErrorCode.OUT_OF_RANGE],
    ['9223372036854775807', MoneyErrorCode.OUT_OF_RANGE],
  ])('rejects %p with %s', (input, code) => {
    expect(errorOf(() => parseMicros(input)).code).toBe(code);
  });
});

describe('engine numbers', () => {
  it.each([0n, 1n, -1n, AMOUNT_MAX_MICROS, -AMOUNT_MAX_MICROS])('round-trips %p through a number', (micros) => {
    expect(microsFromNumber(microsToNumber(micros))).toBe(micros);
  });

  it('refuses micros beyond 2^53 - 1 as a number', () => {
    expect(errorOf(() => microsToNumber(AMOUNT_MAX_MICROS + 1n)).code).toBe(MoneyErrorCode.OUT_OF_RANGE);
  });

  it.each<[number, MoneyErrorCode]>([
    [0.5, MoneyErrorCode.INVALID_FORMAT],
    [Number.NaN, MoneyErrorCode.INVALID_FORMAT],
    [Number.POSITIVE_INFINITY, MoneyErrorCode.INVALID_FORMAT],
    [2 ** 53, MoneyErrorCode.OUT_OF_RANGE],
  ])('refuses the number %p', (n, code) => {
    expect(errorOf(() => microsFromNumber(n)).code).toBe(code);
  });

  it('checkAmountMicros names what is out of range', () => {
    expect(checkAmountMicros(5n)).toBe(5n);
    expect(() => checkAmountMicros(AMOUNT_MAX_MICROS + 1n, 'balance')).toThrow(/^balance 9007199254740992 micros/);
  });
});
