/**
 * PLAN: fixes what the run bills. The cycle goes to BILLING; the run records its usage watermark
 * (the sink's ack floor now) and the one of the previous run of the same cycle type, once; the plan
 * lists the cycle type's postpaid accounts that existed before the period ended, each on a stable
 * shard. Written once, in one transaction: a PLAN redone after a crash finds it and changes nothing.
 */
import { RunError, RunErrorCode } from '../run/run-error';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

export class PlanExecutor implements PhaseExecutor {
  readonly phase = 'PLAN' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const { runs, cycles, pool, clock } = this.d;
    const cycle = await cycles.get(ctx.run.cycleId);
    if (!['CLOSED', 'BILLING', 'BILLED'].includes(cycle.status))
      throw new RunError(RunErrorCode.CYCLE_NOT_CLOSED, `cycle ${cycle.id} is ${cycle.status}; a run needs it CLOSED`, 'cycleId');
    await cycles.mark(cycle.id, 'BILLING', clock.nowMs());
    if (ctx.run.usageWatermarkSeq === null) {
      const { rows } = await pool.query<{ w: string | null }>(
        `select r.usage_watermark_seq as w from billing_run r join billing_cycle c on c.id = r.cycle_id
         where c.cycle_type = $1 and c.period_start < $2 and r.usage_watermark_seq is not null order by c.period_start desc limit 1`,
        [cycle.cycleType, cycle.periodStart],
      );
      const previous = BigInt(rows[0]?.w ?? 0);
      const now = await this.d.watermark.read();
      // Watermarks only grow; a stream recreated from 0 would be an operator's decision, refused here.
      if (now < previous)
        throw new RunError(RunErrorCode.USAGE_NOT_READY, `the sink's position ${now} is below the previous run's watermark ${previous}`);
      ctx.run = await runs.recordWatermarks({ runId: ctx.run.id, usageWatermarkSeq: now, previousWatermarkSeq: previous });
    }
    const c = await pool.connect();
    try {
      await c.query('begin');
      await c.query(`select id from billing_run where id = $1 for update`, [ctx.run.id]);
      const planned = (await c.query<{ n: number }>(`select count(*)::int as n from billing_run_account where run_id = $1`, [ctx.run.id]))
        .rows[0].n;
      let accounts = planned;
      if (planned === 0) {
        const { rows } = await c.query<{ id: string }>(
          `select id from billing_account where type = 'POSTPAID' and billing_cycle_type = $1 and created_at < $2`,
          [cycle.cycleType, new Date(cycle.endsAtMs)],
        );
        accounts = await runs.writePlan({ runId: ctx.run.id, shardCount: ctx.run.shardCount, accountIds: rows.map((r) => r.id) }, c);
      }
      await c.query('commit');
      await ctx.progress(accounts, accounts);
    } catch (err) {
      await c.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
}
