/**
 * What revenue assurance reads from ClickHouse: per account and event type, the number of distinct
 * events, their amount and a fingerprint of their ids; and, for the accounts whose totals differ
 * from what was published, the events themselves. Both de-duplicate by eventId like queryUsage.
 *
 * The fingerprint is the wrapping UInt64 sum of the first 16 hex digits of every event id (the
 * ids are sha1 hex). It is independent of order, cheap in SQL, and computed the same way in
 * TypeScript by `eventIdFingerprint`, so a set that lost one event and gained another with the
 * same amount still shows up as different.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ACCOUNT_ID_PATTERN, RatedEventType } from '@app/events';
import { RATED_EVENTS_TABLE } from './rated-event-rows';
import { assertEpochMs, dateFromEpochMs, list, qualified, Sql, sql, SqlValueError, str, uint32, uint64 } from './sql';

/** Longest period one reconciliation query covers. */
export const RECONCILE_PERIOD_MAX_MS = 92 * 24 * 60 * 60 * 1000;
/** Longest execution of one reconciliation query on the server (ClickHouse `max_execution_time`). */
export const RECONCILE_QUERY_TIMEOUT_S = 120;
/** Most accounts whose single events one query returns. */
export const RECONCILE_ACCOUNTS_MAX = 1_000;

const UINT64_MOD = 2n ** 64n;

/** The fingerprint contribution of one event id: its first 16 hex digits as an unsigned 64-bit integer. */
export function eventIdFingerprint(eventId: string): bigint {
  return BigInt(`0x${eventId.slice(0, 16)}`);
}

/** Adds fingerprints the way ClickHouse sums UInt64: modulo 2^64. */
export function addFingerprint(a: bigint, b: bigint): bigint {
  return (a + b) % UINT64_MOD;
}

export interface AccountTypeTotal {
  accountId: string;
  type: RatedEventType;
  events: bigint;
  amountMicros: bigint;
  idFingerprint: bigint;
}

export interface StoredEventAmount {
  eventId: string;
  accountId: string;
  type: RatedEventType;
  amountMicros: bigint;
}

export interface ReconcilePeriod {
  fromMs: number;
  toMs: number;
  /** Absent = every account. */
  accountIds?: readonly string[];
}

function periodWhere(q: ReconcilePeriod): Sql {
  assertEpochMs(q.fromMs);
  assertEpochMs(q.toMs);
  if (q.toMs <= q.fromMs || q.toMs - q.fromMs > RECONCILE_PERIOD_MAX_MS) {
    throw new SqlValueError('OUT_OF_RANGE', `period: need fromMs < toMs and at most ${RECONCILE_PERIOD_MAX_MS} ms`);
  }
  let accounts = sql``;
  if (q.accountIds !== undefined) {
    if (q.accountIds.length === 0 || q.accountIds.length > RECONCILE_ACCOUNTS_MAX) {
      throw new SqlValueError('OUT_OF_RANGE', `accountIds: between 1 and ${RECONCILE_ACCOUNTS_MAX}, got ${q.accountIds.length}`);
    }
    const bad = q.accountIds.find((a) => typeof a !== 'string' || !ACCOUNT_ID_PATTERN.test(a));
    if (bad !== undefined) throw new SqlValueError('INVALID_STRING', `accountIds: ${JSON.stringify(bad)} is not an account id`);
    accounts = sql`accountId IN (${list(q.accountIds.map(str))}) AND `;
  }
  return sql`${accounts}occurredDate >= ${dateFromEpochMs(q.fromMs)} AND occurredDate <= ${dateFromEpochMs(q.toMs - 1)}
      AND occurredAtMs >= ${uint64(q.fromMs)} AND occurredAtMs < ${uint64(q.toMs)}`;
}

export function accountTypeTotalsSql(database: string, q: ReconcilePeriod & { rowsMax: number }): Sql {
  return sql`
SELECT e_accountId AS accountId, toString(e_type) AS type, toString(count()) AS events,
       toString(sum(e_amountMicros)) AS amountMicros,
       toString(sum(reinterpretAsUInt64(reverse(unhex(substring(eventId, 1, 16)))))) AS idFingerprint
FROM
(
    SELECT eventId, any(accountId) AS e_accountId, any(type) AS e_type, any(amountMicros) AS e_amountMicros
    FROM ${qualified(database, RATED_EVENTS_TABLE)}
    WHERE ${periodWhere(q)}
    GROUP BY eventId
)
GROUP BY e_accountId, e_type
ORDER BY e_accountId, e_type
LIMIT ${uint32(q.rowsMax)}`;
}

export function storedEventAmountsSql(database: string, q: ReconcilePeriod & { accountIds: readonly string[]; rowsMax: number }): Sql {
  return sql`
SELECT eventId, any(accountId) AS e_accountId, toString(any(type)) AS e_type, toString(any(amountMicros)) AS e_amountMicros
FROM ${qualified(database, RATED_EVENTS_TABLE)}
WHERE ${periodWhere(q)}
GROUP BY eventId
ORDER BY eventId
LIMIT ${uint32(q.rowsMax)}`;
}

const settings = { max_execution_time: RECONCILE_QUERY_TIMEOUT_S };

/** Distinct events, amount and id fingerprint per account and type; at most `rowsMax` lines. */
export async function queryAccountTypeTotals(
  client: ClickHouseClient,
  database: string,
  q: ReconcilePeriod & { rowsMax: number },
): Promise<AccountTypeTotal[]> {
  const rs = await client.query({ query: accountTypeTotalsSql(database, q).text, format: 'JSONEachRow', clickhouse_settings: settings });
  const records = await rs.json<Record<'accountId' | 'type' | 'events' | 'amountMicros' | 'idFingerprint', string>>();
  return records.map((r) => ({
    accountId: r.accountId,
    type: r.type as RatedEventType,
    events: BigInt(r.events),
    amountMicros: BigInt(r.amountMicros),
    idFingerprint: BigInt(r.idFingerprint),
  }));
}

/** One line per distinct event of the accounts in the period; at most `rowsMax` lines. */
export async function queryStoredEventAmounts(
  client: ClickHouseClient,
  database: string,
  q: ReconcilePeriod & { accountIds: readonly string[]; rowsMax: number },
): Promise<StoredEventAmount[]> {
  const rs = await client.query({ query: storedEventAmountsSql(database, q).text, format: 'JSONEachRow', clickhouse_settings: settings });
  const records = await rs.json<Record<'eventId' | 'e_accountId' | 'e_type' | 'e_amountMicros', string>>();
  return records.map((r) => ({
    eventId: r.eventId,
    accountId: r.e_accountId,
    type: r.e_type as RatedEventType,
    amountMicros: BigInt(r.e_amountMicros),
  }));
}
