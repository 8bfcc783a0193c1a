import { unitPrice, unitPriceDecimal } from './line-factory';

describe('unitPrice', () => {
  it.each([
    [2000n, '1', '2000'],
    [-2000n, '-1', '2000'],
    [1000n, '30', '33.333333'],
    [-667n, '-20', '33.35'],
    [1n, '3000000', '0'],
    [-1n, '2000000', '-0.000001'],
    [5n, '0.000000001', '5000000000'],
    [999n, '0', '0'],
    [12345n, '2048.5', '6.026361'],
    [12n ** 20n, '7', unitPriceDecimal(12n ** 20n, '7')],
    [10n, '1e3', '0.01'],
  ])('%s / %s = %s', (amount, quantity, expected) => {
    expect(unitPrice(amount, quantity)).toBe(expected);
  });

  it('answers what decimal.js answers for 20,000 random amounts and quantities', () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const differ: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const amount = BigInt(next(2_000_000_000)) * (next(2) === 0 ? 1n : -1n) * 10n ** BigInt(next(4));
      const whole = String(next(100_000) * (next(3) === 0 ? 0 : 1));
      const decimals =
        next(2) === 0
          ? ''
          : `.${String(next(1_000_000_000))
              .padStart(next(9) + 1, '0')
              .slice(0, 9)}`;
      const quantity = `${next(4) === 0 ? '-' : ''}${whole}${decimals}`;
      if (unitPrice(amount, quantity) !== unitPriceDecimal(amount, quantity)) differ.push(`${amount} / ${quantity}`);
    }
    expect(differ).toEqual([]);
  });
});
