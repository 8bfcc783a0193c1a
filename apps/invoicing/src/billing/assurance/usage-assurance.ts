/**
 * Revenue assurance extended to invoices (issue 9, section 8), per billed cycle and account:
 *
 *   usage debited online or rated offline  =  usage in ClickHouse  =  usage invoiced
 *
 * 1. Published = ClickHouse: the events of the cycle's period on the rated stream (online debits
 *    and offline CDR ratings are both published there) against ClickHouse, by the existing
 *    reconciliation (assurance/reconcile.usecase.ts), for the period, filtered to the run's accounts.
 * 2. ClickHouse = invoiced: the usage the run had to bill, read again from ClickHouse with the
 *    run's own watermarks (one range query, as COMPUTE reads it), against the USAGE lines of the
 *    run's issued documents (invoiced-usage.ts: exact, per line key). Accounts whose document is
 *    still DRAFT or HELD are listed apart, not compared.
 * 3. The rest of the period: its events that reached ClickHouse after the run's watermark, which
 *    the next run bills as late usage (when its watermark covers them) or no run has billed yet.
 *
 * Read-only. Work is bounded by the run's plan (one ClickHouse query per side, never one per
 * account) and at most USAGE_ASSURANCE_DIFFERENCES_MAX differences are listed.
 */
import { queryInvoiceUsage, queryUsageAfterWatermark, type ClickHouseClient } from '@app/analytics';
import type { Pool } from 'pg';
import type { ReconcileReportView } from '../../assurance/assurance.dto';
import { ASSURANCE_PERIOD_MAX_MS } from '../../assurance/assurance-limits';
import type { ReconcileUseCase } from '../../assurance/reconcile.usecase';
import { BillingError, BillingErrorCode } from '../documents/billing-error';
import { compareInvoicedUsage, type InvoicedUsageLine, type UsageDifference, type UsageFigures } from './invoiced-usage';

/** Differences listed in one answer; the rest are counted. */
export const USAGE_ASSURANCE_DIFFERENCES_MAX = 200;
/** Accounts listed as not issued (DRAFT/HELD) or not billed; the rest are counted. */
export const USAGE_ASSURANCE_ACCOUNTS_LISTED_MAX = 200;

const ISSUED = ['ISSUED', 'PARTIALLY_PAID', 'PAID'];

export interface FiguresView {
  lines: number;
  quantity: string;
  amountMinor: string;
}

export interface UsageAssuranceView {
  cycleId: string;
  runId: string;
  periodStart: string;
  periodEnd: string;
  accountId: string | null;
  /** Stream positions: what the run billed is (previousWatermarkSeq, watermarkSeq] for late usage, <= watermarkSeq for the period. */
  watermarkSeq: string;
  previousWatermarkSeq: string;
  nextRun: { runId: string; watermarkSeq: string } | null;
  /** True when all three comparisons found nothing (usage arriving after the watermark is not a difference). */
  balanced: boolean;
  /** Step 1, or null when the period is longer than the reconciliation allows (ASSURANCE_PERIOD_MAX_MS) or it is off. */
  published: {
    clean: boolean;
    /** The run's accounts the reconciliation lists with a difference. */
    accountsWithDifferences: string[];
    report: ReconcileReportView;
  } | null;
  publishedSkipped: string | null;
  /** Step 2. */
  invoiced: {
    accountsCompared: number;
    expected: { lines: number; events: string; amountMicros: string; amountMinor: string };
    invoiced: { lines: number; amountMinor: string };
    differenceCount: number;
    differences: { accountId: string; key: string; expected: FiguresView; invoiced: FiguresView }[];
    /** Accounts of the run whose document is DRAFT or HELD: their usage is not compared until they are issued. */
    notIssued: { count: number; accountIds: string[] };
  };
  /** Step 3: events of the period stored after the run's watermark. */
  afterWatermark: {
    billedByNextRun: { events: string; amountMicros: string; accounts: number };
    notBilledYet: { events: string; amountMicros: string; accounts: number; accountIds: string[] };
  };
}

interface RunRow {
  id: string | null;
  cycle_type: string;
  period_start: string;
  period_end: string;
  starts_at: Date;
  ends_at: Date;
  w: string | null;
  w_prev: string | null;
}

const figuresView = (f: UsageFigures): FiguresView => ({ lines: f.lines, quantity: f.quantity, amountMinor: f.amountMinor.toString() });

