/** The one capped exponential back-off of every Ratel process (start-up retries, fetch/publish retries). */

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound of every delay. */
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
}

/** Exponent cap: 2^30 times any initial delay is far past every cap, and the number stays finite. */
const BACKOFF_EXPONENT_MAX = 30;

/** Delay before retry number `attempt` (1-based): initialMs * factor^(attempt-1), capped at maxMs. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  }
  const exponent = Math.min(attempt - 1, BACKOFF_EXPONENT_MAX);
  return Math.min(policy.initialMs * (policy.factor ?? 2) ** exponent, policy.maxMs);
}
