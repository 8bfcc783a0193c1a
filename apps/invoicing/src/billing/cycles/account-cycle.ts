/**
 * Billing-cycle information of one postpaid account (seed 003: "billing-cycle queries"): the
 * current period of its cycle type, the next billing date (the day the period's grace ends, when
 * the invoice run may bill it), and the invoice expected so far: the same computation the invoice
 * run makes (computeInvoiceDraft over compute-input-loader's reading), with the usage ClickHouse
 * holds now instead of the run's watermark (every stored event of the period, and the late events
 * stored since the last run of the cycle type).
 *
 * Read-only; it writes nothing and needs no open cycle row (the period comes from the cycle type).
 */
import { queryInvoiceUsage, type ClickHouseClient } from '@app/analytics';
import type { Clock } from '@app/observability';
import type { Pool } from 'pg';
import { computeInvoiceDraft } from '../compute/compute-invoice-draft';
import { ComputeError } from '../compute/compute-error';
import { BillingError, BillingErrorCode } from '../documents/billing-error';
import { LEGAL_ENTITY_DEFAULT, PAYMENT_TERMS_DEFAULT_DAYS } from '../documents/document-types';
import { loadAccountInputs, loadCatalog } from '../phases/compute-input-loader';
import { cycleIdOf, localDateOf, periodContaining, startOfLocalDateMs, addDays } from './cycle-periods';
import type { PgCycleService } from './cycle-service';

/** Stream positions are below 2^63: "everything stored so far". */
const STORED_SO_FAR = 2n ** 63n - 1n;

export interface AccountCycleView {
  accountId: string;
  cycleType: string;
  cycleId: string;
  /** Local dates of the cycle type's zone, end exclusive. */
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  /** The status of the cycle's row, or OPEN when it is not created yet. */
  status: string;
  /** The day the grace after the period ends: the earliest day the invoice run bills it. */
  nextBillingDate: string;
  currency: string;
  /** The invoice as it stands now, in minor units (decimal strings). */
  expected: {
    documentType: 'INVOICE' | 'CREDIT_NOTE';
    usageMinor: string;
    netMinor: string;
    taxMinor: string;
    grossMinor: string;
    lines: number;
  };
  /** When it was computed (ISO 8601). */
  asOf: string;
}

export class AccountCycleService {
  constructor(
    private readonly pool: Pool,
    private readonly cycles: PgCycleService,
    private readonly clickhouse: ClickHouseClient,
    private readonly clickhouseDatabase: string,
    private readonly clock: Clock,
  ) {}

  async current(accountId: string): Promise<AccountCycleView> {
    const { rows } = await this.pool.query<{ type: string; billing_cycle_type: string | null }>(
      `select type, billing_cycle_type from billing_account where id = $1`,
      [accountId],
    );
    const account = rows[0];
    if (account === undefined) throw new BillingError(BillingErrorCode.ACCOUNT_NOT_FOUND, `no billing account ${accountId}`, 'accountId');
    if (account.type !== 'POSTPAID')
      throw new BillingError(BillingErrorCode.NOT_INVOICED, `account ${accountId} is ${account.type}: only postpaid accounts are invoiced`);
    if (account.billing_cycle_type === null)
      throw new BillingError(BillingErrorCode.NOT_INVOICED, `account ${accountId} has no billing cycle type (set its billing terms)`);
    const type = (await this.cycles.cycleTypes()).find((t) => t.code === account.billing_cycle_type);
    if (type === undefined)
      throw new BillingError(
        BillingErrorCode.NOT_INVOICED,
        `account ${accountId}: unknown billing cycle type ${account.billing_cycle_type}`,
      );
    const nowMs = this.clock.nowMs();
    const period = periodContaining(type, localDateOf(nowMs, type.timeZone));
    const cycleId = cycleIdOf(type.code, period);
    const startsAtMs = startOfLocalDateMs(period.start, type.timeZone);
    const endsAtMs = startOfLocalDateMs(period.end, type.timeZone);
    const stored = await this.pool.query<{ status: string }>(`select status from billing_cycle where id = $1`, [cycleId]);
    const previous = await this.pool.query<{ w: string }>(
      `select r.usage_watermark_seq::text as w from billing_run r join billing_cycle c on c.id = r.cycle_id
       where c.cycle_type = $1 and c.period_start < $2 and r.usage_watermark_seq is not null order by c.period_start desc limit 1`,
      [type.code, period.start],
    );
    const usage = await queryInvoiceUsage(this.clickhouse, this.clickhouseDatabase, {
      firstAccountId: accountId,
      lastAccountId: accountId,
      periodStartMs: startsAtMs,
      periodEndMs: endsAtMs,
      watermarkSeq: STORED_SO_FAR,
      previousWatermarkSeq: BigInt(previous.rows[0]?.w ?? 0),
    });
    const cycle = {
      id: cycleId,
      cycleType: type.code,
      periodStart: period.start,
      periodEnd: period.end,
      startsAtMs,
      endsAtMs,
      graceEndsAtMs: startOfLocalDateMs(addDays(period.end, type.graceDays), type.timeZone),
      status: stored.rows[0]?.status ?? 'OPEN',
      timeZone: type.timeZone,
    };
    const catalog = await loadCatalog(this.pool, { start: period.start, end: period.end });
    const [input] = await loadAccountInputs({
      pool: this.pool,
      catalog,
      cycle,
      cycleType: type,
      ids: [accountId],
      usageByAccount: new Map([[accountId, usage.filter((u) => u.accountId === accountId)]]),
      defaults: { legalEntityId: LEGAL_ENTITY_DEFAULT, paymentTermsDays: PAYMENT_TERMS_DEFAULT_DAYS },
    });
    let draft;
    try {
      draft = computeInvoiceDraft(input.input);
    } catch (e) {
      if (!(e instanceof ComputeError)) throw e;
      throw new BillingError(BillingErrorCode.NOT_INVOICED, `account ${accountId} cannot be billed as it stands: ${e.message}`);
    }
    const usageMinor = draft.lines.filter((l) => l.kind === 'USAGE').reduce((a, l) => a + l.amountMinor, 0n);
    return {
      accountId,
      cycleType: type.code,
      cycleId,
      periodStart: period.start,
      periodEnd: period.end,
      timeZone: type.timeZone,
      status: cycle.status,
      nextBillingDate: addDays(period.end, type.graceDays),
      currency: draft.currency,
      expected: {
        documentType: draft.documentType,
        usageMinor: usageMinor.toString(),
        netMinor: draft.netMinor.toString(),
        taxMinor: draft.taxMinor.toString(),
        grossMinor: draft.grossMinor.toString(),
        lines: draft.lines.length,
      },
      asOf: new Date(nowMs).toISOString(),
    };
  }
}
