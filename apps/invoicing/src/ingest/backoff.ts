import { BACKOFF_FACTOR, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from './sink-limits';

/** Delay before retry number `attempt` (1-based): BACKOFF_INITIAL_MS * BACKOFF_FACTOR^(attempt-1), capped at BACKOFF_MAX_MS. */
export function backoffDelayMs(attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const exponent = Math.min(attempt - 1, 30); // 2^30 * 100 ms is far past the cap; keeps the number finite
  return Math.min(BACKOFF_INITIAL_MS * BACKOFF_FACTOR ** exponent, BACKOFF_MAX_MS);
}