export class UsageAssuranceService {
  constructor(
    private readonly pool: Pool,
    private readonly clickhouse: ClickHouseClient,
    private readonly clickhouseDatabase: string,
    /** The stream-side reconciliation; absent when the process has no JetStream connection. */
    private readonly reconcile?: ReconcileUseCase,
  ) {}

  async check(cycleId: string, accountId?: string): Promise<UsageAssuranceView> {
    const run = await this.run(cycleId);
    const runId = run.id!;
    const planned = await this.plannedAccounts(runId, accountId);
    if (accountId !== undefined && planned.length === 0)
      throw new BillingError(BillingErrorCode.ACCOUNT_NOT_FOUND, `account ${accountId} is not in the run of cycle ${cycleId}`, 'accountId');
    const next = await this.pool.query<{ id: string; w: string }>(
      `select r.id, r.usage_watermark_seq::text as w from billing_run r join billing_cycle c on c.id = r.cycle_id
       where c.cycle_type = $1 and c.period_start > $2 and r.usage_watermark_seq is not null order by c.period_start limit 1`,
      [run.cycle_type, run.period_start],
    );
    const nextRun = next.rows[0] ?? null;
    const w = BigInt(run.w!);
    const wPrev = BigInt(run.w_prev!);
    const [docs, expected, after] = await Promise.all([
      this.documentLines(runId, accountId),
      planned.length === 0
        ? Promise.resolve([])
        : queryInvoiceUsage(this.clickhouse, this.clickhouseDatabase, {
            firstAccountId: planned[0],
            lastAccountId: planned[planned.length - 1],
            periodStartMs: run.starts_at.getTime(),
            periodEndMs: run.ends_at.getTime(),
            watermarkSeq: w,
            previousWatermarkSeq: wPrev,
          }),
      planned.length === 0
        ? Promise.resolve([])
        : queryUsageAfterWatermark(this.clickhouse, this.clickhouseDatabase, {
            firstAccountId: planned[0],
            lastAccountId: planned[planned.length - 1],
            periodStartMs: run.starts_at.getTime(),
            periodEndMs: run.ends_at.getTime(),
            watermarkSeq: w,
            nextWatermarkSeq: nextRun === null ? null : BigInt(nextRun.w),
          }),
    ]);
    const plannedSet = new Set(planned);
    const compared = new Set(planned.filter((a) => !docs.notIssued.has(a)));
    const comparison = compareInvoicedUsage({ expected, invoiced: docs.lines, accounts: compared });
    const notIssued = [...docs.notIssued].filter((a) => plannedSet.has(a)).sort();

    const billedLater = after.filter((a) => a.billedByNextRun && plannedSet.has(a.accountId));
    const notYet = after.filter((a) => !a.billedByNextRun && plannedSet.has(a.accountId));
    const sum = (xs: typeof after, f: (x: (typeof after)[number]) => bigint) => xs.reduce((s, x) => s + f(x), 0n).toString();
    const accountsOf = (xs: typeof after) => [...new Set(xs.map((x) => x.accountId))].sort();

    const published = await this.published(run, plannedSet, accountId);
    const differences: UsageDifference[] = comparison.differences;
    return {
      cycleId,
      runId,
      periodStart: run.period_start,
      periodEnd: run.period_end,
      accountId: accountId ?? null,
      watermarkSeq: w.toString(),
      previousWatermarkSeq: wPrev.toString(),
      nextRun: nextRun === null ? null : { runId: nextRun.id, watermarkSeq: nextRun.w },
      balanced: differences.length === 0 && (published.view === null || published.view.clean),
      published: published.view,
      publishedSkipped: published.skipped,
      invoiced: {
        accountsCompared: compared.size,
        expected: {
          lines: comparison.expected.lines,
          events: comparison.expected.events.toString(),
          amountMicros: comparison.expected.amountMicros.toString(),
          amountMinor: comparison.expected.amountMinor.toString(),
        },
        invoiced: { lines: comparison.invoiced.lines, amountMinor: comparison.invoiced.amountMinor.toString() },
        differenceCount: differences.length,
        differences: differences.slice(0, USAGE_ASSURANCE_DIFFERENCES_MAX).map((d) => ({
          accountId: d.accountId,
          key: d.key,
          expected: figuresView(d.expected),
          invoiced: figuresView(d.invoiced),
        })),
        notIssued: { count: notIssued.length, accountIds: notIssued.slice(0, USAGE_ASSURANCE_ACCOUNTS_LISTED_MAX) },
      },
      afterWatermark: {
        billedByNextRun: {
          events: sum(billedLater, (x) => x.events),
          amountMicros: sum(billedLater, (x) => x.amountMicros),
          accounts: accountsOf(billedLater).length,
        },
        notBilledYet: {
          events: sum(notYet, (x) => x.events),
          amountMicros: sum(notYet, (x) => x.amountMicros),
          accounts: accountsOf(notYet).length,
          accountIds: accountsOf(notYet).slice(0, USAGE_ASSURANCE_ACCOUNTS_LISTED_MAX),
        },
      },
    };
  }

