/**
 * The reconciliation report as JSON (HTTP response and CLI output) and its OpenAPI description.
 * Money is a decimal string of int64 micros; counts of events are decimal strings as well.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RATED_EVENT_TYPES } from '@app/events';
import type { EventDifferences, LateArrivals, MismatchDifferences, Totals } from './reconcile';

const MICROS = { description: 'Money in micros, a decimal int64 string', example: '1500000' };
const COUNT = { description: 'A decimal string', example: '42' };

export class TotalsView {
  @ApiProperty(COUNT) events!: string;
  @ApiProperty(MICROS) amountMicros!: string;
}

export class SideTotalsView extends TotalsView {
  @ApiProperty({ description: 'Accounts with events' }) accounts!: number;
}

export class TypeComparisonView {
  @ApiProperty({ enum: RATED_EVENT_TYPES }) type!: string;
  @ApiProperty({ type: TotalsView, description: 'Published on the stream (distinct events)' }) published!: TotalsView;
  @ApiProperty({ type: TotalsView, description: 'Held by ClickHouse (distinct events)' }) stored!: TotalsView;
}

export class EventDifferencesView extends TotalsView {
  @ApiProperty({ type: [String], description: 'The first event ids, sorted (the counts and amounts are complete)' }) eventIds!: string[];
}

export class MismatchView {
  @ApiProperty(COUNT) events!: string;
  @ApiProperty(MICROS) publishedMicros!: string;
  @ApiProperty(MICROS) storedMicros!: string;
  @ApiProperty({ type: [String] }) eventIds!: string[];
}

export class AccountDifferenceView {
  @ApiProperty() accountId!: string;
  @ApiProperty({ type: [TypeComparisonView] }) byType!: TypeComparisonView[];
  @ApiPropertyOptional({ type: EventDifferencesView, description: 'Published, not in ClickHouse' })
  missingInClickhouse?: EventDifferencesView;
  @ApiPropertyOptional({ type: EventDifferencesView, description: 'In ClickHouse, not published' })
  extraInClickhouse?: EventDifferencesView;
  @ApiPropertyOptional({ type: MismatchView, description: 'In both, with another amount or type' }) amountMismatch?: MismatchView;
}

export class ScanView {
  @ApiProperty() messages!: number;
  @ApiProperty({ description: 'Distinct events of the period' }) events!: number;
  @ApiProperty() duplicates!: number;
  @ApiProperty({ description: 'Same event id published with other content' }) conflictingDuplicates!: number;
  @ApiProperty({ description: 'Messages the sink dead-letters' }) invalid!: number;
  @ApiProperty({ description: 'Valid events read that occurred outside the period' }) outsidePeriod!: number;
  @ApiProperty({ description: 'False when stream retention has removed messages published since the period start' })
  streamCoversPeriod!: boolean;
}

export class DifferenceTotalsView {
  @ApiProperty({ type: TotalsView }) missingInClickhouse!: TotalsView;
  @ApiProperty({ type: TotalsView }) extraInClickhouse!: TotalsView;
  @ApiProperty({ type: MismatchView }) amountMismatch!: Omit<MismatchView, 'eventIds'>;
}

export class AccountLateArrivalsView {
  @ApiProperty() accountId!: string;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty(MICROS) amountMicros!: string;
  @ApiProperty({ description: 'How long after the period end the latest of them was published, in ms' })
  lateByMsMax!: number;
  @ApiProperty({ type: [String], description: 'The first event ids, sorted (the counts and amounts are complete)' })
  eventIds!: string[];
}

export class LateArrivalsView {
  @ApiProperty({ description: 'ASSURANCE_PUBLISH_DELAY_MAX_MS: published later than the period end plus this = late' })
  publishDelayMaxMs!: number;
  @ApiProperty(COUNT) events!: string;
  @ApiProperty(MICROS) amountMicros!: string;
  @ApiProperty({ description: 'How long after the period end the latest late event was published, in ms (0: none)' })
  lateByMsMax!: number;
  @ApiProperty({ description: 'Accounts with late arrivals' }) accountsLate!: number;
  @ApiProperty({ description: 'Accounts with late arrivals beyond ASSURANCE_ACCOUNTS_REPORTED_MAX (not listed)' })
  accountsNotListed!: number;
  @ApiProperty({ type: [AccountLateArrivalsView], description: 'The first ASSURANCE_ACCOUNTS_REPORTED_MAX, by id' })
  accounts!: AccountLateArrivalsView[];
}

export class ReconcileReportView {
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ nullable: true, type: String }) accountId!: string | null;
  @ApiProperty() stream!: string;
  @ApiProperty({ example: 'ratel.rated.v1.>' }) subjectFilter!: string;
  @ApiProperty({ description: 'True when ClickHouse holds exactly the published events of every account' }) clean!: boolean;
  @ApiProperty({ type: [String], description: 'Conditions that limit what the report can say' }) warnings!: string[];
  @ApiProperty({ type: ScanView }) scan!: ScanView;
  @ApiProperty({ type: SideTotalsView }) published!: SideTotalsView;
  @ApiProperty({ type: SideTotalsView }) stored!: SideTotalsView;
  @ApiProperty() accountsWithDifferences!: number;
  @ApiProperty({ description: 'Accounts with differences beyond ASSURANCE_ACCOUNTS_REPORTED_MAX (sorted by id), counted but not listed' })
  accountsNotDetailed!: number;
  @ApiProperty({ type: DifferenceTotalsView, description: 'Sums over the detailed accounts' }) differences!: DifferenceTotalsView;
  @ApiProperty({
    type: [AccountDifferenceView],
    description: 'The first ASSURANCE_ACCOUNTS_REPORTED_MAX accounts with differences, sorted by id',
  })
  accounts!: AccountDifferenceView[];
  @ApiProperty({
    type: LateArrivalsView,
    description:
      'Events of the period published after its end plus ASSURANCE_PUBLISH_DELAY_MAX_MS (a late CDR file): ' +
      'compared like every other event (by event time), and listed here as a fact, not as a difference. ' +
      'Invoices issued before they came miss them.',
  })
  lateArrivals!: LateArrivalsView;
}

export function totalsView(t: Totals): TotalsView {
  return { events: t.events.toString(), amountMicros: t.amountMicros.toString() };
}

export function eventDifferencesView(d: EventDifferences): EventDifferencesView {
  return { ...totalsView(d), eventIds: d.eventIds };
}

export function mismatchView(m: MismatchDifferences): MismatchView {
  return {
    events: m.events.toString(),
    publishedMicros: m.publishedMicros.toString(),
    storedMicros: m.storedMicros.toString(),
    eventIds: m.eventIds,
  };
}

export function lateArrivalsView(l: LateArrivals, publishDelayMaxMs: number): LateArrivalsView {
  return {
    publishDelayMaxMs,
    events: l.events.toString(),
    amountMicros: l.amountMicros.toString(),
    lateByMsMax: l.lateByMsMax,
    accountsLate: l.accountsLate,
    accountsNotListed: l.accountsLate - l.accounts.length,
    accounts: l.accounts.map((a) => ({
      accountId: a.accountId,
      events: a.events.toString(),
      amountMicros: a.amountMicros.toString(),
      lateByMsMax: a.lateByMsMax,
      eventIds: a.eventIds,
    })),
  };
}
