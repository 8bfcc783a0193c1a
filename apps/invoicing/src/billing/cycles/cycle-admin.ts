/**
 * What operators do with billing cycles through the API: read and add cycle types (a code table:
 * new types need no code change), list and read cycles with what they hold, and create the cycles
 * ahead and move the due ones on (what `ratel invoice-run start --due` does before it bills).
 */
import type { Clock } from '@app/observability';
import type { Pool } from 'pg';
import { BillingError, BillingErrorCode } from '../documents/billing-error';
import type { CycleType } from './cycle-periods';
import type { PgCycleService } from './cycle-service';

export const CYCLE_STATUSES = ['OPEN', 'CLOSING', 'CLOSED', 'BILLING', 'BILLED'] as const;
export const CYCLES_PAGE_MAX = 200;
export const CYCLES_PAGE_DEFAULT = 50;
export const CYCLES_OFFSET_MAX = 100_000;
export const CYCLE_GRACE_DAYS_MAX = 31;
export const CYCLE_TYPE_DESCRIPTION_MAX_LENGTH = 200;

export interface CycleTypeView extends CycleType {
  description: string;
}

export interface CycleView {
  id: string;
  cycleType: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  startsAt: string;
  endsAt: string;
  graceEndsAt: string;
}

export interface CycleDetailView extends CycleView {
  /** Accounts of the cycle type (billed by this cycle's run). */
  accounts: number;
  documentsByStatus: { status: string; documents: number }[];
  runId: string | null;
}

export interface CycleFilter {
  cycleType?: string;
  status?: string;
  /** Cycles whose period starts on or after / before these dates. */
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

const iso = (d: Date) => d.toISOString();

export class CycleAdminService {
  constructor(
    private readonly pool: Pool,
    private readonly cycles: PgCycleService,
    private readonly clock: Clock,
  ) {}

  async types(): Promise<CycleTypeView[]> {
    const { rows } = await this.pool.query(
      `select code, kind, anchor_day, time_zone, grace_days, description from billing_cycle_type order by code`,
    );
    return rows.map((r) => ({
      code: r.code,
      kind: r.kind,
      anchorDay: r.anchor_day,
      timeZone: r.time_zone,
      graceDays: r.grace_days,
      description: r.description,
    }));
  }

  /** Adds a cycle type; the same code again is refused (409), nothing changed. */
  async addType(t: CycleTypeView): Promise<CycleTypeView> {
    const res = await this.pool.query(
      `insert into billing_cycle_type (code, kind, anchor_day, time_zone, grace_days, description) values ($1, $2, $3, $4, $5, $6)
       on conflict (code) do nothing`,
      [t.code, t.kind, t.anchorDay, t.timeZone, t.graceDays, t.description],
    );
    if (res.rowCount === 0) throw new BillingError(BillingErrorCode.CYCLE_TYPE_EXISTS, `cycle type ${t.code} exists`, 'code');
    return t;
  }

  async list(f: CycleFilter): Promise<{ cycles: CycleView[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.cycleType !== undefined) add('cycle_type = ?', f.cycleType);
    if (f.status !== undefined) add('status = ?', f.status);
    if (f.from !== undefined) add('period_start >= ?::date', f.from);
    if (f.to !== undefined) add('period_start < ?::date', f.to);
    const clause = where.length === 0 ? '' : `where ${where.join(' and ')}`;
    const total = (await this.pool.query<{ n: number }>(`select count(*)::int as n from billing_cycle ${clause}`, params)).rows[0].n;
    const { rows } = await this.pool.query(
      `select id, cycle_type, to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end, status,
         starts_at, ends_at, grace_ends_at
       from billing_cycle ${clause} order by period_start desc, cycle_type limit ${f.limit} offset ${f.offset}`,
      params,
    );
    return { cycles: rows.map(cycleView), total };
  }

  async get(id: string): Promise<CycleDetailView> {
    const { rows } = await this.pool.query(
      `select id, cycle_type, to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end, status,
         starts_at, ends_at, grace_ends_at,
         (select count(*)::int from billing_account a where a.billing_cycle_type = c.cycle_type and a.type = 'POSTPAID') as accounts,
         (select r.id from billing_run r where r.cycle_id = c.id) as run_id
       from billing_cycle c where id = $1`,
      [id],
    );
    if (rows.length === 0) throw new BillingError(BillingErrorCode.CYCLE_NOT_FOUND, `no billing cycle ${id}`, 'cycleId');
    const docs = await this.pool.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from billing_document where cycle_id = $1 group by 1 order by 1`,
      [id],
    );
    return {
      ...cycleView(rows[0]),
      accounts: rows[0].accounts,
      runId: rows[0].run_id,
      documentsByStatus: docs.rows.map((r) => ({ status: r.status, documents: r.n })),
    };
  }

  /** Creates the cycles of every type ahead of now and moves the due ones on (OPEN -> CLOSING -> CLOSED). */
  async due(ahead: number): Promise<{ created: number; closing: number; closed: number }> {
    const now = this.clock.nowMs();
    const created = await this.cycles.ensureCycles(now, ahead);
    return { created, ...(await this.cycles.advance(now)) };
  }
}

function cycleView(r: Record<string, unknown>): CycleView {
  return {
    id: r.id as string,
    cycleType: r.cycle_type as string,
    periodStart: r.period_start as string,
    periodEnd: r.period_end as string,
    status: r.status as string,
    startsAt: iso(r.starts_at as Date),
    endsAt: iso(r.ends_at as Date),
    graceEndsAt: iso(r.grace_ends_at as Date),
  };
}
