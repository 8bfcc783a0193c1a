/**
 * The read port of the usage API and its ClickHouse implementation over @app/analytics. Every
 * query de-duplicates by eventId (exact under redelivery). A server failure becomes UNAVAILABLE,
 * a query the server stopped for its time or memory limits LIMIT_EXCEEDED.
 */
import {
  type ClickHouseClient,
  DailyRevenueLine,
  DailyUsageLine,
  queryDailyRevenue,
  queryDailyUsage,
  querySubscriberUsage,
  queryUsage,
  ReportFilter,
  SqlValueError,
  SubscriberCursor,
  SubscriberUsageLine,
  UsageLine,
  UsageQuery,
} from '@app/analytics';
import { InvoicingError, InvoicingErrorCode } from '../api/invoicing-error';

export const USAGE_READER = Symbol('USAGE_READER');

export type AccountFilter = ReportFilter & { accountId: string };

export interface UsageReader {
  summary(q: UsageQuery): Promise<UsageLine[]>;
  subscribers(q: AccountFilter & { after?: SubscriberCursor; limit: number }): Promise<SubscriberUsageLine[]>;
  daily(q: AccountFilter): Promise<DailyUsageLine[]>;
  revenue(q: ReportFilter & { limit: number; offset: number }): Promise<DailyRevenueLine[]>;
}

/** ClickHouse error codes of a query stopped by the server's own bounds. */
const CLICKHOUSE_LIMIT_CODES = new Set(['159', '241', '158', '396']); // timeout, memory, rows to read, result rows

/** Maps a failed ClickHouse call to the domain error; SqlValueError is a programmer error here (commands validate first). */
export function clickhouseFailure(err: unknown): Error {
  if (err instanceof SqlValueError || err instanceof InvoicingError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (CLICKHOUSE_LIMIT_CODES.has(code)) {
    return new InvoicingError(InvoicingErrorCode.LIMIT_EXCEEDED, 'the query exceeded the server limits; narrow the period or the filters');
  }
  return InvoicingError.unavailable('ClickHouse', err);
}

export class ClickhouseUsageReader implements UsageReader {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  private async run<T>(q: () => Promise<T>): Promise<T> {
    try {
      return await q();
    } catch (err) {
      throw clickhouseFailure(err);
    }
  }

  summary(q: UsageQuery): Promise<UsageLine[]> {
    return this.run(() => queryUsage(this.client, this.database, q));
  }
  subscribers(q: AccountFilter & { after?: SubscriberCursor; limit: number }): Promise<SubscriberUsageLine[]> {
    return this.run(() => querySubscriberUsage(this.client, this.database, q));
  }
  daily(q: AccountFilter): Promise<DailyUsageLine[]> {
    return this.run(() => queryDailyUsage(this.client, this.database, q));
  }
  revenue(q: ReportFilter & { limit: number; offset: number }): Promise<DailyRevenueLine[]> {
    return this.run(() => queryDailyRevenue(this.client, this.database, q));
  }
}
