/**
 * Usage reports beyond `queryUsage`: per subscriber (keyset paging), a daily series of one account,
 * and revenue per day and service over every account. Each one is exact under duplicate rows the
 * same way as `queryUsage`: an inner `GROUP BY eventId` keeps one copy of every event (any() of its
 * columns), the outer query sums. Every WHERE condition is on a field of the event itself (account,
 * time, type, service, rating group, subscriber, currency), so all copies of an event are selected
 * or none is. Inner columns are named `e_*` because 18.16 resolves aliases globally in a SELECT.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ACCOUNT_ID_PATTERN, RATED_EVENT_TYPES, RatedEventType } from '@app/events';
import { RATED_EVENTS_TABLE } from './rated-event-rows';
import { assertEpochMs, dateFromEpochMs, enumValue, list, qualified, Sql, sql, SqlValueError, str, uint32, uint64 } from './sql';

/** Longest period of one report query (the same bound as queryUsage). */
export const REPORT_PERIOD_MAX_MS = 400 * 24 * 60 * 60 * 1000;
/** Most lines of one report page (the usage API's largest `limit`). */
export const REPORT_PAGE_ROWS_MAX = 10_000;
/**
 * Most rows one report query returns: a full page plus one look-ahead row, which a paged caller
 * asks for to learn whether another page follows (`limit + 1`).
 */
export const REPORT_ROWS_MAX = REPORT_PAGE_ROWS_MAX + 1;
/** Longest execution of one report query on the server (ClickHouse `max_execution_time`). */
export const REPORT_QUERY_TIMEOUT_S = 30;

/** Filters every report accepts. Absent serviceId / ratingGroup = all. */
export interface ReportFilter {
  fromMs: number;
  toMs: number;
  types: readonly RatedEventType[];
  serviceId?: number;
  ratingGroup?: number;
}

/** Units summed per unit kind: one number per kind, since seconds and bytes do not add up. */
export interface UnitSums {
  SECONDS: bigint;
  BYTES: bigint;
  EVENTS: bigint;
}

export interface SubscriberUsageLine {
  subscriberId: string;
  currency: string;
  events: bigint;
  usedUnits: UnitSums;
  billableUnits: UnitSums;
  amountMicros: bigint;
}

export interface DailyUsageLine {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  currency: string;
  events: bigint;
  usedUnits: UnitSums;
  billableUnits: UnitSums;
  amountMicros: bigint;
}

export interface DailyRevenueLine {
  day: string;
  serviceId: number;
  currency: string;
  events: bigint;
  accounts: bigint;
  amountMicros: bigint;
}

/** Keyset position of the subscriber report: the last line of the previous page. */
export interface SubscriberCursor {
  subscriberId: string;
  currency: string;
}

function assertAccountId(accountId: string): void {
  if (typeof accountId !== 'string' || !ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new SqlValueError('INVALID_STRING', `accountId: ${JSON.stringify(String(accountId)).slice(0, 80)} is not an account id`);
  }
}

function assertRows(limit: number, what: string): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > REPORT_ROWS_MAX) {
    throw new SqlValueError('OUT_OF_RANGE', `${what}: between 1 and ${REPORT_ROWS_MAX}, got ${limit}`);
  }
}

/** The WHERE conditions of a filter (period, types, optional service and rating group); validates it. */
export function reportFilterSql(f: ReportFilter): Sql {
  assertEpochMs(f.fromMs);
  assertEpochMs(f.toMs);
  if (f.toMs <= f.fromMs || f.toMs - f.fromMs > REPORT_PERIOD_MAX_MS) {
    throw new SqlValueError('OUT_OF_RANGE', `period: need fromMs < toMs and at most ${REPORT_PERIOD_MAX_MS} ms`);
  }
  const types = list(f.types.map((t) => enumValue(t, RATED_EVENT_TYPES)));
  const service = f.serviceId === undefined ? sql`` : sql` AND serviceId = ${uint32(f.serviceId)}`;
  const group = f.ratingGroup === undefined ? sql`` : sql` AND ratingGroup = ${uint32(f.ratingGroup)}`;
  return sql`occurredDate >= ${dateFromEpochMs(f.fromMs)} AND occurredDate <= ${dateFromEpochMs(f.toMs - 1)}
      AND occurredAtMs >= ${uint64(f.fromMs)} AND occurredAtMs < ${uint64(f.toMs)}
      AND type IN (${types})${service}${group}`;
}

/** Outer columns shared by the per-subscriber and daily reports: counts, units per kind, money. */
const UNIT_COLUMNS = sql`toString(count()) AS events,
       toString(sumIf(e_usedUnits, e_unit = 'SECONDS')) AS usedSeconds,
       toString(sumIf(e_usedUnits, e_unit = 'BYTES')) AS usedBytes,
       toString(sumIf(e_usedUnits, e_unit = 'EVENTS')) AS usedEvents,
       toString(sumIf(e_billableUnits, e_unit = 'SECONDS')) AS billableSeconds,
       toString(sumIf(e_billableUnits, e_unit = 'BYTES')) AS billableBytes,
       toString(sumIf(e_billableUnits, e_unit = 'EVENTS')) AS billableEvents,
       toString(sum(e_amountMicros)) AS amountMicros`;

/** Inner columns (one copy per event) feeding UNIT_COLUMNS. */
const UNIT_INNER = sql`any(unit) AS e_unit, any(currency) AS e_currency, any(usedUnits) AS e_usedUnits,
           any(billableUnits) AS e_billableUnits, any(amountMicros) AS e_amountMicros`;

