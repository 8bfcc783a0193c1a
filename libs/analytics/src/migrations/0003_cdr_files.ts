/**
 * Migration 3: `cdr_files`, the summary of each CDR file taken in by mediation
 * (apps/charging/src/mediation). One row per state change of a file: RUNNING when rating starts, then
 * DONE or FAILED with the counts. `ReplacingMergeTree(revision)` keeps the newest row per fileId
 * once parts merge; readers never rely on that and take `argMax(…, revision)` per fileId.
 *
 * - fileId: the first 32 hex digits of the content's SHA-256 (the same bytes are the same file).
 * - totals: money per currency, as two parallel arrays (`totalCurrencies[i]` ↔ `totalAmountMicros[i]`),
 *   Int64 micros; a file may bill accounts in several currencies.
 * - Small table (one row per file and state): no partitioning.
 */
export default {
  version: 3,
  name: 'cdr_files',
  sql: `
CREATE TABLE IF NOT EXISTS cdr_files
(
    fileId String,
    name String,
    format Enum8('voice' = 1, 'data' = 2),
    source Enum8('API' = 1, 'WATCH' = 2),
    sha256 String,
    sizeBytes UInt64,
    lines UInt64,
    status Enum8('RUNNING' = 1, 'DONE' = 2, 'FAILED' = 3),
    records UInt64,
    rated UInt64,
    rejected UInt64,
    totalCurrencies Array(String),
    totalAmountMicros Array(Int64),
    error String,
    startedAtMs UInt64,
    finishedAtMs UInt64,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
ORDER BY fileId
`,
};
