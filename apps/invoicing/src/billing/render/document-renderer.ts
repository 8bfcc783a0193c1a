/**
 * Renders issued documents into the document store: the PDF (pdf-renderer.ts) and the UBL 2.1
 * e-invoice (einvoice/), each recorded in billing_rendition with its key and digest, or, for a UBL
 * the document cannot have, a SKIPPED row with the code and the reason. Only what is missing is
 * rendered, and a file rendered again has the same bytes (both writers are deterministic).
 *
 * Used by RENDER for a run's documents, a page at a time, and by the billing API for the documents
 * it issues itself (credit and debit notes, advance invoices, approved drafts), right after issuing.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '@app/observability';
import type { Pool } from 'pg';
import { toEInvoice, UBL_SKIP_CODES_RETRIED, UblSkipCode, type UblSkip } from '../einvoice/from-issued-document';
import { RenderError } from '../einvoice/render-error';
import { renderUbl } from '../einvoice/ubl/ubl-writer';
import { type DocumentStore, renditionKey } from './document-store';
import { type DocumentView, loadDocumentViews } from './document-view';
import { renderPdf } from './pdf-renderer';

/** Longest skip reason recorded (billing_rendition.skip_reason is varchar(500)). */
const SKIP_REASON_MAX_LENGTH = 500;

export interface RenditionRow {
  document_id: string;
  kind: 'PDF' | 'UBL';
  status: 'RENDERED' | 'SKIPPED';
  storage_key: string | null;
  sha256: string | null;
  bytes: number | null;
  skip_code: string | null;
  skip_reason: string | null;
}

/** SQL: the document aliased `alias` has no PDF yet. */
export function needsPdfSql(alias: string): string {
  return `not exists (select 1 from billing_rendition r where r.document_id = ${alias}.id and r.kind = 'PDF')`;
}

/** SQL: the document aliased `alias` has no UBL yet, or one skipped for a reason in the text[] parameter `retried`. */
export function needsUblSql(alias: string, retried: string): string {
  return `not exists (select 1 from billing_rendition r where r.document_id = ${alias}.id and r.kind = 'UBL'
        and not (r.status = 'SKIPPED' and r.skip_code = any(${retried}::text[])))`;
}

export class DocumentRenderer {
  constructor(
    private readonly pool: Pool,
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /** Renders what is missing of these documents (issued ones only); returns the renditions written. */
  async renderMissing(ids: readonly string[]): Promise<RenditionRow[]> {
    const { rows } = await this.pool.query<{ id: string; needs_pdf: boolean; needs_ubl: boolean }>(
      `select d.id, ${needsPdfSql('d')} as needs_pdf, ${needsUblSql('d', '$2')} as needs_ubl from billing_document d
       where d.id = any($1::text[]) and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID') order by d.id`,
      [ids, UBL_SKIP_CODES_RETRIED],
    );
    return this.renderPage(rows.filter((r) => r.needs_pdf || r.needs_ubl));
  }

  /** Renders the given documents' missing renditions and records them. */
  async renderPage(rows: readonly { id: string; needs_pdf: boolean; needs_ubl: boolean }[]): Promise<RenditionRow[]> {
    if (rows.length === 0) return [];
    const wanted = new Map(rows.map((r) => [r.id, r]));
    const renditions: RenditionRow[] = [];
    for (const view of await loadDocumentViews(this.pool, [...wanted.keys()])) {
      const want = wanted.get(view.id)!;
      if (want.needs_pdf) renditions.push(await this.put(view, 'PDF', await renderPdf(view)));
      if (want.needs_ubl) renditions.push(await this.ubl(view));
    }
    await this.record(renditions);
    return renditions;
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
    await this.pool.query(
      `insert into billing_rendition (document_id, kind, status, storage_key, sha256, bytes, skip_code, skip_reason, created_at)
       select document_id, kind, status, storage_key, sha256, bytes, skip_code, skip_reason, $2 from jsonb_to_recordset($1::jsonb)
         as t(document_id text, kind text, status text, storage_key text, sha256 text, bytes int, skip_code text, skip_reason text)
       on conflict (document_id, kind) do update set status = excluded.status, storage_key = excluded.storage_key, sha256 = excluded.sha256,
         bytes = excluded.bytes, skip_code = excluded.skip_code, skip_reason = excluded.skip_reason, created_at = excluded.created_at
       where billing_rendition.status = 'SKIPPED'
         and (billing_rendition.status, billing_rendition.skip_code, billing_rendition.skip_reason)
           is distinct from (excluded.status, excluded.skip_code, excluded.skip_reason)`,
      [JSON.stringify(renditions), new Date(this.clock.nowMs())],
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
