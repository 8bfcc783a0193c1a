/** GET /v1/revenue/daily: revenue per day and service over every account. */
import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { InvoicingApiController } from '../api/api-controller';
import type { RawQuery } from '../api/query-params';
import { GetDailyRevenueUseCase } from './get-daily-revenue.usecase';
import { revenueCommand } from './usage-commands';
import { REVENUE_API_PERIOD_MAX_DAYS, REVENUE_OFFSET_MAX, REVENUE_PAGE_DEFAULT, REVENUE_PAGE_MAX } from './usage-limits';
import { ApiReportQueries } from './usage-openapi';
import { DailyRevenuePageView } from './usage.dto';
import { RequiresRole } from '@app/auth';

@InvoicingApiController('v1/revenue', 'revenue')
export class RevenueController {
  constructor(private readonly revenue: GetDailyRevenueUseCase) {}

  @Get('daily')
  @RequiresRole('read')
  @ApiOperation({ summary: 'Net amount per UTC day, service and currency over every account, paged by offset' })
  @ApiReportQueries(REVENUE_API_PERIOD_MAX_DAYS)
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    description: `Lines per page, 1..${REVENUE_PAGE_MAX} (default ${REVENUE_PAGE_DEFAULT})`,
  })
  @ApiQuery({ name: 'offset', required: false, type: Number, description: `Lines to skip, 0..${REVENUE_OFFSET_MAX}` })
  @ApiOkResponse({ type: DailyRevenuePageView })
  getDaily(@Query() query: RawQuery): Promise<DailyRevenuePageView> {
    return this.revenue.execute(revenueCommand(query));
  }
}
