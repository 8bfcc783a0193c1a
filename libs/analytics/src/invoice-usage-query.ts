/**
 * The usage an invoice run bills, for one shard of accounts (a contiguous range of account ids), in
 * ONE query: lines per account, subscriber, service, rating group, tariff, unit and currency.
 *
 * Exactly once, by stream position. Every rated event carries `streamSeq`, its position on the
 * rated stream. A run records the position up to which the stream was in ClickHouse when it
 * started (its watermark, W). The invoice of cycle C, period [start, end), takes:
 *
 *   - the events of the period:        start <= occurredAt < end, and firstSeq <= W(C);
 *   - the late events of earlier ones:  occurredAt < start, and W(C-1) < firstSeq <= W(C),
 *
 * where firstSeq is the smallest stream position among the copies of an event (a relay that
 * re-published an event after a crash made a second copy further down the stream; the copies are
 * one event). An event of cycle k is therefore billed by the first run whose watermark covers it:
 * run k, or, when it arrived after run k started, the next run, marked late. Never twice, never
 * lost while watermarks only grow.
 *
 * Copies are collapsed by event id before anything is summed (any() of an immutable event's
 * columns; min() of its positions), never relying on merges or FINAL. Late events are looked up
 * within LATE_USAGE_LOOKBACK_MAX_DAYS of occurrence (partition pruning); older arrivals are left to
 * revenue assurance. SQL that runs on ClickHouse 18.16 and current releases: no query parameters,
 * every interpolated value validated (./sql).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ACCOUNT_ID_PATTERN, RATED_EVENT_TYPES, RatedEventType } from '@app/events';
import { RATED_EVENTS_TABLE } from './rated-event-rows';
import { assertEpochMs, dateFromEpochMs, enumValue, list, qualified, Sql, sql, SqlValueError, str, uint64 } from './sql';
import { USAGE_PERIOD_MAX_MS, USAGE_TYPES_DEFAULT } from './usage-query';

/** How far back (by occurrence) late usage is looked for. */
export const LATE_USAGE_LOOKBACK_MAX_DAYS = 400;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface InvoiceUsageQuery {
  /** The shard's account range, inclusive. */
  firstAccountId: string;
  lastAccountId: string;
  /** The cycle's period [periodStartMs, periodEndMs), epoch ms UTC, on occurredAtMs. */
  periodStartMs: number;
  periodEndMs: number;
  /** This run's watermark W(C): stream positions up to it are billed. */
  watermarkSeq: bigint;
  /** The previous run's watermark W(C-1) (0 for an account's first run): late events above it are billed now. */
  previousWatermarkSeq: bigint;
  lateLookbackDays?: number;
  types?: readonly RatedEventType[];
}

export interface InvoiceUsageLine {
  accountId: string;
  subscriberId: string;
  serviceId: number;
  ratingGroup: number;
  tariffId: string;
  unit: string;
  currency: string;
  /** Events of an earlier cycle that arrived after that cycle's run. */
  late: boolean;
  events: bigint;
  usedUnits: bigint;
  billableUnits: bigint;
  amountMicros: bigint;
  /** First and last occurrence of the line's events, epoch ms (the period the line covers). */
  firstOccurredAtMs: number;
  lastOccurredAtMs: number;
}

/** Checks an account range and a period of a billing query; throws SqlValueError naming the bad input. */
export function assertAccountRangeAndPeriod(q: {
  firstAccountId: string;
  lastAccountId: string;
  periodStartMs: number;
  periodEndMs: number;
}): void {
  for (const [name, id] of [
    ['firstAccountId', q.firstAccountId],
    ['lastAccountId', q.lastAccountId],
  ] as const)
    if (typeof id !== 'string' || !ACCOUNT_ID_PATTERN.test(id)) throw new SqlValueError('INVALID_STRING', `${name}: not an account id`);
  if (q.firstAccountId > q.lastAccountId) throw new SqlValueError('OUT_OF_RANGE', 'firstAccountId must not sort after lastAccountId');
  assertEpochMs(q.periodStartMs);
  assertEpochMs(q.periodEndMs);
  if (q.periodEndMs <= q.periodStartMs || q.periodEndMs - q.periodStartMs > USAGE_PERIOD_MAX_MS)
    throw new SqlValueError('OUT_OF_RANGE', `period: need periodStartMs < periodEndMs and at most ${USAGE_PERIOD_MAX_MS} ms`);
}

