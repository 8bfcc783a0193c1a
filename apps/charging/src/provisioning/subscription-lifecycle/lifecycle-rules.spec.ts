import { ProvisioningError } from '../provisioning-error';
import { localDate, nextStatus } from './lifecycle-rules';

describe('subscription lifecycle rules', () => {
  it.each([
    ['ACTIVE', 'SUSPEND', 'SUSPENDED'],
    ['SUSPENDED', 'RESUME', 'ACTIVE'],
    ['ACTIVE', 'CANCEL', 'CANCELLED'],
    ['SUSPENDED', 'CANCEL', 'CANCELLED'],
    ['ACTIVE', 'CHANGE_PRODUCT', 'ACTIVE'],
    ['SUSPENDED', 'CHANGE_PRODUCT', 'SUSPENDED'],
  ] as const)('%s + %s -> %s', (from, change, to) => expect(nextStatus('s', from, change)).toBe(to));

  it.each([
    ['SUSPENDED', 'SUSPEND'],
    ['ACTIVE', 'RESUME'],
    ['CANCELLED', 'RESUME'],
    ['CANCELLED', 'CANCEL'],
    ['CANCELLED', 'CHANGE_PRODUCT'],
  ] as const)('%s + %s is refused', (from, change) => {
    expect(() => nextStatus('s', from, change)).toThrow(ProvisioningError);
  });

  it('dates an instant in the account time zone, not in UTC', () => {
    const lateEvening = Date.UTC(2026, 11, 31, 23, 30);
    expect(localDate(lateEvening, 'UTC')).toBe('2026-12-31');
    expect(localDate(lateEvening, 'Europe/Berlin')).toBe('2027-01-01');
    expect(localDate(lateEvening, 'America/New_York')).toBe('2026-12-31');
    expect(localDate(Date.UTC(2026, 0, 1, 3), 'America/Los_Angeles')).toBe('2025-12-31');
  });
});
