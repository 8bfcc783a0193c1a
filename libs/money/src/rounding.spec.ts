import { Decimal } from 'decimal.js';
import { divRoundHalfUp, AMOUNT_MAX_MICROS, microsToDecimal, MoneyError, MoneyErrorCode, roundHalfUpToMicros } from '@app/money';

describe('roundHalfUpToMicros (currency units -> whole micros, half away from zero)', () => {
  it.each([
    ['0', 0n],
    ['0.0000005', 1n],
    ['0.00000049999999999999999999', 0n],
    ['0.0000004', 0n],
    ['0.0000015', 2n],
    ['0.0000025', 3n],
    ['-0.0000005', -1n],
    ['-0.0000004', 0n],
    ['-0.0000015', -2n],
    ['12.3456785', 12_345_679n],
    ['12.34567849', 12_345_678n],
    ['1234567890.1234565000000000001', 1_234_567_890_123_457n],
    ['9007199254.7409914', AMOUNT_MAX_MICROS],
  ])('rounds %s', (amount, micros) => {
    expect(roundHalfUpToMicros(new Decimal(amount))).toBe(micros);
  });

  it('is exact beyond the Decimal precision setting', () => {
    const Low = Decimal.clone({ precision: 5 });
    expect(roundHalfUpToMicros(new Low('123456.7890125'))).toBe(123_456_789_013n);
  });

  it.each([
    ['9007199254.7409915', MoneyErrorCode.OUT_OF_RANGE],
    ['NaN', MoneyErrorCode.INVALID_FORMAT],
    ['Infinity', MoneyErrorCode.INVALID_FORMAT],
  ])('refuses %s', (amount, code) => {
    expect(() => roundHalfUpToMicros(new Decimal(amount))).toThrow(MoneyError);
    try {
      roundHalfUpToMicros(new Decimal(amount));
    } catch (e) {
      expect((e as MoneyError).code).toBe(code);
    }
  });
});

describe('divRoundHalfUp (the integer form the Lua engine computes)', () => {
  it.each<[bigint, bigint, bigint]>([
    [0n, 7n, 0n],
    [1n, 2n, 1n],
    [3n, 2n, 2n],
    [5n, 2n, 3n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [49n, 100n, 0n],
    [50n, 100n, 1n],
    [-1n, 2n, -1n],
    [-49n, 100n, 0n],
    [-50n, 100n, -1n],
    [10n ** 30n + 5n, 10n, 10n ** 29n + 1n],
  ])('%p / %p = %p', (n, d, q) => {
    expect(divRoundHalfUp(n, d)).toBe(q);
  });

  it('matches floor((2n + d) / (2d)) and decimal.js ROUND_HALF_UP for n >= 0', () => {
    for (let d = 1n; d <= 13n; d++) {
      for (let n = 0n; n <= 60n; n++) {
        expect(divRoundHalfUp(n, d)).toBe((2n * n + d) / (2n * d));
        const viaDecimal = new Decimal(n.toString()).div(d.toString()).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
        expect(divRoundHalfUp(n, d).toString()).toBe(viaDecimal.toFixed(0));
      }
    }
  });

  it.each([0n, -1n])('refuses denominator %p', (d) => {
    expect(() => divRoundHalfUp(1n, d)).toThrow(RangeError);
  });
});

describe('microsToDecimal', () => {
  it.each([
    [0n, '0'],
    [1n, '0.000001'],
    [-12_345_678n, '-12.345678'],
    [AMOUNT_MAX_MICROS, '9007199254.740991'],
  ])('%p micros = %s', (micros, text) => {
    expect(microsToDecimal(micros).toFixed()).toBe(text);
    expect(roundHalfUpToMicros(microsToDecimal(micros))).toBe(micros);
  });
});
