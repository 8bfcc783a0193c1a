import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  const policy = { initialMs: 100, maxMs: 5_000 };

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [7, 5_000],
    [1_000_000, 5_000],
  ])('attempt %p waits %p ms', (attempt, delay) => expect(backoffDelayMs(attempt, policy)).toBe(delay));

  it('uses the factor when given', () => expect(backoffDelayMs(3, { ...policy, factor: 3 })).toBe(900));

  it.each([[0], [-1], [1.5], [NaN]])('refuses attempt %p', (a) => expect(() => backoffDelayMs(a, policy)).toThrow(RangeError));
});