export function subscriberUsageSql(
  database: string,
  q: ReportFilter & { accountId: string; after?: SubscriberCursor; limit: number },
): Sql {
  assertAccountId(q.accountId);
  assertRows(q.limit, 'limit');
  const after =
    q.after === undefined
      ? sql``
      : sql` AND (subscriberId > ${str(q.after.subscriberId)} OR (subscriberId = ${str(q.after.subscriberId)} AND currency > ${str(q.after.currency)}))`;
  return sql`
SELECT e_subscriberId AS subscriberId, toString(e_currency) AS currency, ${UNIT_COLUMNS}
FROM
(
    SELECT eventId, any(subscriberId) AS e_subscriberId, ${UNIT_INNER}
    FROM ${qualified(database, RATED_EVENTS_TABLE)}
    WHERE accountId = ${str(q.accountId)} AND ${reportFilterSql(q)}${after}
    GROUP BY eventId
)
GROUP BY e_subscriberId, e_currency
ORDER BY e_subscriberId, e_currency
LIMIT ${uint32(q.limit)}`;
}

export function dailyUsageSql(database: string, q: ReportFilter & { accountId: string }): Sql {
  assertAccountId(q.accountId);
  return sql`
SELECT toString(e_day) AS day, toString(e_currency) AS currency, ${UNIT_COLUMNS}
FROM
(
    SELECT eventId, any(occurredDate) AS e_day, ${UNIT_INNER}
    FROM ${qualified(database, RATED_EVENTS_TABLE)}
    WHERE accountId = ${str(q.accountId)} AND ${reportFilterSql(q)}
    GROUP BY eventId
)
GROUP BY e_day, e_currency
ORDER BY e_day, e_currency
LIMIT ${uint32(REPORT_PAGE_ROWS_MAX)}`;
}

export function dailyRevenueSql(database: string, q: ReportFilter & { limit: number; offset: number }): Sql {
  assertRows(q.limit, 'limit');
  if (!Number.isSafeInteger(q.offset) || q.offset < 0)
    throw new SqlValueError('OUT_OF_RANGE', `offset: not a non-negative integer: ${q.offset}`);
  return sql`
SELECT toString(e_day) AS day, e_serviceId AS serviceId, toString(e_currency) AS currency,
       toString(count()) AS events, toString(uniqExact(e_accountId)) AS accounts,
       toString(sum(e_amountMicros)) AS amountMicros
FROM
(
    SELECT eventId, any(occurredDate) AS e_day, any(serviceId) AS e_serviceId, any(accountId) AS e_accountId,
           any(currency) AS e_currency, any(amountMicros) AS e_amountMicros
    FROM ${qualified(database, RATED_EVENTS_TABLE)}
    WHERE ${reportFilterSql(q)}
    GROUP BY eventId
)
GROUP BY e_day, e_serviceId, e_currency
ORDER BY e_day, e_serviceId, e_currency
LIMIT ${uint64(q.offset)}, ${uint32(q.limit)}`;
}

type UnitRecord = Record<
  'events' | 'usedSeconds' | 'usedBytes' | 'usedEvents' | 'billableSeconds' | 'billableBytes' | 'billableEvents' | 'amountMicros',
  string
>;

function unitSums(r: UnitRecord): Pick<SubscriberUsageLine, 'events' | 'usedUnits' | 'billableUnits' | 'amountMicros'> {
  return {
    events: BigInt(r.events),
    usedUnits: { SECONDS: BigInt(r.usedSeconds), BYTES: BigInt(r.usedBytes), EVENTS: BigInt(r.usedEvents) },
    billableUnits: { SECONDS: BigInt(r.billableSeconds), BYTES: BigInt(r.billableBytes), EVENTS: BigInt(r.billableEvents) },
    amountMicros: BigInt(r.amountMicros),
  };
}

async function rows<T>(client: ClickHouseClient, query: Sql): Promise<T[]> {
  const rs = await client.query({
    query: query.text,
    format: 'JSONEachRow',
    clickhouse_settings: { max_execution_time: REPORT_QUERY_TIMEOUT_S },
  });
  return rs.json<T>();
}

/** Usage per subscriber and currency of one account, ordered by subscriber then currency, after `after`. */
export async function querySubscriberUsage(
  client: ClickHouseClient,
  database: string,
  q: ReportFilter & { accountId: string; after?: SubscriberCursor; limit: number },
): Promise<SubscriberUsageLine[]> {
  const records = await rows<UnitRecord & { subscriberId: string; currency: string }>(client, subscriberUsageSql(database, q));
  return records.map((r) => ({ subscriberId: r.subscriberId, currency: r.currency, ...unitSums(r) }));
}

/** Usage per UTC day and currency of one account; days without events are absent. */
export async function queryDailyUsage(
  client: ClickHouseClient,
  database: string,
  q: ReportFilter & { accountId: string },
): Promise<DailyUsageLine[]> {
  const records = await rows<UnitRecord & { day: string; currency: string }>(client, dailyUsageSql(database, q));
  return records.map((r) => ({ day: r.day, currency: r.currency, ...unitSums(r) }));
}

/** Amount per UTC day, service and currency over every account, ordered by day, service, currency. */
export async function queryDailyRevenue(
  client: ClickHouseClient,
  database: string,
  q: ReportFilter & { limit: number; offset: number },
): Promise<DailyRevenueLine[]> {
  type Rec = Record<'day' | 'currency' | 'events' | 'accounts' | 'amountMicros', string> & { serviceId: number | string };
  const records = await rows<Rec>(client, dailyRevenueSql(database, q));
  return records.map((r) => ({
    day: r.day,
    serviceId: Number(r.serviceId),
    currency: r.currency,
    events: BigInt(r.events),
    accounts: BigInt(r.accounts),
    amountMicros: BigInt(r.amountMicros),
  }));
}
