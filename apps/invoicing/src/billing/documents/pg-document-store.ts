/**
 * Drafts in PostgreSQL, written in bulk (one COPY per table for a page of drafts). Writing a draft again replaces it: a shard that is computed again (its worker
 * died, or an operator re-ran COMPUTE) leaves one draft per idempotency key, never two. A document
 * already issued under that key is never touched (the database refuses it anyway).
 */
import type { Pool, PoolClient } from 'pg';
import { type CopyValue, copyRows } from '@app/db/pg-copy';
import { withTransaction } from '@app/db/pg-transaction';
import type { DraftDocument } from './document-types';
import { LINES_PER_DOCUMENT_MAX } from './document-types';

/** Drafts written per transaction. */
export const DRAFTS_PER_WRITE_MAX = 1_000;

export interface WriteDraftsResult {
  written: number;
  /** Keys whose document is already final (issued, paid or void): left as they are. */
  final: string[];
}

export class PgDocumentStore {
  constructor(private readonly pool: Pool) {}

  /** Writes (or replaces) drafts, all or nothing; `nowMs` stamps them. */
  async writeDrafts(drafts: readonly DraftDocument[], nowMs: number): Promise<WriteDraftsResult> {
    if (drafts.length > DRAFTS_PER_WRITE_MAX) throw new RangeError(`at most ${DRAFTS_PER_WRITE_MAX} drafts per write`);
    for (const d of drafts)
      if (d.lines.length > LINES_PER_DOCUMENT_MAX) throw new RangeError(`draft ${d.id}: more than ${LINES_PER_DOCUMENT_MAX} lines`);
    if (drafts.length === 0) return { written: 0, final: [] };
    return withTransaction(this.pool, async (c) => {
      const keys = drafts.map((d) => d.idempotencyKey);
      // One lookup of the keys (locking what exists); only drafts found are deleted, by primary key. A first
      // write finds nothing and deletes nothing (this was a second lookup of every key, 1 s of 100,000 drafts).
      const { rows } = await c.query<{ id: string; idempotency_key: string; status: string }>(
        `select id, idempotency_key, status from billing_document where idempotency_key = any($1::text[]) for update`,
        [keys],
      );
      const replaced: string[] = [];
      const final = new Set<string>();
      for (const r of rows) {
        if (r.status === 'DRAFT' || r.status === 'HELD') replaced.push(r.id);
        else final.add(r.idempotency_key);
      }
      if (replaced.length > 0) await c.query(`delete from billing_document where id = any($1::text[])`, [replaced]);
      const fresh = drafts.filter((d) => !final.has(d.idempotencyKey));
      if (fresh.length > 0) await insertDrafts(c, fresh, new Date(nowMs));
      return { written: fresh.length, final: [...final] };
    });
  }
}

const DOCUMENT_COLUMNS = [
  'id',
  'idempotency_key',
  'account_id',
  'cycle_id',
  'run_id',
  'type',
  'status',
  'legal_entity_id',
  'currency',
  'net_minor',
  'tax_minor',
  'gross_minor',
  'usage_minor',
  'payment_terms_days',
  'period_start',
  'period_end',
  'corrects_document_id',
  'credit_kind',
  'created_at',
  'updated_at',
] as const;

const LINE_COLUMNS = [
  'document_id',
  'line_no',
  'parent_line_no',
  'kind',
  'description',
  'quantity',
  'unit',
  'unit_price_minor',
  'amount_minor',
  'discount_minor',
  'tax_category',
  'tax_rate',
  'period_start',
  'period_end',
  'subscription_id',
  'charge_id',
  'usage_key',
  'discount_id',
  'late',
  'reason',
] as const;

const TAX_COLUMNS = ['document_id', 'tax_category', 'tax_rate', 'taxable_minor', 'tax_minor'] as const;

/**
 * Documents, then their lines, then their tax summaries, each table in one COPY. A document's lines
 * come in line order, so a parent line always precedes its children.
 */
async function insertDrafts(c: PoolClient, drafts: readonly DraftDocument[], now: Date): Promise<void> {
  const at = now.toISOString();
  await copyRows(
    c,
    'billing_document',
    DOCUMENT_COLUMNS,
    drafts.map((d) => [
      d.id,
      d.idempotencyKey,
      d.accountId,
      d.cycleId,
      d.runId,
      d.type,
      'DRAFT',
      d.legalEntityId,
      d.currency,
      d.netMinor,
      d.taxMinor,
      d.grossMinor,
      d.usageMinor,
      d.paymentTermsDays,
      d.periodStart,
      d.periodEnd,
      d.correctsDocumentId,
      d.creditKind,
      at,
      at,
    ]),
  );
  await copyRows(c, 'billing_document_line', LINE_COLUMNS, lineRows(drafts));
  await copyRows(
    c,
    'billing_document_tax',
    TAX_COLUMNS,
    drafts.flatMap((d) => d.taxes.map((t) => [d.id, t.taxCategory, t.taxRate, t.taxableMinor, t.taxMinor])),
  );
}

function* lineRows(drafts: readonly DraftDocument[]): Generator<CopyValue[]> {
  for (const d of drafts) {
    for (const l of d.lines) {
      if (l.parentLineNo !== null && l.parentLineNo >= l.lineNo)
        throw new RangeError(`draft ${d.id}: line ${l.lineNo} comes before its parent ${l.parentLineNo}`);
      yield [
        d.id,
        l.lineNo,
        l.parentLineNo,
        l.kind,
        l.description,
        l.quantity,
        l.unit,
        l.unitPriceMinor,
        l.amountMinor,
        l.discountMinor,
        l.taxCategory,
        l.taxRate,
        l.periodStart,
        l.periodEnd,
        l.subscriptionId,
        l.chargeId,
        l.usageKey,
        l.discountId,
        l.late,
        l.reason,
      ];
    }
  }
}
