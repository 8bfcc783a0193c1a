import { windowsOverlap } from './create-tax-rate.usecase';

const w = (validFrom: string, validTo: string | null) => ({ validFrom, validTo });

describe('tax rate windows [validFrom, validTo)', () => {
  it.each([
    [w('2026-01-01', '2027-01-01'), w('2027-01-01', null), false],
    [w('2026-01-01', '2027-01-01'), w('2026-12-31', null), true],
    [w('2026-01-01', null), w('2030-01-01', '2031-01-01'), true],
    [w('2026-01-01', '2026-02-01'), w('2025-01-01', '2026-01-01'), false],
    [w('2026-01-01', '2026-02-01'), w('2025-01-01', '2026-01-02'), true],
    [w('2026-01-01', null), w('2020-01-01', null), true],
  ])('%j and %j overlap: %s', (a, b, expected) => {
    expect(windowsOverlap(a, b)).toBe(expected);
    expect(windowsOverlap(b, a)).toBe(expected);
  });
});
