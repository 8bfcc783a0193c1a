/**
 * REPORT: the cycle report, from the documents of the run, kept on the run (billing_run.report) and
 * served as JSON and CSV: revenue per service, per kind of line (recurring and one-time fees, usage,
 * discounts, minimum commitments, manual lines: they add up to the net), per tax rate and per document type, documents by
 * status, held drafts with their reasons, the run's anomalies, and each figure beside the previous
 * run's of the cycle type. Revenue counts issued documents (credit notes negative). The cycle becomes
 * BILLED once nothing of it is left DRAFT or HELD.
 */
import { trimDecimal } from '../render/document-view';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

export interface CycleReport {
  runId: string;
  cycleId: string;
  generatedAt: string;
  revenueByService: { currency: string; serviceId: string; netMinor: string }[];
  /** Net per line kind (RECURRING, ONE_TIME, USAGE, DISCOUNT, MINIMUM, MANUAL, CORRECTION): they sum to the net total. */
  revenueByLineKind: { currency: string; kind: string; netMinor: string }[];
  revenueByTaxRate: { currency: string; taxCategory: string; taxRate: string; taxableMinor: string; taxMinor: string }[];
  revenueByDocumentType: { currency: string; type: string; documents: number; netMinor: string; taxMinor: string; grossMinor: string }[];
  documentsByStatus: { status: string; documents: number }[];
  held: { documentId: string; accountId: string; reasons: unknown }[];
  anomalies: unknown[];
  totals: { currency: string; netMinor: string; taxMinor: string; grossMinor: string; usageMinor: string }[];
  previous: Omit<CycleReport, 'previous' | 'held'> | null;
}

const ISSUED = `('ISSUED', 'PARTIALLY_PAID', 'PAID')`;
/** Credit notes count negative. */
const SIGN = `case when d.type = 'CREDIT_NOTE' then -1 else 1 end`;

export class ReportExecutor implements PhaseExecutor {
  readonly phase = 'REPORT' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const { pool, clock } = this.d;
    const cycle = await this.d.cycles.get(ctx.run.cycleId);
    const prev = await pool.query<{ report: CycleReport | null }>(
      `select r.report from billing_run r join billing_cycle c on c.id = r.cycle_id
       where c.cycle_type = $1 and c.period_start < $2 and r.report is not null order by c.period_start desc limit 1`,
      [cycle.cycleType, cycle.periodStart],
    );
    const report = await buildReport(this.d, ctx.run.id, cycle.id, clock.nowMs());
    const previous = prev.rows[0]?.report ?? null;
    if (previous !== null) {
      const { previous: _older, held: _held, ...figures } = previous;
      report.previous = figures;
    }
    await pool.query(`update billing_run set report = $2 where id = $1`, [ctx.run.id, JSON.stringify(report)]);
    const open = await pool.query<{ n: number }>(
      `select count(*)::int as n from billing_document where cycle_id = $1 and status in ('DRAFT', 'HELD')`,
      [cycle.id],
    );
    if (open.rows[0].n === 0) await this.d.cycles.mark(cycle.id, 'BILLED', clock.nowMs());
    await ctx.progress(1, 1);
  }
}

