/** The usage API: per-account summary, subscribers and daily series, and all-accounts revenue, read from ClickHouse. */
import { Module } from '@nestjs/common';
import type { ClickHouseClient } from '@app/analytics';
import type { InvoicingConfig } from '../config';
import { CLICKHOUSE_CLIENT, INVOICING_CONFIG } from '../api/tokens';
import { InvoicingAuthGuard } from '../api/auth.guard';
import { GetDailyRevenueUseCase } from './get-daily-revenue.usecase';
import { GetDailyUsageUseCase } from './get-daily-usage.usecase';
import { GetUsageSummaryUseCase } from './get-usage-summary.usecase';
import { ListSubscriberUsageUseCase } from './list-subscriber-usage.usecase';
import { RevenueController } from './revenue.controller';
import { UsageController } from './usage.controller';
import { ClickhouseUsageReader, USAGE_READER } from './usage-reader';

@Module({
  controllers: [UsageController, RevenueController],
  providers: [
    InvoicingAuthGuard,
    {
      provide: USAGE_READER,
      inject: [CLICKHOUSE_CLIENT, INVOICING_CONFIG],
      useFactory: (client: ClickHouseClient, config: InvoicingConfig) => new ClickhouseUsageReader(client, config.CLICKHOUSE_DATABASE),
    },
    GetUsageSummaryUseCase,
    ListSubscriberUsageUseCase,
    GetDailyUsageUseCase,
    GetDailyRevenueUseCase,
  ],
})
export class UsageModule {}