/** Validates the query; throws SqlValueError naming the bad input. */
export function invoiceUsageSql(database: string, q: InvoiceUsageQuery): Sql {
  assertAccountRangeAndPeriod(q);
  if (q.previousWatermarkSeq < 0n || q.watermarkSeq < q.previousWatermarkSeq)
    throw new SqlValueError('OUT_OF_RANGE', 'watermarks: need 0 <= previousWatermarkSeq <= watermarkSeq');
  const lookback = q.lateLookbackDays ?? LATE_USAGE_LOOKBACK_MAX_DAYS;
  if (!Number.isInteger(lookback) || lookback < 0 || lookback > LATE_USAGE_LOOKBACK_MAX_DAYS)
    throw new SqlValueError('OUT_OF_RANGE', `lateLookbackDays: 0 to ${LATE_USAGE_LOOKBACK_MAX_DAYS}`);
  const lateFromMs = Math.max(0, q.periodStartMs - lookback * DAY_MS);
  const table = qualified(database, RATED_EVENTS_TABLE);
  const accounts = sql`accountId >= ${str(q.firstAccountId)} AND accountId <= ${str(q.lastAccountId)}`;
  const types = sql`type IN (${list((q.types ?? USAGE_TYPES_DEFAULT).map((t) => enumValue(t, RATED_EVENT_TYPES)))})`;
  const start = uint64(q.periodStartMs);
  const w = uint64(q.watermarkSeq);
  const wPrev = uint64(q.previousWatermarkSeq);
  return sql`
SELECT e_accountId AS accountId, e_subscriberId AS subscriberId, e_serviceId AS serviceId, e_ratingGroup AS ratingGroup,
       e_tariffId AS tariffId, toString(e_unit) AS unit, toString(e_currency) AS currency, e_late AS late,
       toString(count()) AS events, toString(sum(e_usedUnits)) AS usedUnits, toString(sum(e_billableUnits)) AS billableUnits,
       toString(sum(e_amountMicros)) AS amountMicros,
       toString(min(e_occurredAtMs)) AS firstOccurredAtMs, toString(max(e_occurredAtMs)) AS lastOccurredAtMs
FROM
(
    SELECT eventId,
           any(accountId) AS e_accountId, any(subscriberId) AS e_subscriberId, any(serviceId) AS e_serviceId,
           any(ratingGroup) AS e_ratingGroup, any(tariffId) AS e_tariffId, any(unit) AS e_unit, any(currency) AS e_currency,
           any(usedUnits) AS e_usedUnits, any(billableUnits) AS e_billableUnits, any(amountMicros) AS e_amountMicros,
           any(occurredAtMs) AS e_occurredAtMs, min(streamSeq) AS e_firstSeq,
           if(e_occurredAtMs < ${start}, 1, 0) AS e_late
    FROM ${table}
    WHERE ${accounts} AND ${types}
      AND occurredDate >= ${dateFromEpochMs(lateFromMs)} AND occurredDate <= ${dateFromEpochMs(q.periodEndMs - 1)}
      AND occurredAtMs >= ${uint64(lateFromMs)} AND occurredAtMs < ${uint64(q.periodEndMs)}
      AND (occurredAtMs >= ${start} OR eventId IN
           (SELECT eventId FROM ${table}
            WHERE ${accounts} AND ${types} AND occurredDate >= ${dateFromEpochMs(lateFromMs)}
              AND occurredAtMs >= ${uint64(lateFromMs)} AND occurredAtMs < ${start}
              AND streamSeq > ${wPrev} AND streamSeq <= ${w}))
    GROUP BY eventId
    HAVING e_firstSeq <= ${w} AND (e_late = 0 OR e_firstSeq > ${wPrev})
)
GROUP BY e_accountId, e_subscriberId, e_serviceId, e_ratingGroup, e_tariffId, e_unit, e_currency, e_late
ORDER BY e_accountId, e_subscriberId, e_serviceId, e_ratingGroup, e_tariffId, e_unit, e_currency, e_late`;
}

interface InvoiceUsageRecord {
  accountId: string;
  subscriberId: string;
  serviceId: number | string;
  ratingGroup: number | string;
  tariffId: string;
  unit: string;
  currency: string;
  late: number | string;
  events: string;
  usedUnits: string;
  billableUnits: string;
  amountMicros: string;
  firstOccurredAtMs: string;
  lastOccurredAtMs: string;
}

/** The shard's usage lines, sorted; money as bigint micros, counts as bigint. */
export async function queryInvoiceUsage(client: ClickHouseClient, database: string, q: InvoiceUsageQuery): Promise<InvoiceUsageLine[]> {
  const rs = await client.query({ query: invoiceUsageSql(database, q).text, format: 'JSONEachRow' });
  const records = await rs.json<InvoiceUsageRecord>();
  return records.map((r) => ({
    accountId: r.accountId,
    subscriberId: r.subscriberId,
    serviceId: Number(r.serviceId),
    ratingGroup: Number(r.ratingGroup),
    tariffId: r.tariffId,
    unit: r.unit,
    currency: r.currency,
    late: Number(r.late) === 1,
    events: BigInt(r.events),
    usedUnits: BigInt(r.usedUnits),
    billableUnits: BigInt(r.billableUnits),
    amountMicros: BigInt(r.amountMicros),
    firstOccurredAtMs: Number(r.firstOccurredAtMs),
    lastOccurredAtMs: Number(r.lastOccurredAtMs),
  }));
}
