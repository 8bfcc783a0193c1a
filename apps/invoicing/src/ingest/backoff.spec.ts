import { sinkBackoffDelayMs } from './backoff';
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from './sink-limits';

describe('sinkBackoffDelayMs', () => {
  it.each([
    [1, BACKOFF_INITIAL_MS],
    [2, BACKOFF_INITIAL_MS * 2],
    [3, BACKOFF_INITIAL_MS * 4],
    [50, BACKOFF_MAX_MS],
    [1_000_000, BACKOFF_MAX_MS],
  ])('attempt %p waits %p ms', (attempt, delay) => expect(sinkBackoffDelayMs(attempt)).toBe(delay));

  it('never exceeds the cap and never decreases', () => {
    let last = 0;
    for (let a = 1; a < 100; a++) {
      const d = sinkBackoffDelayMs(a);
      expect(d).toBeGreaterThanOrEqual(last);
      expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS);
      last = d;
    }
  });

  it.each([[0], [-1], [1.5], [NaN]])('refuses attempt %p', (a) => expect(() => sinkBackoffDelayMs(a)).toThrow(RangeError));
});
