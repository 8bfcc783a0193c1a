/** Usage and amount of one account per UTC day and currency for a period (at most USAGE_API_PERIOD_MAX_DAYS days). */
import { Inject, Injectable } from '@nestjs/common';
import type { AccountReportCommand } from './usage-commands';
import { DailyUsageSeriesView, dailyView, periodView } from './usage.dto';
import { USAGE_READER, type UsageReader } from './usage-reader';

@Injectable()
export class GetDailyUsageUseCase {
  constructor(@Inject(USAGE_READER) private readonly reader: UsageReader) {}

  async execute(command: AccountReportCommand): Promise<DailyUsageSeriesView> {
    const days = await this.reader.daily(command);
    return { accountId: command.accountId, ...periodView(command), days: days.map(dailyView) };
  }
}
