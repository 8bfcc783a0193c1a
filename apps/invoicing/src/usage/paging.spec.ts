/**
 * The paged list endpoints at their largest documented `limit`: the use case asks for one row more
 * than the page (to learn whether a next page exists), and that query must still be one the
 * @app/analytics builders accept. Regression: `limit=10000` on /v1/revenue/daily built a query of
 * 10001 rows, which the builder refused, and the client got a 500.
 */
import { dailyRevenueSql, type ReportFilter, subscriberUsageSql, type SubscriberCursor } from '@app/analytics';
import { GetDailyRevenueUseCase } from './get-daily-revenue.usecase';
import { ListSubscriberUsageUseCase } from './list-subscriber-usage.usecase';
import { revenueCommand, subscribersCommand } from './usage-commands';
import { REVENUE_PAGE_MAX, SUBSCRIBERS_PAGE_MAX } from './usage-limits';
import type { AccountFilter, UsageReader } from './usage-reader';

/** A reader that builds the real SQL of each query (throwing as the ClickHouse reader would) and finds no rows. */
class SqlBuildingReader implements UsageReader {
  readonly limits: number[] = [];

  summary(): never {
    throw new Error('not used');
  }

  daily(): never {
    throw new Error('not used');
  }

  async subscribers(q: AccountFilter & { after?: SubscriberCursor; limit: number }): Promise<[]> {
    subscriberUsageSql('ratel', q);
    this.limits.push(q.limit);
    return [];
  }

  async revenue(q: ReportFilter & { limit: number; offset: number }): Promise<[]> {
    dailyRevenueSql('ratel', q);
    this.limits.push(q.limit);
    return [];
  }
}

const PERIOD = { from: '2026-11-01', to: '2026-12-01' };

describe('paged usage endpoints at their largest limit', () => {
  it('revenue: limit=REVENUE_PAGE_MAX (10000) reads a page and its look-ahead row', async () => {
    const reader = new SqlBuildingReader();
    const page = await new GetDailyRevenueUseCase(reader).execute(revenueCommand({ ...PERIOD, limit: String(REVENUE_PAGE_MAX) }));
    expect(REVENUE_PAGE_MAX).toBe(10_000);
    expect(reader.limits).toEqual([REVENUE_PAGE_MAX + 1]);
    expect(page).toMatchObject({ limit: REVENUE_PAGE_MAX, nextOffset: null, lines: [] });
  });

  it('subscribers: limit=SUBSCRIBERS_PAGE_MAX reads a page and its look-ahead row', async () => {
    const reader = new SqlBuildingReader();
    const page = await new ListSubscriberUsageUseCase(reader).execute(
      subscribersCommand('acc-1', { ...PERIOD, limit: String(SUBSCRIBERS_PAGE_MAX) }),
    );
    expect(reader.limits).toEqual([SUBSCRIBERS_PAGE_MAX + 1]);
    expect(page.nextCursor).toBeNull();
  });
});
