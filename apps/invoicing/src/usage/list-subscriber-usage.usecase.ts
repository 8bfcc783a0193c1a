/** Usage per subscriber (and currency) of one account for a period, a page at a time (keyset cursor). */
import { Inject, Injectable } from '@nestjs/common';
import { encodeSubscriberCursor, type SubscribersCommand } from './usage-commands';
import { periodView, SubscriberUsagePageView, subscriberView } from './usage.dto';
import { USAGE_READER, type UsageReader } from './usage-reader';

@Injectable()
export class ListSubscriberUsageUseCase {
  constructor(@Inject(USAGE_READER) private readonly reader: UsageReader) {}

  async execute(command: SubscribersCommand): Promise<SubscriberUsagePageView> {
    // One line more than the page tells whether there is a next page.
    const lines = await this.reader.subscribers({ ...command, limit: command.limit + 1 });
    const page = lines.slice(0, command.limit);
    const last = page[page.length - 1];
    return {
      accountId: command.accountId,
      ...periodView(command),
      subscribers: page.map(subscriberView),
      nextCursor: lines.length > command.limit ? encodeSubscriberCursor(last) : null,
    };
  }
}
