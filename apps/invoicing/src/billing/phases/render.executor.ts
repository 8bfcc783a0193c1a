/**
 * RENDER, one shard: for every issued document of the shard's accounts, its PDF and its UBL 2.1
 * e-invoice, into the document store, each recorded with its key and digest (billing_rendition). A
 * page of documents at a time; a step redone after a crash renders what is missing only, and a file
 * rendered again has the same bytes (pdf-renderer.ts and ubl-writer.ts are deterministic).
 *
 * A document that cannot be an EN 16931 e-invoice (its parties have no structured address, its
 * content has no EN 16931 form, or its view breaks a rule of the writer) gets a SKIPPED UBL row with
 * the code and the reason instead of a file: the run goes on, the PDF is rendered all the same, and
 * GET /v1/billing/documents/{id}/ubl answers the reason. Skips for a missing address are tried again
 * by a later RENDER (the address may have been added since); a skip that would be the same again
 * changes nothing.
 */
import { createHash } from 'node:crypto';
import { toEInvoice, UBL_SKIP_CODES_RETRIED, UblSkipCode, type UblSkip } from '../einvoice/from-issued-document';
import { RenderError } from '../einvoice/render-error';
import { renderUbl } from '../einvoice/ubl/ubl-writer';
import type { DocumentStore } from '../render/document-store';
import { renditionKey } from '../render/document-store';
import { type DocumentView, loadDocumentViews } from '../render/document-view';
import { renderPdf } from '../render/pdf-renderer';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

/** Documents rendered per page. */
export const RENDER_PAGE_DOCUMENTS = 200;
/** Longest skip reason recorded (billing_rendition.skip_reason is varchar(500)). */
const SKIP_REASON_MAX_LENGTH = 500;

interface RenditionRow {
  document_id: string;
  kind: 'PDF' | 'UBL';
  status: 'RENDERED' | 'SKIPPED';
  storage_key: string | null;
  sha256: string | null;
  bytes: number | null;
  skip_code: string | null;
  skip_reason: string | null;
}

export class RenderExecutor implements PhaseExecutor {
  readonly phase = 'RENDER' as const;

  constructor(
    private readonly d: Pick<BillingDeps, 'pool' | 'clock' | 'logger'>,
    private readonly store: DocumentStore,
  ) {}

  async execute(ctx: StepContext): Promise<void> {
    const { pool } = this.d;
    const needsPdf = `not exists (select 1 from billing_rendition r where r.document_id = d.id and r.kind = 'PDF')`;
    const needsUbl = `not exists (select 1 from billing_rendition r where r.document_id = d.id and r.kind = 'UBL'
        and not (r.status = 'SKIPPED' and r.skip_code = any($3::text[])))`;
    const pending = `from billing_document d join billing_run_account a on a.run_id = d.run_id and a.account_id = d.account_id
      where d.run_id = $1 and a.shard_index = $2 and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID') and (${needsPdf} or ${needsUbl})`;
    const params = [ctx.run.id, ctx.step.shardIndex, UBL_SKIP_CODES_RETRIED];
    const total = (await pool.query<{ n: number }>(`select count(*)::int as n ${pending}`, params)).rows[0].n;
    let done = 0;
    // Skips are logged once per step, counted by code (each document's reason is in billing_rendition).
    const skipped = new Map<string, { documents: number; example: string }>();
    // Keyset paging: a document whose UBL is skipped for a missing address stays pending, so an offset-free "first page" would loop.
    let after = '';
    await ctx.progress(0, total);
    for (;;) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const { rows } = await pool.query<{ id: string; needs_pdf: boolean; needs_ubl: boolean }>(
        `select d.id, ${needsPdf} as needs_pdf, ${needsUbl} as needs_ubl ${pending} and d.id > $4 order by d.id limit $5`,
        [...params, after, RENDER_PAGE_DOCUMENTS],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      const wanted = new Map(rows.map((r) => [r.id, r]));
      const renditions: RenditionRow[] = [];
      for (const view of await loadDocumentViews(pool, [...wanted.keys()])) {
        const want = wanted.get(view.id)!;
        if (want.needs_pdf) renditions.push(await this.put(view, 'PDF', await renderPdf(view)));
        if (!want.needs_ubl) continue;
        const ubl = await this.ubl(view);
        renditions.push(ubl);
        if (ubl.skip_code !== null) {
          const count = skipped.get(ubl.skip_code) ?? { documents: 0, example: `${view.number}: ${ubl.skip_reason}` };
          skipped.set(ubl.skip_code, { ...count, documents: count.documents + 1 });
        }
      }
      await this.record(renditions);
      done += rows.length;
      await ctx.progress(done, total);
    }
    if (skipped.size > 0) {
      this.d.logger.warn(
        { runId: ctx.run.id, shard: ctx.step.shardIndex, skipped: Object.fromEntries(skipped) },
        'render: documents without a UBL e-invoice (reasons in billing_rendition)',
      );
    }
  }

