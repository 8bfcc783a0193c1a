import { nextAttemptAtMs, renewalPeriodContaining } from './renewal-period';
import { RENEWAL_RETRY_DELAYS_MS } from './renewal.limits';

describe('renewal periods', () => {
  it.each<[string, 'MONTHLY' | 'QUARTERLY' | 'ANNUAL', string, string | undefined, string | undefined]>([
    ['2026-11-15', 'MONTHLY', '2026-11-15', '2026-11-15', '2026-12-15'],
    ['2026-11-15', 'MONTHLY', '2026-12-14', '2026-11-15', '2026-12-15'],
    ['2026-11-15', 'MONTHLY', '2026-12-15', '2026-12-15', '2027-01-15'],
    ['2026-11-15', 'MONTHLY', '2027-02-01', '2027-01-15', '2027-02-15'],
    ['2026-01-31', 'MONTHLY', '2026-02-28', '2026-02-28', '2026-03-31'],
    ['2026-01-31', 'MONTHLY', '2026-02-27', '2026-01-31', '2026-02-28'],
    ['2026-01-31', 'MONTHLY', '2026-04-30', '2026-04-30', '2026-05-31'],
    ['2028-01-31', 'MONTHLY', '2028-02-29', '2028-02-29', '2028-03-31'],
    ['2026-11-15', 'QUARTERLY', '2027-02-14', '2026-11-15', '2027-02-15'],
    ['2026-11-15', 'QUARTERLY', '2027-02-15', '2027-02-15', '2027-05-15'],
    ['2026-02-28', 'ANNUAL', '2028-02-28', '2028-02-28', '2029-02-28'],
    ['2026-11-15', 'MONTHLY', '2026-11-14', undefined, undefined],
  ])('activated %s, %s, on %s: [%s, %s)', (activationDate, period, today, start, end) => {
    const p = renewalPeriodContaining({ activationDate, period, today });
    expect(p).toEqual(start === undefined ? undefined : { start, end });
  });

  it('refuses a date that is not ISO', () => {
    expect(() => renewalPeriodContaining({ activationDate: '2026-1-5', period: 'MONTHLY', today: '2026-02-01' })).toThrow(RangeError);
  });

  it('retries on the schedule, the last delay repeating, never after the period end', () => {
    const end = 100 * 24 * 3_600_000;
    const at = (failures: number) => nextAttemptAtMs({ failures, nowMs: 0, periodEndMs: end });
    expect([1, 2, 3, 4, 5, 9].map(at)).toEqual([
      ...RENEWAL_RETRY_DELAYS_MS,
      RENEWAL_RETRY_DELAYS_MS.at(-1),
      RENEWAL_RETRY_DELAYS_MS.at(-1),
    ]);
    expect(nextAttemptAtMs({ failures: 4, nowMs: end - 1_000, periodEndMs: end })).toBe(end);
  });
});
