/**
 * Every limit of CDR mediation, named with its unit (conventions: "put a limit on everything").
 * FORMATS.md documents the ones a file producer must respect.
 */

/** Largest CDR file accepted, from the watched directory or the API (bytes). */
export const CDR_FILE_MAX_BYTES = 512 * 1024 * 1024;
/** Longest line, header included, in bytes without the line break; longer lines are rejected (LINE_TOO_LONG). */
export const CDR_LINE_MAX_BYTES = 1024;
/** Most data lines (records) in one file. */
export const CDR_RECORDS_PER_FILE_MAX = 2_000_000;
/** Longest record id. */
export const CDR_RECORD_ID_MAX_LENGTH = 64;
/** Longest voice call, seconds (24 h: switches cut longer calls into partial records). */
export const CDR_VOICE_DURATION_MAX_S = 86_400;
/** Longest data record, ms (7 days). */
export const CDR_DATA_SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** Largest volume of one data record (bytes up + down): the rating library's USAGE_UNITS_MAX. */
export const CDR_DATA_MAX_BYTES = 10_000_000_000_000;
/** Earliest and latest record start accepted: [2000-01-01, 2100-01-01) UTC. */
export const CDR_START_MIN_MS = Date.UTC(2000, 0, 1);
export const CDR_START_MAX_MS = Date.UTC(2100, 0, 1) - 1;

/** Records per rating task sent to a worker (amortises the message passing). */
export const CDR_BATCH_RECORDS_DEFAULT = 500;
export const CDR_BATCH_RECORDS_MAX = 5_000;
/** Rating tasks in flight per worker (one running, one queued keeps the worker busy). */
export const CDR_TASKS_IN_FLIGHT_PER_WORKER = 2;
/** Worker threads of the rating pool. */
export const CDR_RATING_WORKERS_DEFAULT = 2;
export const CDR_RATING_WORKERS_MAX = 16;
/** Parsed plans a rating worker keeps. */
export const CDR_WORKER_PLANS_MAX = 64;

/** Attempts of one JetStream publish (a retry carries the same Nats-Msg-Id, so it is safe). */
export const CDR_PUBLISH_ATTEMPTS_MAX = 3;
/** Pause before a publish retry, ms (doubled per attempt, the shared back-off of @app/runtime). */
export const CDR_PUBLISH_RETRY_DELAY_MS = 200;
/** Longest pause before a publish retry, ms. */
export const CDR_PUBLISH_RETRY_DELAY_MAX_MS = 1_000;
/** Bound of one publish acknowledgement, ms. */
export const CDR_PUBLISH_TIMEOUT_MS = 10_000;

/** Reject rows buffered before they are inserted into ClickHouse. */
export const CDR_REJECTS_INSERT_BATCH = 5_000;
/** Longest raw line and reason kept in a reject row (characters). */
export const CDR_REJECT_RAW_MAX_CHARS = CDR_LINE_MAX_BYTES;
export const CDR_REJECT_REASON_MAX_CHARS = 500;
/** Files ingested at the same time by one process (API uploads and the watcher share it). */
export const CDR_CONCURRENT_FILES_MAX = 2;

/** Watched-directory poll interval, ms. */
export const CDR_POLL_INTERVAL_MS_DEFAULT = 2_000;
export const CDR_POLL_INTERVAL_MIN_MS = 100;
export const CDR_POLL_INTERVAL_MAX_MS = 600_000;
/** Files taken from the watched directory per poll (the rest wait for the next one). */
export const CDR_WATCH_FILES_PER_POLL_MAX = 10;
/** Longest file name (API `name` or watched file). */
export const CDR_FILE_NAME_MAX_LENGTH = 128;

/** Page sizes of the list endpoints. */
export const CDR_PAGE_SIZE_DEFAULT = 50;
export const CDR_PAGE_SIZE_MAX = 500;
/** Read size when streaming a file from disk, bytes. */
export const CDR_READ_CHUNK_BYTES = 256 * 1024;
/** Failed attempts on one watched file (infrastructure errors) before it is moved to failed/. */
export const CDR_WATCH_ATTEMPTS_MAX = 5;
/** Publishes awaiting their JetStream ack, across every file of the process. */
export const CDR_PUBLISH_IN_FLIGHT_MAX = 4_000;

/**
 * How long a rated record's identity is remembered (RATEL_CDR_DEDUP_WINDOW_MS): the same record in
 * another file within this time after it was first rated is a DUPLICATE, not rated again. Past
 * it, it is rated again (with the same event id). Max: a billing cycle and its late files; the
 * memory is about 150 bytes per record rated within the window.
 */
export const CDR_DEDUP_WINDOW_MS_DEFAULT = 7 * 24 * 60 * 60 * 1000;
export const CDR_DEDUP_WINDOW_MIN_MS = 1_000;
export const CDR_DEDUP_WINDOW_MAX_MS = 35 * 24 * 60 * 60 * 1000;
