/**
 * Response shapes of the usage API (OpenAPI) and the mappers from the analytics lines. Money is a
 * decimal string of int64 micros of `currency`; counts and unit sums are decimal strings too,
 * because 64-bit sums can exceed what a JSON number carries exactly.
 */
import type { DailyRevenueLine, DailyUsageLine, SubscriberUsageLine, UnitSums, UsageLine } from '@app/analytics';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RATED_EVENT_TYPES } from '@app/events';
import { isoOf } from '../api/query-params';
import type { ReportCommand } from './usage-commands';

const MICROS = {
  description: 'Money in micros of `currency` (1 EUR = "1000000"), a decimal int64 string; refunds are negative',
  example: '1500000',
};
const COUNT = { description: 'A decimal string (64-bit)', example: '42' };

export class UnitSumsView {
  @ApiProperty(COUNT) SECONDS!: string;
  @ApiProperty(COUNT) BYTES!: string;
  @ApiProperty(COUNT) EVENTS!: string;
}

export class PeriodView {
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z', description: 'Start of the period (inclusive), UTC' }) from!: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z', description: 'End of the period (exclusive), UTC' }) to!: string;
  @ApiProperty({ enum: RATED_EVENT_TYPES, isArray: true, description: 'Event types counted' }) types!: string[];
  @ApiPropertyOptional({ description: 'The serviceId filter, when given' }) serviceId?: number;
  @ApiPropertyOptional({ description: 'The ratingGroup filter, when given' }) ratingGroup?: number;
}

export class UsageSummaryLineView {
  @ApiProperty() serviceId!: number;
  @ApiProperty() ratingGroup!: number;
  @ApiProperty({ enum: ['SECONDS', 'BYTES', 'EVENTS', 'MONEY'] }) unit!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty(COUNT) usedUnits!: string;
  @ApiProperty(COUNT) billableUnits!: string;
  @ApiProperty(COUNT) allowanceUnits!: string;
  @ApiProperty(MICROS) amountMicros!: string;
}

export class CurrencyTotalView {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty(MICROS) amountMicros!: string;
}

export class UsageSummaryView extends PeriodView {
  @ApiProperty() accountId!: string;
  @ApiProperty({ type: [UsageSummaryLineView], description: 'One line per service, rating group, unit and currency' })
  lines!: UsageSummaryLineView[];
  @ApiProperty({ type: [CurrencyTotalView], description: 'Sum of the lines per currency' }) totals!: CurrencyTotalView[];
}

export class SubscriberUsageView {
  @ApiProperty({ description: 'E.164 digits or IMSI; "" for events without a subscriber (top-ups)' }) subscriberId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty({ type: UnitSumsView }) usedUnits!: UnitSumsView;
  @ApiProperty({ type: UnitSumsView }) billableUnits!: UnitSumsView;
  @ApiProperty(MICROS) amountMicros!: string;
}

export class SubscriberUsagePageView extends PeriodView {
  @ApiProperty() accountId!: string;
  @ApiProperty({ type: [SubscriberUsageView], description: 'Ordered by subscriberId, then currency' }) subscribers!: SubscriberUsageView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' }) nextCursor!:
    string | null;
}

export class DailyUsageView {
  @ApiProperty({ example: '2026-11-01', description: 'UTC day' }) day!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty({ type: UnitSumsView }) usedUnits!: UnitSumsView;
  @ApiProperty({ type: UnitSumsView }) billableUnits!: UnitSumsView;
  @ApiProperty(MICROS) amountMicros!: string;
}

export class DailyUsageSeriesView extends PeriodView {
  @ApiProperty() accountId!: string;
  @ApiProperty({ type: [DailyUsageView], description: 'Days with events, in order (days without events are absent)' })
  days!: DailyUsageView[];
}

export class DailyRevenueView {
  @ApiProperty({ example: '2026-11-01', description: 'UTC day' }) day!: string;
  @ApiProperty() serviceId!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty({ ...COUNT, description: 'Distinct accounts with events' }) accounts!: string;
  @ApiProperty(MICROS) amountMicros!: string;
}

export class DailyRevenuePageView extends PeriodView {
  @ApiProperty({ type: [DailyRevenueView], description: 'Ordered by day, serviceId, currency' }) lines!: DailyRevenueView[];
  @ApiProperty() offset!: number;
  @ApiProperty() limit!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `offset` for the next page; null on the last page' }) nextOffset!:
    number | null;
}

export function periodView(c: ReportCommand): PeriodView {
  const view: PeriodView = { from: isoOf(c.fromMs), to: isoOf(c.toMs), types: [...c.types] };
  if (c.serviceId !== undefined) view.serviceId = c.serviceId;
  if (c.ratingGroup !== undefined) view.ratingGroup = c.ratingGroup;
  return view;
}

export function unitSumsView(u: UnitSums): UnitSumsView {
  return { SECONDS: u.SECONDS.toString(), BYTES: u.BYTES.toString(), EVENTS: u.EVENTS.toString() };
}

export function summaryLineView(l: UsageLine): UsageSummaryLineView {
  return {
    serviceId: l.serviceId,
    ratingGroup: l.ratingGroup,
    unit: l.unit,
    currency: l.currency,
    events: l.events.toString(),
    usedUnits: l.usedUnits.toString(),
    billableUnits: l.billableUnits.toString(),
    allowanceUnits: l.allowanceUnits.toString(),
    amountMicros: l.amountMicros.toString(),
  };
}

export function subscriberView(l: SubscriberUsageLine): SubscriberUsageView {
  return {
    subscriberId: l.subscriberId,
    currency: l.currency,
    events: l.events.toString(),
    usedUnits: unitSumsView(l.usedUnits),
    billableUnits: unitSumsView(l.billableUnits),
    amountMicros: l.amountMicros.toString(),
  };
}

export function dailyView(l: DailyUsageLine): DailyUsageView {
  return {
    day: l.day,
    currency: l.currency,
    events: l.events.toString(),
    usedUnits: unitSumsView(l.usedUnits),
    billableUnits: unitSumsView(l.billableUnits),
    amountMicros: l.amountMicros.toString(),
  };
}

export function revenueView(l: DailyRevenueLine): DailyRevenueView {
  return {
    day: l.day,
    serviceId: l.serviceId,
    currency: l.currency,
    events: l.events.toString(),
    accounts: l.accounts.toString(),
    amountMicros: l.amountMicros.toString(),
  };
}
