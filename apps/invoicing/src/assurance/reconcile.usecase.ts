/**
 * Revenue assurance: compares, for a period (and optionally one account), the events the charging
 * side published on the rated stream with what ClickHouse holds, and reports every difference.
 * Work is bounded: at most `eventsMax` messages scanned, `accountsMax` accounts detailed event by
 * event, `ASSURANCE_CONCURRENT_RUNS_MAX` runs at once.
 */
import type { AccountTypeTotal, StoredEventAmount } from '@app/analytics';
import { InvoicingError, InvoicingErrorCode } from '../api/invoicing-error';
import { isoOf } from '../api/query-params';
import { ASSURANCE_CONCURRENT_RUNS_MAX } from './assurance-limits';
import {
  AccountDifferenceView,
  eventDifferencesView,
  lateArrivalsView,
  mismatchView,
  ReconcileReportView,
  SideTotalsView,
  totalsView,
} from './assurance.dto';
import type { PublishedEventSource, PublishedScan } from './published-events';
import { AccountDifference, classifyAccount, compareTotals, groupByAccount, lateArrivals, publishedTotals } from './reconcile';
import type { ReconcileCommand } from './reconcile-command';
import type { StoredEventReader } from './stored-events';

export const ASSURANCE_SETTINGS = Symbol('ASSURANCE_SETTINGS');

export interface AssuranceSettings {
  stream: string;
  eventsMax: number;
  accountsMax: number;
  /** Messages one scan may read (ASSURANCE_SCAN_MESSAGES_MAX). */
  scanMessagesMax: number;
  /** Published later than the period end plus this: a late arrival (ASSURANCE_PUBLISH_DELAY_MAX_MS). */
  publishDelayMaxMs: number;
}

/** Messages of the stream read so far, and to read. */
export type ScanProgress = (read: number, toRead: number) => void;

type Detail = NonNullable<AccountDifference['detail']>;

function sideTotals(totals: readonly AccountTypeTotal[]): SideTotalsView {
  const accounts = new Set(totals.map((t) => t.accountId));
  const events = totals.reduce((s, t) => s + t.events, 0n);
  const amount = totals.reduce((s, t) => s + t.amountMicros, 0n);
  return { accounts: accounts.size, events: events.toString(), amountMicros: amount.toString() };
}

function warningsOf(scan: PublishedScan): string[] {
  const w: string[] = [];
  if (!scan.streamCoversPeriod)
    w.push('the stream no longer holds every message of the period (retention): published totals may be incomplete');
  if (scan.conflictingDuplicates > 0)
    w.push(`${scan.conflictingDuplicates} messages repeat an event id with other content; the first copy was compared`);
  if (scan.invalid > 0) w.push(`${scan.invalid} invalid messages on the stream (the sink dead-letters them)`);
  return w;
}

function accountView(d: AccountDifference): AccountDifferenceView {
  const byType = d.byType.map((t) => ({ type: t.type, published: totalsView(t.published), stored: totalsView(t.stored) }));
  if (d.detail === undefined) return { accountId: d.accountId, byType };
  return {
    accountId: d.accountId,
    byType,
    missingInClickhouse: eventDifferencesView(d.detail.missingInClickhouse),
    extraInClickhouse: eventDifferencesView(d.detail.extraInClickhouse),
    amountMismatch: mismatchView(d.detail.amountMismatch),
  };
}

function differenceTotals(details: readonly Detail[]): ReconcileReportView['differences'] {
  const sum = (f: (d: Detail) => bigint) => details.reduce((s, d) => s + f(d), 0n).toString();
  return {
    missingInClickhouse: { events: sum((d) => d.missingInClickhouse.events), amountMicros: sum((d) => d.missingInClickhouse.amountMicros) },
    extraInClickhouse: { events: sum((d) => d.extraInClickhouse.events), amountMicros: sum((d) => d.extraInClickhouse.amountMicros) },
    amountMismatch: {
      events: sum((d) => d.amountMismatch.events),
      publishedMicros: sum((d) => d.amountMismatch.publishedMicros),
      storedMicros: sum((d) => d.amountMismatch.storedMicros),
    },
  };
}

