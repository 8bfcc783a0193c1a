/**
 * Billing cycles in PostgreSQL: created ahead of time for every cycle type, and moved on by time:
 * OPEN until the period ends, CLOSING during the type's grace days (late usage still lands in the
 * period), then CLOSED, ready to bill. An invoice run moves a cycle to BILLING, and REPORT to BILLED.
 * Idempotent: creating cycles again, or advancing twice at the same time, changes nothing more.
 */
import type { Pool } from 'pg';
import { RunError, RunErrorCode } from '../run/run-error';
import {
  addDays,
  cycleIdOf,
  type CycleKind,
  type CycleType,
  localDateOf,
  nextPeriod,
  periodContaining,
  startOfLocalDateMs,
} from './cycle-periods';

/** Cycles created ahead of the current one per type, at most. */
export const CYCLES_AHEAD_MAX = 24;
export const CYCLES_AHEAD_DEFAULT = 2;

export interface CycleRecord {
  id: string;
  cycleType: string;
  periodStart: string;
  periodEnd: string;
  startsAtMs: number;
  endsAtMs: number;
  graceEndsAtMs: number;
  status: string;
  timeZone: string;
}

export class PgCycleService {
  constructor(private readonly pool: Pool) {}

  async cycleTypes(): Promise<CycleType[]> {
    const { rows } = await this.pool.query(`select code, kind, anchor_day, time_zone, grace_days from billing_cycle_type order by code`);
    return rows.map((r) => ({
      code: r.code,
      kind: r.kind as CycleKind,
      anchorDay: r.anchor_day,
      timeZone: r.time_zone,
      graceDays: r.grace_days,
    }));
  }

  /** Creates, for every cycle type, the cycle containing `nowMs` and the `ahead` after it; returns the cycles created. */
  async ensureCycles(nowMs: number, ahead = CYCLES_AHEAD_DEFAULT): Promise<number> {
    if (!Number.isInteger(ahead) || ahead < 0 || ahead > CYCLES_AHEAD_MAX) throw new RangeError(`ahead: 0 to ${CYCLES_AHEAD_MAX}`);
    let created = 0;
    for (const type of await this.cycleTypes()) {
      let period = periodContaining(type, localDateOf(nowMs, type.timeZone));
      for (let i = 0; i <= ahead; i++) {
        const endsAt = startOfLocalDateMs(period.end, type.timeZone);
        const res = await this.pool.query(
          `insert into billing_cycle (id, cycle_type, period_start, period_end, starts_at, ends_at, grace_ends_at, status, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, 'OPEN', $8, $8) on conflict do nothing`,
          [
            cycleIdOf(type.code, period),
            type.code,
            period.start,
            period.end,
            new Date(startOfLocalDateMs(period.start, type.timeZone)),
            new Date(endsAt),
            new Date(startOfLocalDateMs(addDays(period.end, type.graceDays), type.timeZone)),
            new Date(nowMs),
          ],
        );
        created += res.rowCount ?? 0;
        period = nextPeriod(type, period);
      }
    }
    return created;
  }

  /** OPEN cycles whose period is over become CLOSING, CLOSING ones whose grace is over CLOSED. */
  async advance(nowMs: number): Promise<{ closing: number; closed: number }> {
    const now = new Date(nowMs);
    const closed = await this.pool.query(
      `update billing_cycle set status = 'CLOSED', updated_at = $1 where status in ('OPEN', 'CLOSING') and grace_ends_at <= $1`,
      [now],
    );
    const closing = await this.pool.query(
      `update billing_cycle set status = 'CLOSING', updated_at = $1 where status = 'OPEN' and ends_at <= $1`,
      [now],
    );
    return { closing: closing.rowCount ?? 0, closed: closed.rowCount ?? 0 };
  }

  async get(cycleId: string): Promise<CycleRecord> {
    const { rows } = await this.pool.query(
      `select c.id, c.cycle_type, to_char(c.period_start, 'YYYY-MM-DD') as period_start, to_char(c.period_end, 'YYYY-MM-DD') as period_end,
         c.starts_at, c.ends_at, c.grace_ends_at, c.status, t.time_zone
       from billing_cycle c join billing_cycle_type t on t.code = c.cycle_type where c.id = $1`,
      [cycleId],
    );
    if (rows.length === 0) throw new RunError(RunErrorCode.CYCLE_NOT_CLOSED, `no billing cycle ${cycleId}`, 'cycleId');
    const r = rows[0];
    return {
      id: r.id,
      cycleType: r.cycle_type,
      periodStart: r.period_start,
      periodEnd: r.period_end,
      startsAtMs: (r.starts_at as Date).getTime(),
      endsAtMs: (r.ends_at as Date).getTime(),
      graceEndsAtMs: (r.grace_ends_at as Date).getTime(),
      status: r.status,
      timeZone: r.time_zone,
    };
  }

  /** Moves a cycle on (CLOSED -> BILLING -> BILLED); idempotent: a cycle already there is left alone. */
  async mark(cycleId: string, to: 'BILLING' | 'BILLED', nowMs: number): Promise<void> {
    const from = to === 'BILLING' ? ['CLOSED'] : ['CLOSED', 'BILLING'];
    await this.pool.query(`update billing_cycle set status = $2, updated_at = $3 where id = $1 and status = any($4::text[])`, [
      cycleId,
      to,
      new Date(nowMs),
      from,
    ]);
  }

  /** The cycle of the same type just before this one, if any. */
  async previous(cycle: CycleRecord): Promise<CycleRecord | null> {
    const { rows } = await this.pool.query(
      `select id from billing_cycle where cycle_type = $1 and period_start < $2 order by period_start desc limit 1`,
      [cycle.cycleType, cycle.periodStart],
    );
    return rows.length === 0 ? null : this.get(rows[0].id as string);
  }
}
