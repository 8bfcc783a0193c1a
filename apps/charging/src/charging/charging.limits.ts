/**
 * Limits and timings of the charging gRPC API, each a named constant with its unit. The limits of
 * one request's content (units, rating groups) come from the balance-engine port so that the
 * gateway refuses exactly what the engine could not hold.
 */
import { IDEMPOTENCY_TTL_MS } from '../balance/balance-engine.port';

export { RATING_GROUPS_PER_REQUEST_MAX, UNITS_PER_REQUEST_MAX } from '../balance/balance-engine.port';

/** How long a grant is valid (RFC 4006 Validity-Time) unless a tariff change comes first. */
export const DEFAULT_VALIDITY_MS = 300_000;
/** After validity, how long the engine keeps a reservation before releasing it itself. */
export const RESERVATION_GRACE_MS = 30_000;
/** An event_time older than this is refused: its idempotency record would already be gone. */
export const EVENT_TIME_AGE_MAX_MS = IDEMPOTENCY_TTL_MS;
/** An event_time later than now by more than this (clock skew of the network element) is refused. */
export const EVENT_TIME_AHEAD_MAX_MS = 5 * 60_000;
/** Longest session_id / request_id (Diameter Session-Id is unbounded; we are not). */
export const ID_MAX_LENGTH = 128;
/** Most items in one ChargeBatch; more is refused whole with INVALID_ARGUMENT. */
export const CHARGE_BATCH_ITEMS_MAX = 64;
/**
 * Largest encoded ChargeBatchRequest; larger is refused whole with INVALID_ARGUMENT. Below the
 * transport's GRPC_RECEIVE_MESSAGE_MAX_BYTES (64 KiB), which would refuse first with RESOURCE_EXHAUSTED.
 */
export const CHARGE_BATCH_BYTES_MAX = 48 * 1024;
/** Items of one ChargeStream read but not yet answered; at this count the server stops reading. */
export const CHARGE_STREAM_IN_FLIGHT_MAX = 64;
/**
 * Largest encoded ChargeItem on a ChargeStream; larger is answered INVALID_ARGUMENT for that item alone,
 * not applied. An item may be as large as a whole batch, no larger.
 */
export const CHARGE_STREAM_ITEM_BYTES_MAX = CHARGE_BATCH_BYTES_MAX;
/** Longest life of one ChargeStream; past it the stream ends with DEADLINE_EXCEEDED. */
export const CHARGE_STREAM_DEADLINE_MAX_MS = 10 * 60_000;
