/**
 * FINALIZE: one step for the whole run (numbers are given in one serial order per series). The
 * run's drafts get numbers, postings and events in blocks (documents/finalize.ts); HELD drafts wait
 * for review. The issue date is the last day of the cycle's period, so a run redone gives the same
 * documents.
 */
import { addDays } from '../cycles/cycle-periods';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

export class FinalizeExecutor implements PhaseExecutor {
  readonly phase = 'FINALIZE' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const cycle = await this.d.cycles.get(ctx.run.cycleId);
    const { rows } = await this.d.pool.query<{ n: number }>(
      `select count(*)::int as n from billing_document where run_id = $1 and status = 'DRAFT'`,
      [ctx.run.id],
    );
    const total = rows[0].n;
    let done = 0;
    await ctx.progress(0, total);
    await this.d.finalizer.finalize(
      { runId: ctx.run.id },
      {
        issueDate: addDays(cycle.periodEnd, -1),
        nowMs: this.d.clock.nowMs(),
        onBlock: async (n) => {
          done += n;
          await ctx.progress(done, total);
          if (ctx.signal.aborted) throw ctx.signal.reason;
        },
      },
    );
  }
}
