/** Every limit of delivery, each a named constant with its unit. */

/** Send attempts of one delivery before it is FAILED (a crash after `sending_at` counts as an attempt). */
export const DELIVERY_ATTEMPTS_MAX = 6;
/** Rows one worker claims per round. */
export const DELIVERY_CLAIM_BATCH_MAX = 20;
/** How long a claim holds its rows; longer than every send timeout, so a live worker never loses a row in mid-send. */
export const DELIVERY_LEASE_MS = 60_000;
/** Bounds of the lease a caller may ask for. */
export const DELIVERY_LEASE_MIN_MS = 1_000;
export const DELIVERY_LEASE_MAX_MS = 15 * 60_000;
/** One provider call (SMTP session or HTTP request) may take this long. */
export const DELIVERY_SEND_TIMEOUT_MS = 20_000;
/** Retry back-off (libs/runtime backoffDelayMs): 5 s, 10 s, 20 s ... capped at 30 min. */
export const DELIVERY_BACKOFF_INITIAL_MS = 5_000;
export const DELIVERY_BACKOFF_MAX_MS = 30 * 60_000;
/** Pause of an idle worker between two claims. */
export const DELIVERY_IDLE_POLL_MS = 1_000;
/** Stored error text is cut to this length. */
export const DELIVERY_ERROR_MAX_LENGTH = 2_000;
/** Longest recipient (an email address is at most 254; a webhook URL more). */
export const DELIVERY_RECIPIENT_MAX_LENGTH = 512;
/** Longest subject id (document id, notification event id). */
export const DELIVERY_SUBJECT_ID_MAX_LENGTH = 128;
/** Longest SMS text (10 concatenated GSM-7 parts). */
export const SMS_TEXT_MAX_LENGTH = 1_530;
/** Largest attachment read from the document store. */
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;
/** Largest answer read from an HTTP gateway. */
export const GATEWAY_RESPONSE_MAX_BYTES = 64 * 1024;
