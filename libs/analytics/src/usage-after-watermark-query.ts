/**
 * Revenue assurance of invoices: the usage of a cycle's period that its run did NOT bill because it
 * reached ClickHouse after the run's watermark W(C) (stream position). By the rules of
 * invoice-usage-query.ts, the next run of the cycle type bills those events, marked late, if its
 * watermark W(C+1) covers them; otherwise they wait for a later run.
 *
 * One query for an account range, copies collapsed by event id (min() of their positions), per
 * account and `billedBy`: 1 when firstSeq <= nextWatermarkSeq (the next run has billed it), 0 when
 * no run has yet. Same SQL on ClickHouse 18.16 and current releases; every value validated (./sql).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { RATED_EVENT_TYPES, RatedEventType } from '@app/events';
import { RATED_EVENTS_TABLE } from './rated-event-rows';
import { assertAccountRangeAndPeriod } from './invoice-usage-query';
import { dateFromEpochMs, enumValue, list, qualified, Sql, sql, SqlValueError, str, uint64 } from './sql';
import { USAGE_TYPES_DEFAULT } from './usage-query';

export interface UsageAfterWatermarkQuery {
  firstAccountId: string;
  lastAccountId: string;
  periodStartMs: number;
  periodEndMs: number;
  /** The cycle's run watermark W(C). */
  watermarkSeq: bigint;
  /** The next run's watermark W(C+1), or null when there is no next run yet. */
  nextWatermarkSeq: bigint | null;
  types?: readonly RatedEventType[];
}

export interface UsageAfterWatermark {
  accountId: string;
  /** True: the next run's watermark covers these events (billed there, late); false: not billed yet. */
  billedByNextRun: boolean;
  currency: string;
  events: bigint;
  amountMicros: bigint;
}

export function usageAfterWatermarkSql(database: string, q: UsageAfterWatermarkQuery): Sql {
  assertAccountRangeAndPeriod(q);
  if (q.watermarkSeq < 0n || (q.nextWatermarkSeq !== null && q.nextWatermarkSeq < q.watermarkSeq))
    throw new SqlValueError('OUT_OF_RANGE', 'watermarks: need 0 <= watermarkSeq <= nextWatermarkSeq');
  const w = uint64(q.watermarkSeq);
  // No next run: nothing after W(C) is billed yet (a position never reaches 0).
  const next = uint64(q.nextWatermarkSeq ?? 0n);
  return sql`
SELECT e_accountId AS accountId, if(e_firstSeq <= ${next}, 1, 0) AS billedByNextRun, toString(e_currency) AS currency,
       toString(count()) AS events, toString(sum(e_amountMicros)) AS amountMicros
FROM
(
    SELECT eventId, any(accountId) AS e_accountId, any(currency) AS e_currency, any(amountMicros) AS e_amountMicros,
           min(streamSeq) AS e_firstSeq
    FROM ${qualified(database, RATED_EVENTS_TABLE)}
    WHERE accountId >= ${str(q.firstAccountId)} AND accountId <= ${str(q.lastAccountId)}
      AND type IN (${list((q.types ?? USAGE_TYPES_DEFAULT).map((t) => enumValue(t, RATED_EVENT_TYPES)))})
      AND occurredDate >= ${dateFromEpochMs(q.periodStartMs)} AND occurredDate <= ${dateFromEpochMs(q.periodEndMs - 1)}
      AND occurredAtMs >= ${uint64(q.periodStartMs)} AND occurredAtMs < ${uint64(q.periodEndMs)}
    GROUP BY eventId
    HAVING e_firstSeq > ${w}
)
GROUP BY e_accountId, billedByNextRun, e_currency
ORDER BY e_accountId, billedByNextRun, e_currency`;
}

interface Record {
  accountId: string;
  billedByNextRun: number | string;
  currency: string;
  events: string;
  amountMicros: string;
}

export async function queryUsageAfterWatermark(
  client: ClickHouseClient,
  database: string,
  q: UsageAfterWatermarkQuery,
): Promise<UsageAfterWatermark[]> {
  const rs = await client.query({ query: usageAfterWatermarkSql(database, q).text, format: 'JSONEachRow' });
  return (await rs.json<Record>()).map((r) => ({
    accountId: r.accountId,
    billedByNextRun: Number(r.billedByNextRun) === 1,
    currency: r.currency,
    events: BigInt(r.events),
    amountMicros: BigInt(r.amountMicros),
  }));
}
