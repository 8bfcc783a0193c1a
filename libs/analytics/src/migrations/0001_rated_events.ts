/**
 * Migration 1: `rated_events`, one row per delivery of a `ratel.rated.v1` event.
 *
 * - ReplacingMergeTree: rows with the same sorting key (accountId, occurredDate, eventId) in one
 *   partition collapse into one when parts merge. A redelivered event carries the same eventId,
 *   account and time, so its copies meet in the same partition and the same key. Merges are
 *   eventual, so queries never rely on them: they de-duplicate by eventId themselves (README).
 * - Partitioned by month of the UTC day the event occurred; ordered by account then day, so a
 *   per-account, per-period query reads a contiguous range of one or two partitions.
 * - Money is Int64 micros, units UInt64; no Float, no Decimal.
 * - Current ClickHouse would declare accountId, currency, tariffId, cycleId and reason
 *   `LowCardinality(String)`; 18.16 does not enable it by default, so they are plain String.
 *   A later migration can ALTER them once every environment runs a current server.
 * - occurredAt (DateTime, seconds) and occurredDate are written by the sink from occurredAtMs,
 *   not DEFAULT expressions: 18.16 fills columns missing from JSONEachRow with zeros, not defaults.
 */
export default {
  version: 1,
  name: 'rated_events',
  sql: `
CREATE TABLE IF NOT EXISTS rated_events
(
    eventId String,
    type Enum8('DEBIT' = 1, 'REFUND' = 2, 'TOPUP' = 3, 'RELEASE' = 4, 'EXPIRY' = 5),
    accountId String,
    subscriberId String,
    sessionId String,
    requestId String,
    requestNumber UInt32,
    ratingGroup UInt32,
    serviceId UInt32,
    unit Enum8('SECONDS' = 1, 'BYTES' = 2, 'EVENTS' = 3, 'MONEY' = 4),
    usedUnits UInt64,
    billableUnits UInt64,
    allowanceUnits UInt64,
    allowanceBucketIds Array(String),
    allowanceBucketUnits Array(UInt64),
    amountMicros Int64,
    currency FixedString(3),
    balanceAfterMicros Int64,
    tariffId String,
    cycleId String,
    reason String,
    overageUnits UInt64,
    shortfallMicros Int64,
    releasedMicros Int64,
    occurredAtMs UInt64,
    occurredAt DateTime('UTC'),
    occurredDate Date,
    streamSeq UInt64,
    ingestedAt DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurredDate)
ORDER BY (accountId, occurredDate, eventId)
SETTINGS index_granularity = 8192
`,
};
