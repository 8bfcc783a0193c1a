/** Every limit of the rated-event sink, with its unit (TigerStyle: a limit on everything). */

/** Messages per fetch and per ClickHouse insert: default and hard cap. */
export const BATCH_MAX_DEFAULT = 1_000;
export const BATCH_MAX_LIMIT = 10_000;
/** How long a fetch waits for its batch to fill. nats.js refuses less than 1 s. */
export const FETCH_WAIT_DEFAULT_MS = 1_000;
export const FETCH_WAIT_MIN_MS = 1_000;
export const FETCH_WAIT_MAX_MS = 30_000;
/** Consumer ack wait: a fetched message not acknowledged within it is delivered again. */
export const ACK_WAIT_DEFAULT_MS = 60_000;
/** Unacknowledged messages the consumer hands out, in batches (one in hand, one in flight). */
export const ACK_PENDING_BATCHES_MAX = 2;
/** Bound of one insert request to ClickHouse (default of SINK_INSERT_TIMEOUT_MS). */
export const INSERT_TIMEOUT_DEFAULT_MS = 30_000;
/** The ack wait must exceed the insert timeout by this much: an insert attempt is the longest
 * stretch without an in-progress ack while a batch is held. */
export const ACK_WAIT_MARGIN_MS = 2_000;
/** While a held batch waits out a back-off, an in-progress ack goes out every ack wait / this. */
export const IN_PROGRESS_ACKS_PER_ACK_WAIT = 3;
/** Capped exponential back-off while ClickHouse (or NATS) fails: first delay, factor, cap. */
export const BACKOFF_INITIAL_MS = 100;
export const BACKOFF_FACTOR = 2;
export const BACKOFF_MAX_MS = 10_000;
/** After SIGTERM, how long the batch in hand may keep retrying before it is handed back (nak). */
export const SHUTDOWN_GRACE_DEFAULT_MS = 20_000;
/** How often the consumer's pending count and oldest pending age are read for the metrics. */
export const LAG_POLL_INTERVAL_MS = 5_000;
/** Longest dead-letter reason text kept (the issues of a badly broken event can be long). */
export const DEAD_LETTER_REASON_MAX_LENGTH = 2_000;
