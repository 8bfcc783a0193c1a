/**
 * Migration 2: `rated_dead_letters`, messages of the rated stream the sink could not store as
 * events: the reason and the raw payload, so nothing is dropped silently and the stream moves on.
 *
 * Keyed by (stream, streamSeq): a dead letter written again after a crash (redelivery) has the
 * same key, and readers de-duplicate on it. `payload` holds the bytes as text when they are valid
 * UTF-8, else their base64 (`payloadEncoding`), because JSON cannot carry arbitrary bytes.
 */
export default {
  version: 2,
  name: 'rated_dead_letters',
  sql: `
CREATE TABLE IF NOT EXISTS rated_dead_letters
(
    stream String,
    streamSeq UInt64,
    subject String,
    deliveryCount UInt32,
    publishedAt DateTime('UTC'),
    receivedAt DateTime('UTC'),
    reasonCode String,
    reason String,
    payloadEncoding Enum8('UTF8' = 1, 'BASE64' = 2),
    payload String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(publishedAt)
ORDER BY (stream, streamSeq)
`,
};
