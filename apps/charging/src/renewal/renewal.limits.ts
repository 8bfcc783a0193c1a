/** Limits and the retry schedule of prepaid renewals (see apps/charging/README.md "Prepaid renewals"). */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Delay before the next attempt of a renewal that could not be paid, by how many attempts failed
 * (1st failure: 15 minutes, ...); after the last entry it repeats every RENEWAL_RETRY_DELAY_LAST_MS
 * until the period is over. A top-up is thus picked up within a day at the latest.
 */
export const RENEWAL_RETRY_DELAYS_MS: readonly number[] = [15 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS];
/** Subscriptions read per page when the due renewals are planned. */
export const RENEWAL_PLAN_PAGE_SIZE = 500;
/** Renewals attempted (and locked) per transaction. */
export const RENEWAL_ATTEMPT_BATCH_MAX = 100;
/** Most batches one run attempts (a bound on one run; the next run goes on). */
export const RENEWAL_ATTEMPT_BATCHES_MAX = 100;
/** How long the engine keeps a paid renewal's answer beyond the period's end (replays of a late or crashed run). */
export const RENEWAL_RECORD_MARGIN_MS = 7 * DAY_MS;
/** Default time between two runs of the renewal worker. */
export const RENEWAL_RUN_INTERVAL_MS = 60_000;
/** How long the worker waits for a run in progress when it is stopped. */
export const RENEWAL_STOP_TIMEOUT_MS = 30_000;
/** Longest text kept in subscription_renewal.last_result. */
export const RENEWAL_RESULT_TEXT_MAX = 200;
