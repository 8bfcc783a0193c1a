/** Bounds of the usage API, with their units (TigerStyle: a limit on everything). */
import { REPORT_PAGE_ROWS_MAX } from '@app/analytics';

/** Longest period of one account's summary, subscriber list or daily series (about 13 months). */
export const USAGE_API_PERIOD_MAX_DAYS = 400;
/** Longest period of the all-accounts revenue series: it de-duplicates every event of every account. */
export const REVENUE_API_PERIOD_MAX_DAYS = 92;
/**
 * Subscriber lines per page: default and maximum of `limit`. A paged use case reads `limit + 1`
 * rows (the extra one tells whether a next page exists); @app/analytics allows a query
 * REPORT_PAGE_ROWS_MAX plus that row, so no page maximum may exceed REPORT_PAGE_ROWS_MAX.
 */
export const SUBSCRIBERS_PAGE_DEFAULT = 100;
export const SUBSCRIBERS_PAGE_MAX = 1_000;
/** Revenue lines per page: default and maximum of `limit`; `offset` at most REVENUE_OFFSET_MAX. */
export const REVENUE_PAGE_DEFAULT = 1_000;
export const REVENUE_PAGE_MAX = REPORT_PAGE_ROWS_MAX;
export const REVENUE_OFFSET_MAX = 1_000_000;
/** Longest value of any one query parameter (cursors included), in characters. */
export const QUERY_PARAMETER_MAX_LENGTH = 512;
