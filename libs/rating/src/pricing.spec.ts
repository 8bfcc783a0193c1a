import { AMOUNT_MAX_MICROS } from '@app/money';
import { affordableUnits, assertCompiledRate, billableUnits, type CompiledRate, priceUnitsMicros, RatingErrorCode } from '@app/rating';
import { expectRatingError, rate } from './test/fixtures';

const MB = 1_048_576;

describe('billableUnits', () => {
  it.each([
    // [used, first, next, billable]
    [0, 60, 60, 0],
    [1, 60, 60, 60],
    [59, 60, 60, 60],
    [60, 60, 60, 60],
    [61, 60, 60, 120],
    [120, 60, 60, 120],
    [121, 60, 60, 180],
    [0, 30, 6, 0],
    [1, 30, 6, 30],
    [30, 30, 6, 30],
    [31, 30, 6, 36],
    [36, 30, 6, 36],
    [37, 30, 6, 42],
    [0, 1, 1, 0],
    [1, 1, 1, 1],
    [7, 1, 1, 7],
    [61, 60, 10, 70],
    [2, 1, 60, 61],
    [1, 1024, 1024, 1024],
    [1024, 1024, 1024, 1024],
    [1025, 1024, 1024, 2048],
    [1, MB, MB, MB],
    [MB, MB, MB, MB],
    [MB + 1, MB, MB, 2 * MB],
    [10_000_000_000_000, MB, MB, 10_000_000_876_544],
    [Number.MAX_SAFE_INTEGER, 1, 1, Number.MAX_SAFE_INTEGER],
  ])('used %p with %p/%p -> %p', (used, first, next, expected) => {
    expect(billableUnits(used, first, next)).toBe(expected);
  });

  it.each<[number, number, number, RatingErrorCode, string]>([
    [-1, 60, 60, RatingErrorCode.INVALID_USAGE, 'usedUnits'],
    [1.5, 60, 60, RatingErrorCode.INVALID_USAGE, 'usedUnits'],
    [Number.NaN, 60, 60, RatingErrorCode.INVALID_USAGE, 'usedUnits'],
    [2 ** 53, 1, 1, RatingErrorCode.INVALID_USAGE, 'usedUnits'],
    [Number.MAX_SAFE_INTEGER, 60, 60, RatingErrorCode.INVALID_USAGE, 'usedUnits'],
    [1, 0, 60, RatingErrorCode.INVALID_RATE, 'firstUnits'],
    [1, 60, 0, RatingErrorCode.INVALID_RATE, 'nextUnits'],
    [1, 60, 0.5, RatingErrorCode.INVALID_RATE, 'nextUnits'],
  ])('refuses used %p with %p/%p', (used, first, next, code, path) => {
    expectRatingError(() => billableUnits(used, first, next), code, path);
  });
});

