/**
 * Drafts in PostgreSQL, written in bulk (one statement per table for a page of drafts, through
 * jsonb_to_recordset). Writing a draft again replaces it: a shard that is computed again (its worker
 * died, or an operator re-ran COMPUTE) leaves one draft per idempotency key, never two. A document
 * already issued under that key is never touched (the database refuses it anyway).
 */
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db';
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
      const { rows } = await c.query<{ idempotency_key: string }>(
        `select idempotency_key from billing_document where idempotency_key = any($1::text[]) and status not in ('DRAFT', 'HELD') for update`,
        [keys],
      );
      const final = new Set(rows.map((r) => r.idempotency_key));
      await c.query(`delete from billing_document where idempotency_key = any($1::text[]) and status in ('DRAFT', 'HELD')`, [keys]);
      const fresh = drafts.filter((d) => !final.has(d.idempotencyKey));
      if (fresh.length > 0) await insertDrafts(c, fresh, new Date(nowMs));
      return { written: fresh.length, final: [...final] };
    });
  }
}

const str = (v: bigint) => v.toString();

async function insertDrafts(c: PoolClient, drafts: readonly DraftDocument[], now: Date): Promise<void> {
  const docs = drafts.map((d) => ({
    id: d.id,
    idempotency_key: d.idempotencyKey,
    account_id: d.accountId,
    cycle_id: d.cycleId,
    run_id: d.runId,
    type: d.type,
    legal_entity_id: d.legalEntityId,
    currency: d.currency,
    net_minor: str(d.netMinor),
    tax_minor: str(d.taxMinor),
    gross_minor: str(d.grossMinor),
    usage_minor: str(d.usageMinor),
    payment_terms_days: d.paymentTermsDays,
    period_start: d.periodStart,
    period_end: d.periodEnd,
    corrects_document_id: d.correctsDocumentId,
    credit_kind: d.creditKind,
  }));
  await c.query(
    `insert into billing_document (id, idempotency_key, account_id, cycle_id, run_id, type, status, legal_entity_id, currency, net_minor,
       tax_minor, gross_minor, usage_minor, payment_terms_days, period_start, period_end, corrects_document_id, credit_kind, created_at, updated_at)
     select id, idempotency_key, account_id, cycle_id, run_id, type, 'DRAFT', legal_entity_id, currency, net_minor::bigint, tax_minor::bigint,
       gross_minor::bigint, usage_minor::bigint, payment_terms_days, period_start::date, period_end::date, corrects_document_id, credit_kind, $2, $2
     from jsonb_to_recordset($1::jsonb) as t(id text, idempotency_key text, account_id text, cycle_id text, run_id text, type text,
       legal_entity_id text, currency text, net_minor text, tax_minor text, gross_minor text, usage_minor text, payment_terms_days int, period_start text,
       period_end text, corrects_document_id text, credit_kind text)`,
    [JSON.stringify(docs), now],
  );
  // Parents first: a line's parent must exist when it is inserted (the foreign key is not deferred).
  const lines = drafts
    .flatMap((d) => d.lines.map((l) => ({ d, l })))
    .sort((a, b) => Number(a.l.parentLineNo !== null) - Number(b.l.parentLineNo !== null));
  if (lines.length > 0) {
    const col = <T>(f: (x: { d: DraftDocument; l: DraftDocument['lines'][number] }) => T): T[] => lines.map(f);
    await c.query(
      `insert into billing_document_line (document_id, line_no, parent_line_no, kind, description, quantity, unit, unit_price_minor, amount_minor,
         discount_minor, tax_category, tax_rate, period_start, period_end, subscription_id, charge_id, usage_key, discount_id, late, reason)
       select * from unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::numeric[], $7::text[], $8::numeric[], $9::bigint[],
         $10::bigint[], $11::text[], $12::numeric[], $13::date[], $14::date[], $15::text[], $16::text[], $17::text[], $18::text[], $19::boolean[],
         $20::text[])`,
      [
        col((x) => x.d.id),
        col((x) => x.l.lineNo),
        col((x) => x.l.parentLineNo),
        col((x) => x.l.kind),
        col((x) => x.l.description),
        col((x) => x.l.quantity),
        col((x) => x.l.unit),
        col((x) => x.l.unitPriceMinor),
        col((x) => str(x.l.amountMinor)),
        col((x) => str(x.l.discountMinor)),
        col((x) => x.l.taxCategory),
        col((x) => x.l.taxRate),
        col((x) => x.l.periodStart),
        col((x) => x.l.periodEnd),
        col((x) => x.l.subscriptionId),
        col((x) => x.l.chargeId),
        col((x) => x.l.usageKey),
        col((x) => x.l.discountId),
        col((x) => x.l.late),
        col((x) => x.l.reason),
      ],
    );
  }
  const taxes = drafts.flatMap((d) =>
    d.taxes.map((t) => ({
      document_id: d.id,
      tax_category: t.taxCategory,
      tax_rate: t.taxRate,
      taxable_minor: str(t.taxableMinor),
      tax_minor: str(t.taxMinor),
    })),
  );
  if (taxes.length > 0)
    await c.query(
      `insert into billing_document_tax (document_id, tax_category, tax_rate, taxable_minor, tax_minor)
       select document_id, tax_category, tax_rate::numeric, taxable_minor::bigint, tax_minor::bigint
       from jsonb_to_recordset($1::jsonb) as t(document_id text, tax_category text, tax_rate text, taxable_minor text, tax_minor text)`,
      [JSON.stringify(taxes)],
    );
}
