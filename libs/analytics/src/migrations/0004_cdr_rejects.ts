/**
 * Migration 4: `cdr_rejects`, the CDR records mediation could not rate: file, line number, reason
 * code, reason text and the raw line. A file rated again after a crash writes its rejects again
 * with the same (fileId, lineNumber); ReplacingMergeTree collapses them on merge and readers
 * group by lineNumber meanwhile. Partitioned by month of rejection, so old rejects can be dropped
 * a partition at a time.
 */
export default {
  version: 4,
  name: 'cdr_rejects',
  sql: `
CREATE TABLE IF NOT EXISTS cdr_rejects
(
    fileId String,
    lineNumber UInt64,
    fileName String,
    format Enum8('voice' = 1, 'data' = 2),
    reasonCode String,
    reason String,
    rawLine String,
    rejectedAt DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(rejectedAt)
ORDER BY (fileId, lineNumber)
`,
};
