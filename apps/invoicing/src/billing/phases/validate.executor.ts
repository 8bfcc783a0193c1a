/**
 * VALIDATE: one step for the run. Gathers, in bulk, the facts of every DRAFT of the run (its totals
 * against its lines and tax rows, the account's last invoices, its subscriptions' active days, the
 * period's stored usage per day) and holds the drafts the checks flag (validate/draft-checks.ts),
 * with their reasons; the rest of the run goes on. Drafts an operator approved are not held again.
 * The run's own figures are compared with the previous run of the cycle type; what moved too much
 * is recorded on the run and reported.
 */
import { qualified, RATED_EVENTS_TABLE, sql, str } from '@app/analytics';
import { addDays } from '../cycles/cycle-periods';
import type { CycleRecord } from '../cycles/cycle-service';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import { checkDraft, checkRun, HISTORY_INVOICES_MAX, staleUsageDays } from '../validate/draft-checks';
import type { BillingDeps } from './billing-deps';

interface FactsRow {
  id: string;
  net_minor: string;
  tax_minor: string;
  gross_minor: string;
  usage_minor: string;
  lines_net: string;
  tax_sum: string;
  history: string[] | null;
  first_invoice: boolean;
  active_from: string | null;
}

/** Parts of the run's drafts whose facts are read at once, each by its own query and connection. */
export const VALIDATE_QUERY_PARTS = 2;

/** Days from `start` (inclusive) to `end` (exclusive), YYYY-MM-DD. */
function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d < end; d = addDays(d, 1)) out.push(d);
  return out;
}

export class ValidateExecutor implements PhaseExecutor {
  readonly phase = 'VALIDATE' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const { pool, cycles } = this.d;
    const cycle = await cycles.get(ctx.run.cycleId);
    const periodDays = daysBetween(cycle.periodStart, cycle.periodEnd);
    const stale = staleUsageDays(periodDays, await this.eventsPerDay(cycle.periodStart, cycle.periodEnd));
    const rows = (await Promise.all(Array.from({ length: VALIDATE_QUERY_PARTS }, (_, part) => this.facts(ctx, cycle, part)))).flat();
    await ctx.progress(0, rows.length);
    const held: { id: string; reasons: unknown }[] = [];
    for (const r of rows) {
      const reasons = checkDraft(
        {
          netMinor: BigInt(r.net_minor),
          taxMinor: BigInt(r.tax_minor),
          grossMinor: BigInt(r.gross_minor),
          linesNetMinor: BigInt(r.lines_net),
          taxSummaryMinor: BigInt(r.tax_sum),
          usageMinor: BigInt(r.usage_minor),
          previousUsageMinor: (r.history ?? []).map((h) => BigInt(h)),
          firstInvoice: r.first_invoice,
          activeDays: r.active_from === null ? [] : periodDays.filter((day) => day >= r.active_from!),
        },
        stale,
        this.d.validation,
      );
      if (reasons.length > 0) held.push({ id: r.id, reasons });
    }
    if (held.length > 0)
      await pool.query(
        `update billing_document d set status = 'HELD', hold_reasons = h.reasons, updated_at = $2
         from jsonb_to_recordset($1::jsonb) as h(id text, reasons jsonb) where d.id = h.id and d.status = 'DRAFT'`,
        [JSON.stringify(held), new Date(this.d.clock.nowMs())],
      );
    await this.checkRun(ctx, cycle.cycleType, cycle.periodStart);
    await ctx.progress(rows.length, rows.length);
    this.d.logger.info({ runId: ctx.run.id, drafts: rows.length, held: held.length }, 'validate: drafts checked');
  }

  /**
   * The facts of one part of the run's drafts (a stable split by a hash of the document id; every draft is in
   * exactly one part). The parts run at once, each on its own connection: the facts are five correlated
   * lookups per draft, one query is one backend on one core, and this machine has two.
   */
  private async facts(ctx: StepContext, cycle: CycleRecord, part: number): Promise<FactsRow[]> {
    const { rows } = await this.d.pool.query<FactsRow>(
      `select d.id, d.net_minor, d.tax_minor, d.gross_minor, d.usage_minor,
         coalesce((select sum(l.amount_minor) from billing_document_line l where l.document_id = d.id), 0)::text as lines_net,
         coalesce((select sum(t.tax_minor) from billing_document_tax t where t.document_id = d.id), 0)::text as tax_sum,
         (select array_agg(h.usage_minor::text order by h.issue_date desc) from (select p.usage_minor, p.issue_date from billing_document p
            where p.account_id = d.account_id and p.type = 'INVOICE' and p.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')
              and p.cycle_id is distinct from d.cycle_id order by p.issue_date desc limit $2) h) as history,
         not exists (select 1 from billing_document p where p.account_id = d.account_id and p.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')
              and p.cycle_id is distinct from d.cycle_id) as first_invoice,
         (select to_char(greatest($3::date, min(s.created_at at time zone $4)::date), 'YYYY-MM-DD') from subscription s
            where s.account_id = d.account_id and s.created_at < $5 having count(*) > 0) as active_from
       from billing_document d where d.run_id = $1 and d.status = 'DRAFT' and d.approved_at is null
         and mod(hashtext(d.id)::bigint + 2147483648, $6) = $7
       order by d.account_id collate "C"`,
      [ctx.run.id, HISTORY_INVOICES_MAX, cycle.periodStart, cycle.timeZone, new Date(cycle.endsAtMs), VALIDATE_QUERY_PARTS, part],
    );
    return rows;
  }

  /** Events stored per day of the period (copies included: a baseline, not money). */
  private async eventsPerDay(start: string, end: string): Promise<Map<string, bigint>> {
    const rs = await this.d.clickhouse.query({
      query: sql`SELECT toString(occurredDate) AS day, count() AS n FROM ${qualified(this.d.clickhouseDatabase, RATED_EVENTS_TABLE)}
        WHERE occurredDate >= toDate(${str(start)}) AND occurredDate < toDate(${str(end)}) GROUP BY day`.text,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ day: string; n: string }>();
    return new Map(rows.map((r) => [r.day, BigInt(r.n)]));
  }

  private async checkRun(ctx: StepContext, cycleType: string, periodStart: string): Promise<void> {
    const figures = async (runId: string) => {
      const { rows } = await this.d.pool.query<{ n: number; revenue: string }>(
        `select count(*)::int as n, coalesce(sum(case when type = 'CREDIT_NOTE' then -gross_minor else gross_minor end), 0)::text as revenue
         from billing_document where run_id = $1 and status <> 'VOID'`,
        [runId],
      );
      return { documents: rows[0].n, revenueMinor: BigInt(rows[0].revenue) };
    };
    const prev = await this.d.pool.query<{ id: string }>(
      `select r.id from billing_run r join billing_cycle c on c.id = r.cycle_id
       where c.cycle_type = $1 and c.period_start < $2 and r.status = 'COMPLETED' order by c.period_start desc limit 1`,
      [cycleType, periodStart],
    );
    const anomalies = checkRun(
      await figures(ctx.run.id),
      prev.rows.length === 0 ? null : await figures(prev.rows[0].id),
      this.d.validation,
    );
    await this.d.pool.query(`update billing_run set anomalies = $2 where id = $1`, [ctx.run.id, JSON.stringify(anomalies)]);
    if (anomalies.length > 0)
      this.d.logger.warn({ runId: ctx.run.id, anomalies }, 'validate: the run moved beyond its bounds against the last cycle');
  }
}
