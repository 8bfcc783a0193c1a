/** GET /v1/usage/accounts/:accountId/{summary,subscribers,daily}: thin handlers, one use case each. */
import { Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { InvoicingApiController } from '../api/api-controller';
import type { RawQuery } from '../api/query-params';
import { GetDailyUsageUseCase } from './get-daily-usage.usecase';
import { GetUsageSummaryUseCase } from './get-usage-summary.usecase';
import { ListSubscriberUsageUseCase } from './list-subscriber-usage.usecase';
import { accountReportCommand, subscribersCommand } from './usage-commands';
import { SUBSCRIBERS_PAGE_DEFAULT, SUBSCRIBERS_PAGE_MAX, USAGE_API_PERIOD_MAX_DAYS } from './usage-limits';
import { ApiAccountParam, ApiReportQueries } from './usage-openapi';
import { DailyUsageSeriesView, SubscriberUsagePageView, UsageSummaryView } from './usage.dto';
import { RequiresRole } from '@app/auth';

@InvoicingApiController('v1/usage/accounts', 'usage')
export class UsageController {
  constructor(
    private readonly summary: GetUsageSummaryUseCase,
    private readonly subscribers: ListSubscriberUsageUseCase,
    private readonly daily: GetDailyUsageUseCase,
  ) {}

  @Get(':accountId/summary')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Usage and amount per service, rating group, unit and currency for a period (what the invoice run bills)' })
  @ApiAccountParam()
  @ApiReportQueries(USAGE_API_PERIOD_MAX_DAYS)
  @ApiOkResponse({ type: UsageSummaryView })
  getSummary(@Param('accountId') accountId: string, @Query() query: RawQuery): Promise<UsageSummaryView> {
    return this.summary.execute(accountReportCommand(accountId, query));
  }

  @Get(':accountId/subscribers')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Usage and amount per subscriber and currency for a period, paged by cursor' })
  @ApiAccountParam()
  @ApiReportQueries(USAGE_API_PERIOD_MAX_DAYS)
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    description: `Lines per page, 1..${SUBSCRIBERS_PAGE_MAX} (default ${SUBSCRIBERS_PAGE_DEFAULT})`,
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: SubscriberUsagePageView })
  getSubscribers(@Param('accountId') accountId: string, @Query() query: RawQuery): Promise<SubscriberUsagePageView> {
    return this.subscribers.execute(subscribersCommand(accountId, query));
  }

  @Get(':accountId/daily')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Usage and amount per UTC day and currency for a period' })
  @ApiAccountParam()
  @ApiReportQueries(USAGE_API_PERIOD_MAX_DAYS)
  @ApiOkResponse({ type: DailyUsageSeriesView })
  getDaily(@Param('accountId') accountId: string, @Query() query: RawQuery): Promise<DailyUsageSeriesView> {
    return this.daily.execute(accountReportCommand(accountId, query));
  }
}
