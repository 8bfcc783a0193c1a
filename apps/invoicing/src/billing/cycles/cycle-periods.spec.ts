import { cycleIdOf, localDateOf, nextPeriod, periodContaining, startOfLocalDateMs } from './cycle-periods';

describe('cycle periods', () => {
  it.each([
    [{ kind: 'MONTHLY', anchorDay: 1 }, '2026-11-30', '2026-11-01', '2026-12-01'],
    [{ kind: 'MONTHLY', anchorDay: 15 }, '2026-11-14', '2026-10-15', '2026-11-15'],
    [{ kind: 'MONTHLY', anchorDay: 15 }, '2026-12-15', '2026-12-15', '2027-01-15'],
    [{ kind: 'QUARTERLY', anchorDay: 1 }, '2026-11-30', '2026-10-01', '2027-01-01'],
    [{ kind: 'QUARTERLY', anchorDay: 10 }, '2026-10-05', '2026-07-10', '2026-10-10'],
    [{ kind: 'ANNUAL', anchorDay: 1 }, '2026-06-30', '2026-01-01', '2027-01-01'],
    [{ kind: 'WEEKLY', anchorDay: 1 }, '2026-12-03', '2026-11-30', '2026-12-07'], // a Thursday; weeks from Monday
    [{ kind: 'WEEKLY', anchorDay: 4 }, '2026-12-03', '2026-12-03', '2026-12-10'],
  ] as const)('%j period of %s is [%s, %s)', (type, date, start, end) => {
    expect(periodContaining(type, date)).toEqual({ start, end });
  });

  it('chains periods without a gap, and names cycles by type and first day', () => {
    const type = { kind: 'MONTHLY', anchorDay: 28 } as const;
    const p = periodContaining(type, '2027-02-10');
    expect(p).toEqual({ start: '2027-01-28', end: '2027-02-28' });
    expect(nextPeriod(type, p)).toEqual({ start: '2027-02-28', end: '2027-03-28' });
    expect(cycleIdOf('MONTHLY_28', p)).toBe('MONTHLY_28-2027-01-28');
  });

  it('starts a local date at its local midnight, across a DST change', () => {
    // Paris: UTC+2 until 25 Oct 2026 03:00, then UTC+1.
    expect(new Date(startOfLocalDateMs('2026-10-25', 'Europe/Paris')).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(new Date(startOfLocalDateMs('2026-10-26', 'Europe/Paris')).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(new Date(startOfLocalDateMs('2026-11-01', 'UTC')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    // Santiago skips midnight on its spring change (6 Sep 2026, 00:00 -> 01:00): the date starts at 01:00 local.
    expect(localDateOf(startOfLocalDateMs('2026-09-06', 'America/Santiago'), 'America/Santiago')).toBe('2026-09-06');
    expect(localDateOf(startOfLocalDateMs('2026-09-06', 'America/Santiago') - 1, 'America/Santiago')).toBe('2026-09-05');
  });
});
