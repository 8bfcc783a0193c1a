/**
 * Every limit of the provisioning API, each a named constant with its unit. The HTTP body limit
 * itself is the fastify `bodyLimit` set by the app bootstrap (HTTP_BODY_LIMIT_BYTES, 256 KiB); the
 * largest payload here, a price plan, stays below it.
 */
import { ACCOUNT_ID_MAX_LENGTH, ACCOUNT_ID_PATTERN, IMSI_PATTERN, MSISDN_PATTERN } from '@app/events';
import { RATING_GROUPS_PER_REQUEST_MAX, UNITS_PER_REQUEST_MAX } from '../balance/balance-engine.port';

/** Identifiers of customers, accounts, products, plans, subscriptions and grants (the engine's account-id alphabet). */
export const ID_PATTERN = ACCOUNT_ID_PATTERN;
export const ID_MAX_LENGTH = ACCOUNT_ID_MAX_LENGTH;
/** Price plan ids come from the plan JSON (@app/rating allows "." too). */
export const PLAN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const NAME_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 2000;
/** RFC 5321 path limit. */
export const EMAIL_MAX_LENGTH = 254;
export const EXTERNAL_REF_MAX_LENGTH = 128;

/** Low-balance thresholds per account: the engine's limit (the migration's CHECK says the same). */
export { THRESHOLDS_PER_ACCOUNT_MAX } from '../balance/validation';
/** Rating groups one allowance may name: what the engine accepts in one request. */
export const RATING_GROUPS_PER_GRANT_MAX = RATING_GROUPS_PER_REQUEST_MAX;
/** Rating groups are Diameter Unsigned32: the rating library's limit. */
export { RATING_GROUP_MAX } from '@app/rating';
/** Units of one allowance: what the engine accepts in one grant (10 TB of data, 115 days of seconds). */
export const GRANT_UNITS_MAX = UNITS_PER_REQUEST_MAX;
/** Latest instant the balance engine accepts (2286-11-20, its TIME_MAX_MS); allowances end before it. */
export const INSTANT_MAX_MS = 10_000_000_000_000;
/** Longest validity window of one allowance (about ten years). */
export const GRANT_VALIDITY_MAX_MS = 3660 * 24 * 60 * 60 * 1000;

/** MSISDN: E.164 digits without "+", 5-15, no leading zero (the engine's subscriber-id rule). */
export { IMSI_PATTERN, MSISDN_PATTERN };
/** IANA zone names look like this; `Intl` then decides whether the zone exists. */
export const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
export const TIME_ZONE_MAX_LENGTH = 64;
export const CYCLE_DAY_MIN = 1;
export const CYCLE_DAY_MAX = 28;

/** Idempotency keys: printable ASCII without "|" (the engine's request-id alphabet), leaving room for ENGINE_TOPUP_REQUEST_PREFIX. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7b\x7d\x7e]{1,120}$/;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 120;
/**
 * Prefix of the engine request id of a top-up: the engine's idempotency records are per account and
 * shared with the gateway's event request ids, so top-up keys get a namespace of their own.
 */
export const ENGINE_TOPUP_REQUEST_PREFIX = 'topup:';
/** How often a top-up insert is retried after losing a race on the same key (then the winner's row is read). */
export const TOPUP_INSERT_ATTEMPTS_MAX = 2;

/** Serialized price plan JSON. */
export const PRICE_PLAN_JSON_MAX_BYTES = 128 * 1024;

/** Page size of list endpoints. */
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 500;

/** Accounts per page of the rebuild: their plans' state, top-ups, grants and subscriptions are read in one query each. */
export const REBUILD_PAGE_SIZE = 500;
/** Accounts of a page projected concurrently (their Redis commands are pipelined on one connection). */
export const REBUILD_CONCURRENCY = 64;
/**
 * A provisioning write that finds its account lost by the engine catches the balance journal up
 * before restoring it; it gives up (503, nothing written to the engine) after this long.
 */
export const JOURNAL_INLINE_CATCH_UP_TIMEOUT_MS = 10_000;