export class ReconcileUseCase {
  private running = 0;

  constructor(
    private readonly published: PublishedEventSource,
    private readonly stored: StoredEventReader,
    private readonly settings: AssuranceSettings,
  ) {}

  /** `onScan` hears the stream scan's progress (messages read, messages to read). */
  async execute(command: ReconcileCommand, onScan?: ScanProgress): Promise<ReconcileReportView> {
    if (this.running >= ASSURANCE_CONCURRENT_RUNS_MAX) {
      throw new InvoicingError(InvoicingErrorCode.BUSY, 'a reconciliation is already running in this process; retry when it has finished');
    }
    this.running++;
    try {
      return await this.run(command, onScan);
    } finally {
      this.running--;
    }
  }

  private tooMany(what: string): InvoicingError {
    const max = this.settings.eventsMax;
    return new InvoicingError(
      InvoicingErrorCode.LIMIT_EXCEEDED,
      `more than ${max} ${what} (ASSURANCE_EVENTS_MAX); narrow the period or pass accountId`,
      { limit: max },
    );
  }

  private async run(command: ReconcileCommand, onProgress?: ScanProgress): Promise<ReconcileReportView> {
    const { fromMs, toMs, accountId } = command;
    const { eventsMax, scanMessagesMax, publishDelayMaxMs, accountsMax } = this.settings;
    const accountIds = accountId === undefined ? undefined : [accountId];
    const rowsMax = eventsMax + 1;
    // ClickHouse first, the stream after: whatever the sink stored before was published before, so
    // an event arriving during the run can be missing from ClickHouse (sink lag), never extra.
    const storedTotals = await this.stored.totals({ fromMs, toMs, accountIds, rowsMax });
    if (storedTotals.length >= rowsMax) throw this.tooMany('stored account/type lines');
    const messagesMax = scanMessagesMax;
    const scan = await this.published.scan({ fromMs, toMs, accountId, eventsMax, messagesMax, onProgress });
    const pubTotals = publishedTotals(scan.events);
    const differing = compareTotals(pubTotals, storedTotals);
    const detailed = differing.slice(0, this.settings.accountsMax);
    const details = await this.detail(detailed, scan, command);
    const late = lateArrivals(scan.events, { toMs, publishDelayMaxMs, accountsMax });
    return {
      from: isoOf(fromMs),
      to: isoOf(toMs),
      accountId: accountId ?? null,
      stream: this.settings.stream,
      subjectFilter: scan.subjectFilter,
      clean: differing.length === 0,
      warnings: warningsOf(scan),
      scan: {
        messages: scan.messages,
        events: scan.events.size,
        duplicates: scan.duplicates,
        conflictingDuplicates: scan.conflictingDuplicates,
        invalid: scan.invalid,
        outsidePeriod: scan.outsidePeriod,
        streamCoversPeriod: scan.streamCoversPeriod,
      },
      published: sideTotals(pubTotals),
      stored: sideTotals(storedTotals),
      accountsWithDifferences: differing.length,
      accountsNotDetailed: differing.length - detailed.length,
      differences: differenceTotals(details),
      accounts: detailed.map((d, i) => accountView({ ...d, detail: details[i] })),
      lateArrivals: lateArrivalsView(late, publishDelayMaxMs),
    };
  }

  /** Event-level differences of the detailed accounts, in their order. */
  private async detail(accounts: readonly AccountDifference[], scan: PublishedScan, command: ReconcileCommand): Promise<Detail[]> {
    if (accounts.length === 0) return [];
    const ids = accounts.map((a) => a.accountId);
    const rowsMax = this.settings.eventsMax + 1;
    const stored = await this.stored.events({ fromMs: command.fromMs, toMs: command.toMs, accountIds: ids, rowsMax });
    if (stored.length >= rowsMax) throw this.tooMany('stored events of the differing accounts');
    const storedByAccount = new Map<string, StoredEventAmount[]>(ids.map((a) => [a, []]));
    for (const s of stored) storedByAccount.get(s.accountId)?.push(s);
    const published = groupByAccount(scan.events, new Set(ids));
    return ids.map((a) => classifyAccount(a, published.get(a)!, storedByAccount.get(a)!));
  }
}
