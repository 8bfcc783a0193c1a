import { backoffDelayMs, type BackoffPolicy } from '@app/runtime';
import { BACKOFF_FACTOR, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from './sink-limits';

/** The sink's back-off policy (sink-limits.ts) on the shared capped exponential back-off of libs/runtime. */
export const SINK_BACKOFF: BackoffPolicy = { initialMs: BACKOFF_INITIAL_MS, factor: BACKOFF_FACTOR, maxMs: BACKOFF_MAX_MS };

/** Delay before retry number `attempt` (1-based) of the sink. */
export function sinkBackoffDelayMs(attempt: number): number {
  return backoffDelayMs(attempt, SINK_BACKOFF);
}