  private async run(cycleId: string): Promise<RunRow> {
    const { rows } = await this.pool.query<RunRow>(
      `select r.id, c.cycle_type, to_char(c.period_start, 'YYYY-MM-DD') as period_start,
         to_char(c.period_end, 'YYYY-MM-DD') as period_end, c.starts_at, c.ends_at,
         r.usage_watermark_seq::text as w, r.previous_watermark_seq::text as w_prev
       from billing_cycle c left join billing_run r on r.cycle_id = c.id where c.id = $1`,
      [cycleId],
    );
    if (rows.length === 0) throw new BillingError(BillingErrorCode.CYCLE_NOT_FOUND, `no billing cycle ${cycleId}`, 'cycleId');
    const run = rows[0];
    if (run.id === null || run.w === null || run.w_prev === null)
      throw new BillingError(
        BillingErrorCode.NOT_INVOICED,
        `cycle ${cycleId} has no invoice run past PLAN: nothing is invoiced to compare`,
      );
    return run;
  }

  /** The run's accounts, sorted bytewise (ClickHouse compares account ids as bytes). */
  private async plannedAccounts(runId: string, accountId?: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ account_id: string }>(
      `select account_id from billing_run_account where run_id = $1 and ($2::text is null or account_id = $2) order by account_id collate "C"`,
      [runId, accountId ?? null],
    );
    return rows.map((r) => r.account_id);
  }

  private async documentLines(runId: string, accountId?: string): Promise<{ lines: InvoicedUsageLine[]; notIssued: Set<string> }> {
    const { rows } = await this.pool.query<{
      account_id: string;
      status: string;
      type: string;
      usage_key: string | null;
      quantity: string | null;
      amount_minor: string | null;
    }>(
      `select d.account_id, d.status, d.type, l.usage_key, l.quantity::text as quantity, l.amount_minor::text as amount_minor
       from billing_document d left join billing_document_line l on l.document_id = d.id and l.kind = 'USAGE'
       where d.run_id = $1 and ($2::text is null or d.account_id = $2)`,
      [runId, accountId ?? null],
    );
    const lines: InvoicedUsageLine[] = [];
    const notIssued = new Set<string>();
    for (const r of rows) {
      if (r.status === 'DRAFT' || r.status === 'HELD') notIssued.add(r.account_id);
      if (!ISSUED.includes(r.status) || r.usage_key === null) continue;
      lines.push({
        accountId: r.account_id,
        usageKey: r.usage_key,
        quantity: r.quantity!,
        amountMinor: BigInt(r.amount_minor!),
        sign: r.type === 'CREDIT_NOTE' ? -1n : 1n,
      });
    }
    return { lines, notIssued };
  }

  private async published(
    run: RunRow,
    planned: ReadonlySet<string>,
    accountId?: string,
  ): Promise<{ view: UsageAssuranceView['published']; skipped: string | null }> {
    if (this.reconcile === undefined) return { view: null, skipped: 'this process has no rated-stream reader (NATS)' };
    const fromMs = run.starts_at.getTime();
    const toMs = run.ends_at.getTime();
    if (toMs - fromMs > ASSURANCE_PERIOD_MAX_MS)
      return { view: null, skipped: `the period is longer than ${ASSURANCE_PERIOD_MAX_MS / 86_400_000} days: reconcile it in parts` };
    const report = await this.reconcile.execute(accountId === undefined ? { fromMs, toMs } : { fromMs, toMs, accountId });
    const accountsWithDifferences = report.accounts.map((a) => a.accountId).filter((a) => planned.has(a));
    // Accounts beyond the listed ones are unknown: not clean unless none were left out.
    const clean = report.clean || (accountsWithDifferences.length === 0 && report.accountsNotDetailed === 0);
    return { view: { clean, accountsWithDifferences, report }, skipped: null };
  }
}
