/** The bounds and defaults of the load-test seed (light: the CLI's option parsing reads them). */

/** Rows per INSERT and per pipelined Redis round. */
export const SEED_BATCH_SIZE = 1000;
export const SEED_SUBSCRIBERS_MAX = 10_000_000;
export const LOADTEST_CUSTOMER_ID = 'loadtest-customer';
export const LOADTEST_TIME_ZONE = 'Europe/Berlin';
export const DEFAULT_MSISDN_BASE = 4915100000000n;
export const DEFAULT_IMSI_BASE = 262010000000000n;

export interface BulkOptions {
  count: number;
  msisdnBase: bigint;
  imsiBase: bigint;
  initialBalanceMicros: bigint;
}
