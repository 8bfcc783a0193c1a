/**
 * Usage and amount of one account per service, rating group, unit and currency for a period: the
 * figures the invoice run bills. It reads through `queryUsage`, the same de-duplicating query the
 * invoice run uses, so the API and the invoice can never disagree; the serviceId / ratingGroup
 * filters select among its lines.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { UsageLine } from '@app/analytics';
import type { AccountReportCommand } from './usage-commands';
import { CurrencyTotalView, periodView, summaryLineView, UsageSummaryView } from './usage.dto';
import { USAGE_READER, type UsageReader } from './usage-reader';

export function currencyTotals(lines: readonly UsageLine[]): CurrencyTotalView[] {
  const totals = new Map<string, { events: bigint; amountMicros: bigint }>();
  for (const l of lines) {
    const t = totals.get(l.currency) ?? { events: 0n, amountMicros: 0n };
    totals.set(l.currency, { events: t.events + l.events, amountMicros: t.amountMicros + l.amountMicros });
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, t]) => ({ currency, events: t.events.toString(), amountMicros: t.amountMicros.toString() }));
}

@Injectable()
export class GetUsageSummaryUseCase {
  constructor(@Inject(USAGE_READER) private readonly reader: UsageReader) {}

  async execute(command: AccountReportCommand): Promise<UsageSummaryView> {
    const all = await this.reader.summary({
      accountIds: [command.accountId],
      fromMs: command.fromMs,
      toMs: command.toMs,
      types: command.types,
    });
    const lines = all.filter(
      (l) =>
        (command.serviceId === undefined || l.serviceId === command.serviceId) &&
        (command.ratingGroup === undefined || l.ratingGroup === command.ratingGroup),
    );
    return { accountId: command.accountId, ...periodView(command), lines: lines.map(summaryLineView), totals: currencyTotals(lines) };
  }
}
