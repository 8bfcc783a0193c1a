/**
 * Rows of `rated_events` and `rated_dead_letters` (migrations 1 and 2) and the mapping from a
 * validated `ratel.rated.v1` event. Int64/UInt64 columns are bigint here, written unquoted
 * (json-each-row.ts).
 */
import type { RatedEvent } from '@app/events';
import { formatDate, formatDateTime } from './sql';

export const RATED_EVENTS_TABLE = 'rated_events';
export const DEAD_LETTERS_TABLE = 'rated_dead_letters';

export interface RatedEventRow {
  eventId: string;
  type: RatedEvent['type'];
  accountId: string;
  subscriberId: string;
  sessionId: string;
  requestId: string;
  requestNumber: number;
  ratingGroup: number;
  serviceId: number;
  unit: RatedEvent['unit'];
  usedUnits: bigint;
  billableUnits: bigint;
  allowanceUnits: bigint;
  allowanceBucketIds: string[];
  allowanceBucketUnits: bigint[];
  amountMicros: bigint;
  currency: string;
  balanceAfterMicros: bigint;
  tariffId: string;
  cycleId: string;
  reason: string;
  overageUnits: bigint;
  shortfallMicros: bigint;
  releasedMicros: bigint;
  occurredAtMs: bigint;
  occurredAt: string;
  occurredDate: string;
  streamSeq: bigint;
  ingestedAt: string;
}

export interface RowMeta {
  /** JetStream stream sequence of the message (lineage; equal for every redelivery). */
  streamSeq: number;
  ingestedAtMs: number;
}

/**
 * The row of a validated event. Throws SqlValueError (OUT_OF_RANGE) when occurredAtMs is outside
 * what Date/DateTime hold: the schema accepts any safe integer, the table does not.
 */
export function toRatedEventRow(e: RatedEvent, meta: RowMeta): RatedEventRow {
  return {
    eventId: e.eventId,
    type: e.type,
    accountId: e.accountId,
    subscriberId: e.subscriberId,
    sessionId: e.sessionId,
    requestId: e.requestId,
    requestNumber: e.requestNumber,
    ratingGroup: e.ratingGroup,
    serviceId: e.serviceId,
    unit: e.unit,
    usedUnits: BigInt(e.usedUnits),
    billableUnits: BigInt(e.billableUnits),
    allowanceUnits: BigInt(e.allowanceUnits),
    allowanceBucketIds: e.allowances.map((a) => a.bucketId),
    allowanceBucketUnits: e.allowances.map((a) => BigInt(a.units)),
    amountMicros: BigInt(e.amountMicros),
    currency: e.currency,
    balanceAfterMicros: BigInt(e.balanceAfterMicros),
    tariffId: e.tariffId,
    cycleId: e.cycleId,
    reason: e.reason ?? '',
    overageUnits: BigInt(e.overageUnits ?? 0),
    shortfallMicros: BigInt(e.shortfallMicros ?? '0'),
    releasedMicros: BigInt(e.releasedMicros ?? '0'),
    occurredAtMs: BigInt(e.occurredAtMs),
    occurredAt: formatDateTime(e.occurredAtMs),
    occurredDate: formatDate(e.occurredAtMs),
    streamSeq: BigInt(meta.streamSeq),
    ingestedAt: formatDateTime(meta.ingestedAtMs),
  };
}

/**
 * Why a message was dead-lettered. CLICKHOUSE_REFUSED: a valid event that ClickHouse refused for good
 * (a data error on that row alone, e.g. a value its column type cannot hold after a schema change).
 */
export type DeadLetterReasonCode =
  'NOT_UTF8' | 'INVALID_JSON' | 'INVALID_EVENT' | 'SUBJECT_MISMATCH' | 'OUT_OF_RANGE' | 'CLICKHOUSE_REFUSED';

export interface DeadLetterRow {
  stream: string;
  streamSeq: bigint;
  subject: string;
  deliveryCount: number;
  publishedAt: string;
  receivedAt: string;
  reasonCode: DeadLetterReasonCode;
  reason: string;
  payloadEncoding: 'UTF8' | 'BASE64';
  payload: string;
}