describe('priceUnitsMicros', () => {
  const voice = rate({ perUnits: 60, tiers: [{ fromUnits: 0, priceMicros: 100_000 }], setupMicros: 50_000 });
  const tiered = rate({
    tiers: [
      { fromUnits: 0, priceMicros: 10 },
      { fromUnits: 100, priceMicros: 5 },
    ],
  });
  const threeTiers = rate({
    tiers: [
      { fromUnits: 0, priceMicros: 10 },
      { fromUnits: 100, priceMicros: 5 },
      { fromUnits: 200, priceMicros: 1 },
    ],
  });

  it.each<[string, CompiledRate, number, number, bigint]>([
    ['no units, no setup fee', voice, 0, 0, 0n],
    ['one minute at 0.10/60 (setup fee not included)', voice, 60, 0, 100_000n],
    ['one second: 1666.67 -> 1667', voice, 1, 0, 1_667n],
    ['half a minute', voice, 30, 0, 50_000n],
    ['half a micro rounds up', rate({ perUnits: 2 }), 1, 0, 1n],
    ['one and a half micros rounds up', rate({ perUnits: 2 }), 3, 0, 2n],
    ['0.49 micro rounds down', rate({ perUnits: 100, tiers: [{ fromUnits: 0, priceMicros: 49 }] }), 1, 0, 0n],
    ['0.5 micro rounds up', rate({ perUnits: 100, tiers: [{ fromUnits: 0, priceMicros: 50 }] }), 1, 0, 1n],
    ['tier edge: the last unit below the boundary', tiered, 1, 99, 10n],
    ['tier edge: one below', tiered, 1, 98, 10n],
    ['tier edge: exactly at the boundary', tiered, 1, 100, 5n],
    ['tier edge: one above', tiered, 1, 101, 5n],
    ['a charge ending exactly at the boundary', tiered, 10, 90, 100n],
    ['a charge spanning two tiers', tiered, 10, 95, 75n],
    ['a charge spanning three tiers', threeTiers, 200, 90, 690n],
    [
      'one rounding across tiers: (2*1 + 1*2) / 3 = 1.33 -> 1',
      rate({
        perUnits: 3,
        tiers: [
          { fromUnits: 0, priceMicros: 1 },
          { fromUnits: 2, priceMicros: 2 },
        ],
      }),
      3,
      0,
      1n,
    ],
    [
      'data: 1 GB at 0.01 per MB',
      rate({ unit: 'BYTES', perUnits: MB, tiers: [{ fromUnits: 0, priceMicros: 10_000 }] }),
      1024 * MB,
      0,
      10_240_000n,
    ],
    [
      'beyond 2^53 in the intermediate product',
      rate({ perUnits: 3, tiers: [{ fromUnits: 0, priceMicros: 9_000_000_000 }] }),
      10_000_000_000_000,
      0,
      30_000_000_000_000_000_000_000n,
    ],
  ])('%s', (_name, r, billable, before, expected) => {
    expect(priceUnitsMicros(r, billable, before)).toBe(expected);
  });

  it.each<[number, number, string]>([
    [-1, 0, 'billableUnits'],
    [1.5, 0, 'billableUnits'],
    [1, -1, 'cycleUsedBefore'],
  ])('refuses billable %p after %p', (billable, before, path) => {
    expectRatingError(() => priceUnitsMicros(voice, billable, before), RatingErrorCode.INVALID_USAGE, path);
  });
});

describe('affordableUnits (reverse rating)', () => {
  // 0.10 per 60 s, 60/60, setup 0.05
  const voice = rate({ perUnits: 60, firstUnits: 60, nextUnits: 60, setupMicros: 50_000, tiers: [{ fromUnits: 0, priceMicros: 100_000 }] });
  // 0.12 per 60 s = 2000 micros/s, 30/6
  const voice306 = rate({ perUnits: 60, firstUnits: 30, nextUnits: 6, tiers: [{ fromUnits: 0, priceMicros: 120_000 }] });
  const tiered = rate({
    tiers: [
      { fromUnits: 0, priceMicros: 10 },
      { fromUnits: 100, priceMicros: 5 },
    ],
  });
  const free = rate({ perUnits: 60, firstUnits: 60, nextUnits: 60, tiers: [{ fromUnits: 0, priceMicros: 0 }] });
  const data = rate({
    unit: 'BYTES',
    perUnits: MB,
    firstUnits: MB,
    nextUnits: MB,
    tiers: [
      { fromUnits: 0, priceMicros: 10_000 },
      { fromUnits: 1024 * MB, priceMicros: 5_000 },
    ],
  });

  it.each<[string, CompiledRate, bigint, number, boolean, number, number]>([
    // [name, rate, budget, cycleUsedBefore, setupDue, maxUnits, expected]
    ['exactly one minute', voice, 100_000n, 0, false, 1_000, 60],
    ['one micro short of one minute', voice, 99_999n, 0, false, 1_000, 0],
    ['one micro short of two minutes', voice, 199_999n, 0, false, 1_000, 60],
    ['exactly two minutes', voice, 200_000n, 0, false, 1_000, 120],
    ['setup fee due: exactly one minute + setup', voice, 150_000n, 0, true, 1_000, 60],
    ['setup fee due: one micro short', voice, 149_999n, 0, true, 1_000, 0],
    ['capped by maxUnits between increments', voice, 10_000_000n, 0, false, 100, 60],
    ['maxUnits below the first increment', voice, 10_000_000n, 0, false, 59, 0],
    ['maxUnits exactly on an increment', voice, 10_000_000n, 0, false, 180, 180],
    ['negative budget', voice, -1n, 0, false, 1_000, 0],
    ['zero budget', voice, 0n, 0, false, 1_000, 0],
    ['free rate: everything up to maxUnits', free, 0n, 0, false, 1_000, 960],
    ['30/6: exactly the first increment', voice306, 60_000n, 0, false, 1_000, 30],
    ['30/6: one micro short of 36 s', voice306, 71_999n, 0, false, 1_000, 30],
    ['30/6: exactly 36 s', voice306, 72_000n, 0, false, 1_000, 36],
    ['tiers: charge spanning the boundary fits exactly', tiered, 75n, 95, false, 1_000, 10],
    ['tiers: one micro short', tiered, 74n, 95, false, 1_000, 9],
    ['tiers: cheaper tier after the boundary', tiered, 50n, 100, false, 1_000, 10],
    ['data: 10 GB budget after 1 GB used at the cheaper tier', data, 10_240_000n, 1024 * MB, false, 10_000_000_000_000, 2048 * MB],
    ['data: huge budget capped by maxUnits', data, AMOUNT_MAX_MICROS, 0, false, 10_000_000_000_000, 9_999_999_827_968],
  ])('%s', (_name, r, budget, before, setupDue, maxUnits, expected) => {
    expect(affordableUnits(r, budget, before, setupDue, maxUnits)).toBe(expected);
  });

  it.each<[number, number, string]>([
    [-1, 10, 'cycleUsedBefore'],
    [0, -1, 'maxUnits'],
    [0, 1.5, 'maxUnits'],
  ])('refuses cycleUsedBefore %p, maxUnits %p', (before, maxUnits, path) => {
    expectRatingError(() => affordableUnits(voice, 1n, before, false, maxUnits), RatingErrorCode.INVALID_USAGE, path);
  });
});

