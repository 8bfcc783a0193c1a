/** Every bound of one revenue-assurance run, with its unit (TigerStyle: a limit on everything). */

/** Distinct events one run may hold in memory (about 150 B each): default and hard cap. A run that
 * would scan more stops with SCAN_LIMIT_EXCEEDED rather than report on part of the period. */
export const ASSURANCE_EVENTS_MAX_DEFAULT = 1_000_000;
export const ASSURANCE_EVENTS_MAX_LIMIT = 10_000_000;
/** Accounts with differences reported event by event: default and hard cap. Further accounts are
 * counted (`accountsNotDetailed`) but their events are not fetched. */
export const ASSURANCE_ACCOUNTS_REPORTED_DEFAULT = 100;
export const ASSURANCE_ACCOUNTS_REPORTED_LIMIT = 1_000;
/** Event ids listed per account and kind of difference (the counts and amounts are always complete). */
export const ASSURANCE_EVENT_IDS_PER_KIND_MAX = 20;
/** Messages one run may read (of every period: the scan reads from the period start to the stream's end). */
export const ASSURANCE_SCAN_MESSAGES_MAX_DEFAULT = 20_000_000;
export const ASSURANCE_SCAN_MESSAGES_MAX_LIMIT = 500_000_000;
/** Default of ASSURANCE_PUBLISH_DELAY_MAX_MS: an event of a period published more than this after the
 * period end is a late arrival (reported as such; it is compared like any other). */
export const ASSURANCE_PUBLISH_DELAY_MAX_DEFAULT_MS = 3_600_000;
/** Tolerated difference between the charging engine's clock (occurredAtMs) and the NATS server's (publish time). */
export const ASSURANCE_CLOCK_SKEW_MS = 60_000;
/** Longest period one run covers (the reconciliation query's bound: a quarter). */
export const ASSURANCE_PERIOD_MAX_MS = 92 * 24 * 3_600_000;
/** Messages per fetch of the ordered consumer, and how long an empty fetch waits before the scan ends. */
export const ASSURANCE_FETCH_BATCH = 1_000;
export const ASSURANCE_FETCH_WAIT_MS = 1_000;
/** Runs at once in one process (each holds up to ASSURANCE_EVENTS_MAX events). */
export const ASSURANCE_CONCURRENT_RUNS_MAX = 1;