export async function buildReport(d: BillingDeps, runId: string, cycleId: string, nowMs: number): Promise<CycleReport> {
  const q = async <T extends object>(text: string): Promise<T[]> => (await d.pool.query<T>(text, [runId])).rows;
  const [byService, byKind, byTax, byType, byStatus, held, run, totals] = await Promise.all([
    q<{ currency: string; service_id: string; net: string }>(
      `select d.currency, split_part(l.usage_key, '|', 2) as service_id, sum(${SIGN} * l.amount_minor)::text as net
       from billing_document d join billing_document_line l on l.document_id = d.id
       where d.run_id = $1 and d.status in ${ISSUED} and l.kind = 'USAGE' group by 1, 2 order by 1, 2`,
    ),
    q<{ currency: string; kind: string; net: string }>(
      `select d.currency, l.kind, sum(${SIGN} * l.amount_minor)::text as net
       from billing_document d join billing_document_line l on l.document_id = d.id
       where d.run_id = $1 and d.status in ${ISSUED} and l.kind <> 'SUBSCRIPTION' group by 1, 2 order by 1, 2`,
    ),
    q<{ currency: string; tax_category: string; tax_rate: string; taxable: string; tax: string }>(
      `select d.currency, t.tax_category, t.tax_rate::text as tax_rate, sum(${SIGN} * t.taxable_minor)::text as taxable,
         sum(${SIGN} * t.tax_minor)::text as tax
       from billing_document d join billing_document_tax t on t.document_id = d.id
       where d.run_id = $1 and d.status in ${ISSUED} group by 1, 2, 3 order by 1, 2, 3`,
    ),
    q<{ currency: string; type: string; n: number; net: string; tax: string; gross: string }>(
      `select d.currency, d.type, count(*)::int as n, sum(d.net_minor)::text as net, sum(d.tax_minor)::text as tax, sum(d.gross_minor)::text as gross
       from billing_document d where d.run_id = $1 and d.status in ${ISSUED} group by 1, 2 order by 1, 2`,
    ),
    q<{ status: string; n: number }>(`select status, count(*)::int as n from billing_document where run_id = $1 group by 1 order by 1`),
    q<{ id: string; account_id: string; hold_reasons: unknown }>(
      `select id, account_id, hold_reasons from billing_document where run_id = $1 and status = 'HELD' order by account_id collate "C"`,
    ),
    q<{ anomalies: unknown[] }>(`select anomalies from billing_run where id = $1`),
    q<{ currency: string; net: string; tax: string; gross: string; usage: string }>(
      `select d.currency, sum(${SIGN} * d.net_minor)::text as net, sum(${SIGN} * d.tax_minor)::text as tax,
         sum(${SIGN} * d.gross_minor)::text as gross, sum(${SIGN} * d.usage_minor)::text as usage
       from billing_document d where d.run_id = $1 and d.status in ${ISSUED} group by 1 order by 1`,
    ),
  ]);
  return {
    runId,
    cycleId,
    generatedAt: new Date(nowMs).toISOString(),
    revenueByService: byService.map((r) => ({ currency: r.currency, serviceId: r.service_id, netMinor: r.net })),
    revenueByLineKind: byKind.map((r) => ({ currency: r.currency, kind: r.kind, netMinor: r.net })),
    revenueByTaxRate: byTax.map((r) => ({
      currency: r.currency,
      taxCategory: r.tax_category,
      taxRate: trimDecimal(r.tax_rate),
      taxableMinor: r.taxable,
      taxMinor: r.tax,
    })),
    revenueByDocumentType: byType.map((r) => ({
      currency: r.currency,
      type: r.type,
      documents: r.n,
      netMinor: r.net,
      taxMinor: r.tax,
      grossMinor: r.gross,
    })),
    documentsByStatus: byStatus.map((r) => ({ status: r.status, documents: r.n })),
    held: held.map((r) => ({ documentId: r.id, accountId: r.account_id, reasons: r.hold_reasons })),
    anomalies: run[0]?.anomalies ?? [],
    totals: totals.map((r) => ({ currency: r.currency, netMinor: r.net, taxMinor: r.tax, grossMinor: r.gross, usageMinor: r.usage })),
    previous: null,
  };
}

/** The report as CSV: one row per figure (section, currency, key, value, previous value). */
export function reportCsv(r: CycleReport): string {
  const rows: string[][] = [['section', 'currency', 'key', 'value', 'previous']];
  const prevOf = (section: string, find: (p: NonNullable<CycleReport['previous']>) => string | number | undefined) =>
    r.previous ? String(find(r.previous) ?? '') : '';
  for (const t of r.totals)
    for (const k of ['netMinor', 'taxMinor', 'grossMinor', 'usageMinor'] as const)
      rows.push(['totals', t.currency, k, t[k], prevOf('totals', (p) => p.totals.find((x) => x.currency === t.currency)?.[k])]);
  for (const s of r.revenueByService)
    rows.push([
      'revenueByService',
      s.currency,
      `service ${s.serviceId}`,
      s.netMinor,
      prevOf('s', (p) => p.revenueByService.find((x) => x.currency === s.currency && x.serviceId === s.serviceId)?.netMinor),
    ]);
  for (const k of r.revenueByLineKind)
    rows.push([
      'revenueByLineKind',
      k.currency,
      k.kind,
      k.netMinor,
      prevOf('k', (p) => p.revenueByLineKind?.find((x) => x.currency === k.currency && x.kind === k.kind)?.netMinor),
    ]);
  for (const t of r.revenueByTaxRate)
    rows.push([
      'revenueByTaxRate',
      t.currency,
      `${t.taxCategory} ${t.taxRate}`,
      t.taxMinor,
      prevOf(
        't',
        (p) =>
          p.revenueByTaxRate.find((x) => x.currency === t.currency && x.taxCategory === t.taxCategory && x.taxRate === t.taxRate)?.taxMinor,
      ),
    ]);
  for (const t of r.revenueByDocumentType)
    rows.push([
      'revenueByDocumentType',
      t.currency,
      t.type,
      t.grossMinor,
      prevOf('d', (p) => p.revenueByDocumentType.find((x) => x.currency === t.currency && x.type === t.type)?.grossMinor),
    ]);
  for (const s of r.documentsByStatus)
    rows.push([
      'documentsByStatus',
      '',
      s.status,
      String(s.documents),
      prevOf('st', (p) => p.documentsByStatus.find((x) => x.status === s.status)?.documents),
    ]);
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `${rows.map((row) => row.map(cell).join(',')).join('\n')}\n`;
}
