/** Revenue (net amount of the selected types) per UTC day, service and currency over every account, a page at a time. */
import { Inject, Injectable } from '@nestjs/common';
import type { RevenueCommand } from './usage-commands';
import { DailyRevenuePageView, periodView, revenueView } from './usage.dto';
import { USAGE_READER, type UsageReader } from './usage-reader';

@Injectable()
export class GetDailyRevenueUseCase {
  constructor(@Inject(USAGE_READER) private readonly reader: UsageReader) {}

  async execute(command: RevenueCommand): Promise<DailyRevenuePageView> {
    const lines = await this.reader.revenue({ ...command, limit: command.limit + 1 });
    const more = lines.length > command.limit;
    return {
      ...periodView(command),
      lines: lines.slice(0, command.limit).map(revenueView),
      offset: command.offset,
      limit: command.limit,
      nextOffset: more ? command.offset + command.limit : null,
    };
  }
}
