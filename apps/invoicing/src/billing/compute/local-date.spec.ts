import { allocate } from './line-factory';
import { addMonths, daysBetween, localDateOf } from './local-date';

describe('local dates', () => {
  it.each([
    ['2026-10-25T00:30:00Z', 'Europe/Paris', '2026-10-25'], // 02:30 CEST
    ['2026-10-25T22:59:59Z', 'Europe/Paris', '2026-10-25'], // 23:59:59 CET, after the change
    ['2026-10-25T23:00:00Z', 'Europe/Paris', '2026-10-26'],
    ['2026-03-29T21:59:59Z', 'Europe/Paris', '2026-03-29'], // 23:59:59 CEST, the spring change
    ['2026-03-29T22:00:00Z', 'Europe/Paris', '2026-03-30'],
    ['2026-11-01T04:30:00Z', 'America/New_York', '2026-11-01'],
    ['2026-10-25T23:30:00Z', 'UTC', '2026-10-25'],
  ])('%s in %s is %s', (instant, zone, date) => {
    expect(localDateOf(Date.parse(instant), zone)).toBe(date);
  });

  it('counts calendar days, whatever the DST changes in between', () => {
    expect(daysBetween('2026-10-01', '2026-11-01')).toBe(31); // 745 hours in Paris
    expect(daysBetween('2026-03-01', '2026-04-01')).toBe(31); // 743 hours in Paris
    expect(daysBetween('2028-02-01', '2028-03-01')).toBe(29);
  });

  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-11-01', 3, '2027-02-01'],
    ['2026-03-01', -1, '2026-02-01'],
  ])('%s + %s months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });
});

describe('allocate (largest remainder)', () => {
  it.each([
    [100n, [1n, 1n, 1n], [34n, 33n, 33n]],
    [420n, [1100n, 3100n], [110n, 310n]],
    [5n, [0n, 3n, 0n], [0n, 5n, 0n]],
    [0n, [1n, 2n], [0n, 0n]],
  ])('%s over %j', (total, weights, expected) => {
    expect(allocate(total, weights)).toEqual(expected);
    expect(allocate(total, weights).reduce((a, b) => a + b, 0n)).toBe(total);
  });
});
