/**
 * "Usage and amount per account, service and rating group for a period", exact under duplicate
 * rows: the inner query collapses every event id to one row (any() of its columns: all copies of
 * an event are the same delivery of one immutable event), the outer one sums. It never relies on
 * background merges or FINAL. Its cost: a hash table of the event ids of the selected accounts in
 * the period (README).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ACCOUNT_ID_PATTERN, RATED_EVENT_TYPES, RatedEventType } from '@app/events';
import { RATED_EVENTS_TABLE } from './rated-event-rows';
import { assertEpochMs, dateFromEpochMs, enumValue, list, qualified, Sql, sql, SqlValueError, str, uint64 } from './sql';

/** Most accounts in one usage query. */
export const USAGE_ACCOUNTS_MAX = 1_000;
/** Longest period of one usage query (a billing cycle is at most a month; a year leaves room). */
export const USAGE_PERIOD_MAX_MS = 400 * 24 * 60 * 60 * 1000;
/** The event types that are usage by default: DEBIT and its REFUNDs. */
export const USAGE_TYPES_DEFAULT: readonly RatedEventType[] = ['DEBIT', 'REFUND'];

export interface UsageQuery {
  accountIds: readonly string[];
  /** Period [fromMs, toMs) on occurredAtMs, epoch ms UTC. */
  fromMs: number;
  toMs: number;
  types?: readonly RatedEventType[];
}

export interface UsageLine {
  accountId: string;
  serviceId: number;
  ratingGroup: number;
  unit: string;
  currency: string;
  events: bigint;
  usedUnits: bigint;
  billableUnits: bigint;
  allowanceUnits: bigint;
  amountMicros: bigint;
}

/** Validates the query; throws SqlValueError naming the bad input. */
export function usageQuerySql(database: string, q: UsageQuery): Sql {
  if (q.accountIds.length === 0 || q.accountIds.length > USAGE_ACCOUNTS_MAX) {
    throw new SqlValueError('OUT_OF_RANGE', `accountIds: between 1 and ${USAGE_ACCOUNTS_MAX} accounts, got ${q.accountIds.length}`);
  }
  const bad = q.accountIds.find((a) => typeof a !== 'string' || !ACCOUNT_ID_PATTERN.test(a));
  if (bad !== undefined) throw new SqlValueError('INVALID_STRING', `accountIds: ${JSON.stringify(bad)} is not an account id`);
  assertEpochMs(q.fromMs);
  assertEpochMs(q.toMs);
  if (q.toMs <= q.fromMs || q.toMs - q.fromMs > USAGE_PERIOD_MAX_MS) {
    throw new SqlValueError('OUT_OF_RANGE', `period: need fromMs < toMs and at most ${USAGE_PERIOD_MAX_MS} ms`);
  }
  const types = q.types ?? USAGE_TYPES_DEFAULT;
  return sql`
SELECT e_accountId AS accountId, e_serviceId AS serviceId, e_ratingGroup AS ratingGroup,
       toString(e_unit) AS unit, toString(e_currency) AS currency,
       toString(count()) AS events,
       toString(sum(e_usedUnits)) AS usedUnits,
       toString(sum(e_billableUnits)) AS billableUnits,
       toString(sum(e_allowanceUnits)) AS allowanceUnits,
       toString(sum(e_amountMicros)) AS amountMicros
FROM
(
    SELECT eventId,
           any(accountId) AS e_accountId, any(serviceId) AS e_serviceId, any(ratingGroup) AS e_ratingGroup,
           any(unit) AS e_unit, any(currency) AS e_currency,
           any(usedUnits) AS e_usedUnits, any(billableUnits) AS e_billableUnits,
           any(allowanceUnits) AS e_allowanceUnits, any(amountMicros) AS e_amountMicros
    FROM ${qualified(database, RATED_EVENTS_TABLE)}
    WHERE accountId IN (${list(q.accountIds.map(str))})
      AND occurredDate >= ${dateFromEpochMs(q.fromMs)} AND occurredDate <= ${dateFromEpochMs(q.toMs - 1)}
      AND occurredAtMs >= ${uint64(q.fromMs)} AND occurredAtMs < ${uint64(q.toMs)}
      AND type IN (${list(types.map((t) => enumValue(t, RATED_EVENT_TYPES)))})
    GROUP BY eventId
)
GROUP BY e_accountId, e_serviceId, e_ratingGroup, e_unit, e_currency
ORDER BY e_accountId, e_serviceId, e_ratingGroup, e_unit, e_currency`;
}

interface UsageRecord {
  accountId: string;
  serviceId: number;
  ratingGroup: number;
  unit: string;
  currency: string;
  events: string;
  usedUnits: string;
  billableUnits: string;
  allowanceUnits: string;
  amountMicros: string;
}

/** Usage lines of the accounts in the period, sorted by account, service, rating group, unit, currency. */
export async function queryUsage(client: ClickHouseClient, database: string, q: UsageQuery): Promise<UsageLine[]> {
  const rs = await client.query({ query: usageQuerySql(database, q).text, format: 'JSONEachRow' });
  const records = await rs.json<UsageRecord>();
  return records.map((r) => ({
    accountId: r.accountId,
    serviceId: Number(r.serviceId),
    ratingGroup: Number(r.ratingGroup),
    unit: r.unit,
    currency: r.currency,
    events: BigInt(r.events),
    usedUnits: BigInt(r.usedUnits),
    billableUnits: BigInt(r.billableUnits),
    allowanceUnits: BigInt(r.allowanceUnits),
    amountMicros: BigInt(r.amountMicros),
  }));
}