  private async ubl(view: DocumentView): Promise<RenditionRow> {
    const outcome = ublOf(view);
    if (outcome.skip === undefined) return this.put(view, 'UBL', Buffer.from(outcome.xml, 'utf8'));
    const { code, reason } = outcome.skip;
    return {
      ...NO_FILE,
      document_id: view.id,
      kind: 'UBL',
      status: 'SKIPPED',
      skip_code: code,
      skip_reason: reason.slice(0, SKIP_REASON_MAX_LENGTH),
    };
  }

  private async put(view: DocumentView, kind: 'PDF' | 'UBL', bytes: Buffer): Promise<RenditionRow> {
    const key = renditionKey({ legalEntityId: view.legalEntityId, issueDate: view.issueDate, number: view.number, kind });
    await this.store.put(key, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return {
      document_id: view.id,
      kind,
      status: 'RENDERED',
      storage_key: key,
      sha256,
      bytes: bytes.length,
      skip_code: null,
      skip_reason: null,
    };
  }

  /** Writes the page's renditions; a SKIPPED row is replaced by a file, or by another reason, never by the same one again. */
  private async record(renditions: readonly RenditionRow[]): Promise<void> {
    if (renditions.length === 0) return;
    await this.d.pool.query(
      `insert into billing_rendition (document_id, kind, status, storage_key, sha256, bytes, skip_code, skip_reason, created_at)
       select document_id, kind, status, storage_key, sha256, bytes, skip_code, skip_reason, $2 from jsonb_to_recordset($1::jsonb)
         as t(document_id text, kind text, status text, storage_key text, sha256 text, bytes int, skip_code text, skip_reason text)
       on conflict (document_id, kind) do update set status = excluded.status, storage_key = excluded.storage_key, sha256 = excluded.sha256,
         bytes = excluded.bytes, skip_code = excluded.skip_code, skip_reason = excluded.skip_reason, created_at = excluded.created_at
       where billing_rendition.status = 'SKIPPED'
         and (billing_rendition.status, billing_rendition.skip_code, billing_rendition.skip_reason)
           is distinct from (excluded.status, excluded.skip_code, excluded.skip_reason)`,
      [JSON.stringify(renditions), new Date(this.d.clock.nowMs())],
    );
  }
}

const NO_FILE = { storage_key: null, sha256: null, bytes: null } as const;

/** The UBL text of a document, or why it has none (a RenderError of the writer is a skip too: the run goes on). */
function ublOf(view: DocumentView): { xml: string; skip?: undefined } | { skip: UblSkip } {
  const mapped = toEInvoice(view);
  if (mapped.skip !== undefined) return { skip: mapped.skip };
  try {
    return { xml: renderUbl(mapped.view) };
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    return { skip: { code: UblSkipCode.INVALID_DOCUMENT, reason: `${e.code}: ${e.message}` } };
  }
}