describe('assertCompiledRate', () => {
  it('accepts a valid rate', () => {
    expect(() => assertCompiledRate(rate({ tariffChangeAtMs: 1_000 }))).not.toThrow();
  });

  it.each<[string, Partial<CompiledRate>, string]>([
    ['empty tariff id', { tariffId: '' }, 'rate.tariffId'],
    ['unknown unit', { unit: 'MINUTES' as CompiledRate['unit'] }, 'rate.unit'],
    ['negative setup', { setupMicros: -1 }, 'rate.setupMicros'],
    ['setup beyond the engine limit', { setupMicros: 2 ** 53 }, 'rate.setupMicros'],
    ['zero first increment', { firstUnits: 0 }, 'rate.firstUnits'],
    ['fractional next increment', { nextUnits: 1.5 }, 'rate.nextUnits'],
    ['zero perUnits', { perUnits: 0 }, 'rate.perUnits'],
    ['no tiers', { tiers: [] }, 'rate.tiers'],
    ['first tier not at 0', { tiers: [{ fromUnits: 5, priceMicros: 1 }] }, 'rate.tiers[0].fromUnits'],
    [
      'tiers not ascending',
      {
        tiers: [
          { fromUnits: 0, priceMicros: 1 },
          { fromUnits: 0, priceMicros: 2 },
        ],
      },
      'rate.tiers[1].fromUnits',
    ],
    ['negative tier price', { tiers: [{ fromUnits: 0, priceMicros: -1 }] }, 'rate.tiers[0].priceMicros'],
    ['fractional tier price', { tiers: [{ fromUnits: 0, priceMicros: 0.5 }] }, 'rate.tiers[0].priceMicros'],
    ['negative tariff change', { tariffChangeAtMs: -1 }, 'rate.tariffChangeAtMs'],
  ])('refuses %s', (_name, overrides, path) => {
    expectRatingError(() => assertCompiledRate(rate(overrides)), RatingErrorCode.INVALID_RATE, path);
    expectRatingError(() => priceUnitsMicros(rate(overrides), 1, 0), RatingErrorCode.INVALID_RATE, path);
  });
});
