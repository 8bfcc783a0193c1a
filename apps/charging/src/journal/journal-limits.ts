/** Limits and timings of the balance journal (balance-journal.ts). */

/** Events applied per PostgreSQL transaction at most. */
export const JOURNAL_BATCH_MAX = 1_000;
/** How long one fetch waits for events before it returns what it has (and the loop checks for stop); nats.js requires >= 1 s. */
export const JOURNAL_FETCH_EXPIRES_MS = 1_000;
/** A process that is not the reader tries to take the lock again this often. */
export const JOURNAL_LEADER_RETRY_MS = 5_000;
/** Pause after a failed batch (PostgreSQL or NATS away) before reading again from the stored position. */
export const JOURNAL_ERROR_BACKOFF_MS = 2_000;
/** A rebuild gives up catching the journal up after this long (it then restores nothing). */
export const JOURNAL_CATCH_UP_TIMEOUT_MS = 5 * 60_000;
/** PostgreSQL connections of one journal: the reader's session, a catch-up, the rebuild's reads. */
export const JOURNAL_POOL_MAX = 3;
/** First key of the journal's advisory lock (the second is hashtext(stream name)). */
export const JOURNAL_LOCK_NAMESPACE = 0x5261_7465; // "Rate"
/** A stopping journal process exits with 1 if the batch in hand has not finished by then. */
export const JOURNAL_STOP_TIMEOUT_MS = 30_000;
