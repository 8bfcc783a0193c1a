/**
 * COMPUTE, one shard: the shard's usage in ONE ClickHouse query (its account range, the cycle's
 * period, the run's watermarks: libs/analytics invoice-usage-query), then, a page of accounts at a
 * time, their billing terms and tax rates from PostgreSQL, the drafts (compute/usage-invoice.ts) and
 * one bulk write. Redoing the step (a worker killed half way) replaces the drafts it wrote: one per
 * cycle and account, always.
 *
 * The range query also returns accounts between the shard's first and last id that are not in the
 * plan (prepaid ones, other cycle types); they are dropped here.
 */
import { queryInvoiceUsage, type InvoiceUsageLine } from '@app/analytics';
import { addDays } from '../cycles/cycle-periods';
import { computeUsageInvoice } from '../compute/usage-invoice';
import { trimDecimal } from '../render/document-view';
import { RunError, RunErrorCode } from '../run/run-error';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import { type BillingDeps, COMPUTE_PAGE_ACCOUNTS } from './billing-deps';

/** Billing terms of an account that has none set (billing_account's billing terms are optional). */
export const PAYMENT_TERMS_DEFAULT_DAYS = 14;
export const LEGAL_ENTITY_DEFAULT = 'default';

export class ComputeExecutor implements PhaseExecutor {
  readonly phase = 'COMPUTE' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const { runs, cycles, pool } = this.d;
    const run = await runs.getRun(ctx.run.id);
    if (run.usageWatermarkSeq === null || run.previousWatermarkSeq === null)
      throw new RunError(RunErrorCode.PHASE_NOT_READY, `run ${run.id} has no usage watermark: PLAN first`);
    const cycle = await cycles.get(run.cycleId);
    const range = await runs.shardRange({ runId: run.id, shardIndex: ctx.step.shardIndex });
    if (range === null) return ctx.progress(0, 0);
    await ctx.progress(0, range.accounts);
    const usage = await queryInvoiceUsage(this.d.clickhouse, this.d.clickhouseDatabase, {
      firstAccountId: range.first,
      lastAccountId: range.last,
      periodStartMs: cycle.startsAtMs,
      periodEndMs: cycle.endsAtMs,
      watermarkSeq: run.usageWatermarkSeq,
      previousWatermarkSeq: run.previousWatermarkSeq,
    });
    const byAccount = new Map<string, InvoiceUsageLine[]>();
    for (const u of usage) {
      const list = byAccount.get(u.accountId);
      if (list) list.push(u);
      else byAccount.set(u.accountId, [u]);
    }
    // The tax point: the last day of the period.
    const taxDate = addDays(cycle.periodEnd, -1);
    let done = 0;
    for (let after: string | undefined; ;) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const ids = await runs.shardAccounts({ runId: run.id, shardIndex: ctx.step.shardIndex, after, limit: COMPUTE_PAGE_ACCOUNTS });
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const { rows } = await pool.query<{
        id: string;
        currency: string;
        legal_entity_id: string;
        payment_terms_days: number;
        rate: string | null;
      }>(
        `select a.id, a.currency, coalesce(a.legal_entity_id, $3) as legal_entity_id, coalesce(a.payment_terms_days, $4)::int as payment_terms_days,
           (t.rate_percent / 100)::text as rate
         from billing_account a
         left join lateral (select rate_percent from tax_rate r where r.jurisdiction = a.tax_jurisdiction and r.category = 'STANDARD'
           and r.valid_from <= $2::date and (r.valid_to is null or r.valid_to > $2::date) order by r.valid_from desc limit 1) t on true
         where a.id = any($1::text[])`,
        [ids, taxDate, LEGAL_ENTITY_DEFAULT, PAYMENT_TERMS_DEFAULT_DAYS],
      );
      const drafts = rows.map((a) => {
        if (a.rate === null)
          throw new RunError(
            RunErrorCode.INVALID_ARGUMENT,
            `account ${a.id}: no STANDARD tax rate of its tax jurisdiction on ${taxDate} (set its billing terms and the jurisdiction's rates)`,
          );
        return computeUsageInvoice({
          account: { id: a.id, currency: a.currency.trim(), legalEntityId: a.legal_entity_id, paymentTermsDays: a.payment_terms_days },
          cycle: { id: cycle.id, runId: run.id, periodStart: cycle.periodStart, periodEnd: cycle.periodEnd },
          usage: byAccount.get(a.id) ?? [],
          tax: { category: 'STANDARD', rate: trimDecimal(a.rate) },
        });
      });
      await this.d.documents.writeDrafts(drafts, this.d.clock.nowMs());
      done += ids.length;
      await ctx.progress(done, range.accounts);
    }
  }
}
