/**
 * COMPUTE, one shard: the shard's usage in ONE ClickHouse query (its account range, the cycle's
 * period, the run's watermarks: libs/analytics invoice-usage-query), the catalog once
 * (compute-input-loader.ts), then, a page of accounts at a time, their subscriptions, lifecycle
 * events, earlier invoices and billing terms from PostgreSQL, each account's draft by
 * computeInvoiceDraft (compute/, rules in MONEY-RULES.md), and one bulk write. Redoing the step (a
 * worker killed half way) replaces the drafts it wrote: one per cycle and account, always.
 *
 * The range query also returns accounts between the shard's first and last id that are not in the
 * plan (prepaid ones, other cycle types); they are dropped here. An account whose input the
 * computation refuses (no tax rate for its jurisdiction, an impossible lifecycle) fails the step
 * with the account and the reason: the operator mends the data and the step is retried.
 */
import { queryInvoiceUsage } from '@app/analytics';
import { ComputeError } from '../compute/compute-error';
import { computeInvoiceDraft } from '../compute/compute-invoice-draft';
import { toDraftDocument } from '../compute/draft-document';
import { LEGAL_ENTITY_DEFAULT, PAYMENT_TERMS_DEFAULT_DAYS } from '../documents/document-types';
import { groupBy } from '../group-by';
import { RunError, RunErrorCode } from '../run/run-error';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import { type BillingDeps, COMPUTE_PAGE_ACCOUNTS } from './billing-deps';
import { loadAccountInputs, loadCatalog } from './compute-input-loader';

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
    const byAccount = groupBy(usage, (u) => u.accountId);
    const period = { start: cycle.periodStart, end: cycle.periodEnd };
    const cycleType = (await cycles.cycleTypes()).find((t) => t.code === cycle.cycleType);
    if (cycleType === undefined)
      throw new RunError(RunErrorCode.INVALID_ARGUMENT, `cycle ${cycle.id}: unknown cycle type ${cycle.cycleType}`);
    const catalog = await loadCatalog(pool, period);
    const defaults = { legalEntityId: LEGAL_ENTITY_DEFAULT, paymentTermsDays: PAYMENT_TERMS_DEFAULT_DAYS };
    let done = 0;
    for (let after: string | undefined; ;) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const ids = await runs.shardAccounts({ runId: run.id, shardIndex: ctx.step.shardIndex, after, limit: COMPUTE_PAGE_ACCOUNTS });
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const inputs = await loadAccountInputs({ pool, catalog, cycle, cycleType, ids, usageByAccount: byAccount, defaults });
      const drafts = inputs.map((a) => {
        try {
          const draft = computeInvoiceDraft(a.input);
          return toDraftDocument(draft, {
            cycleId: cycle.id,
            runId: run.id,
            legalEntityId: a.legalEntityId,
            paymentTermsDays: a.paymentTermsDays,
          });
        } catch (e) {
          if (!(e instanceof ComputeError)) throw e;
          throw new RunError(RunErrorCode.INVALID_ARGUMENT, `account ${a.input.account.id}: ${e.message}`);
        }
      });
      await this.d.documents.writeDrafts(drafts, this.d.clock.nowMs());
      done += ids.length;
      await ctx.progress(done, range.accounts);
    }
  }
}
