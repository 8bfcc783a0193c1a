/**
 * The billing cycles as the invoice run sees them: which are due (CLOSED and not yet billed), and
 * whether one may be billed now. A cycle is billed when it is CLOSED (its grace period for late
 * usage is over), or resumed when BILLING (a run stopped half way); OPEN and CLOSING cycles are
 * refused with CYCLE_NOT_CLOSED, an unknown one with CYCLE_NOT_FOUND's code.
 */
import type { Pool } from 'pg';
import { RunError, RunErrorCode } from '../run/run-error';
import type { CycleGate } from '../run/run-service';

/** Cycles a `--due` start takes at most, oldest first. */
export const DUE_CYCLES_MAX = 100;

export class PgCycleDirectory implements CycleGate {
  constructor(private readonly pool: Pool) {}

  async dueCycleIds(): Promise<string[]> {
    const { rows } = await this.pool.query(`select id from billing_cycle where status = 'CLOSED' order by period_start, id limit $1`, [
      DUE_CYCLES_MAX,
    ]);
    return rows.map((r) => r.id as string);
  }

  async assertBillable(cycleId: string): Promise<void> {
    const { rows } = await this.pool.query(`select status from billing_cycle where id = $1`, [cycleId]);
    if (rows.length === 0) throw new RunError(RunErrorCode.CYCLE_NOT_CLOSED, `no billing cycle ${cycleId}`, 'cycleId');
    const status = rows[0].status as string;
    if (status !== 'CLOSED' && status !== 'BILLING' && status !== 'BILLED')
      throw new RunError(RunErrorCode.CYCLE_NOT_CLOSED, `cycle ${cycleId} is ${status}; a run needs it CLOSED`, 'cycleId');
  }
}
