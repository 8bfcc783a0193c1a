/**
 * Every limit of the provisioning API, each a named constant with its unit. The HTTP body limit
 * itself is the fastify `bodyLimit` set by the app bootstrap (HTTP_BODY_LIMIT_BYTES, 256 KiB); the
 * largest payload here, a price plan, stays below it.
 */
import { ACCOUNT_ID_LENGTH_MAX, ACCOUNT_ID_PATTERN, IMSI_PATTERN, MSISDN_PATTERN } from '@app/events';
import { MAX_RATING_GROUPS_PER_REQUEST, MAX_UNITS_PER_REQUEST } from '../balance/balance-engine.port';

/** Identifiers of customers, accounts, products, plans, subscriptions and grants (the engine's account-id alphabet). */
export const ID_PATTERN = ACCOUNT_ID_PATTERN;
export const ID_LENGTH_MAX = ACCOUNT_ID_LENGTH_MAX;
/** Price plan ids come from the plan JSON (@app/rating allows "." too). */
export const PLAN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const NAME_LENGTH_MAX = 200;
export const DESCRIPTION_LENGTH_MAX = 2000;
/** RFC 5321 path limit. */
export const EMAIL_LENGTH_MAX = 254;
export const EXTERNAL_REF_LENGTH_MAX = 128;

/** Low-balance thresholds per account (the migration's CHECK says the same). */
export const THRESHOLDS_PER_ACCOUNT_MAX = 16;
/** Rating groups one allowance may name: what the engine accepts in one request. */
export const RATING_GROUPS_PER_GRANT_MAX = MAX_RATING_GROUPS_PER_REQUEST;
/** Rating groups are Diameter Unsigned32. */
export const RATING_GROUP_MAX = 4_294_967_295;
/** Units of one allowance: what the engine accepts in one grant (10 TB of data, 115 days of seconds). */
export const GRANT_UNITS_MAX = MAX_UNITS_PER_REQUEST;
/** Latest instant the balance engine accepts (2286-11-20, its MAX_TIME_MS); allowances end before it. */
export const INSTANT_MS_MAX = 10_000_000_000_000;
/** Longest validity window of one allowance (about ten years). */
export const GRANT_VALIDITY_MS_MAX = 3660 * 24 * 60 * 60 * 1000;

/** MSISDN: E.164 digits without "+", 5-15, no leading zero (the engine's subscriber-id rule). */
export { IMSI_PATTERN, MSISDN_PATTERN };
/** IANA zone names look like this; `Intl` then decides whether the zone exists. */
export const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
export const TIME_ZONE_LENGTH_MAX = 64;
export const CYCLE_DAY_MIN = 1;
export const CYCLE_DAY_MAX = 28;

/** Idempotency keys: printable ASCII without "|" (the engine's request-id alphabet), leaving room for ENGINE_TOPUP_REQUEST_PREFIX. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7b\x7d\x7e]{1,120}$/;
export const IDEMPOTENCY_KEY_LENGTH_MAX = 120;
/**
 * Prefix of the engine request id of a top-up: the engine's idempotency records are per account and
 * shared with the gateway's event request ids, so top-up keys get a namespace of their own.
 */
export const ENGINE_TOPUP_REQUEST_PREFIX = 'topup:';
/** How often a top-up insert is retried after losing a race on the same key (then the winner's row is read). */
export const TOPUP_INSERT_ATTEMPTS_MAX = 2;

/** Serialized price plan JSON. */
export const PRICE_PLAN_JSON_BYTES_MAX = 128 * 1024;

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
