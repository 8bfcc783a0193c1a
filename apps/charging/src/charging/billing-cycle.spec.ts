import { cycleIdAt } from './billing-cycle';

describe('cycleIdAt', () => {
  it('names the cycle by the month it starts in, in the account time zone', () => {
    // 2026-11-01 00:30 in Berlin is 2026-10-31 23:30 UTC.
    expect(cycleIdAt(Date.UTC(2026, 9, 31, 23, 30), 'Europe/Berlin', 1)).toBe('2026-11');
    expect(cycleIdAt(Date.UTC(2026, 9, 31, 23, 30), 'UTC', 1)).toBe('2026-10');
  });

  it('belongs to the previous month before the cycle day', () => {
    expect(cycleIdAt(Date.UTC(2026, 10, 14, 12), 'UTC', 15)).toBe('2026-10');
    expect(cycleIdAt(Date.UTC(2026, 10, 15, 0), 'UTC', 15)).toBe('2026-11');
    expect(cycleIdAt(Date.UTC(2026, 0, 3), 'UTC', 5)).toBe('2025-12');
  });

  it('starts on the last day of a month shorter than the cycle day', () => {
    expect(cycleIdAt(Date.UTC(2027, 1, 28, 12), 'UTC', 31)).toBe('2027-02');
    expect(cycleIdAt(Date.UTC(2027, 1, 27, 12), 'UTC', 31)).toBe('2027-01');
  });

  it('refuses a cycle day out of range', () => {
    expect(() => cycleIdAt(0, 'UTC', 0)).toThrow(RangeError);
  });
});
