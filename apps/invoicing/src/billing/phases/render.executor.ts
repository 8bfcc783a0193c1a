/**
 * RENDER, one shard: the PDF of every issued document of the shard's accounts that has none yet,
 * into the document store, recorded with its key and digest (billing_rendition). A page of
 * documents at a time; a step redone after a crash renders what is missing only, and a file
 * rendered again has the same bytes (pdf-renderer.ts is deterministic).
 */
import { createHash } from 'node:crypto';
import type { DocumentStore } from '../render/document-store';
import { renditionKey } from '../render/document-store';
import { loadDocumentViews } from '../render/document-view';
import { renderPdf } from '../render/pdf-renderer';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

/** Documents rendered per page. */
export const RENDER_PAGE_DOCUMENTS = 200;

export class RenderExecutor implements PhaseExecutor {
  readonly phase = 'RENDER' as const;

  constructor(
    private readonly d: BillingDeps,
    private readonly store: DocumentStore,
  ) {}

  async execute(ctx: StepContext): Promise<void> {
    const { pool } = this.d;
    const pending = `from billing_document d join billing_run_account a on a.run_id = d.run_id and a.account_id = d.account_id
      where d.run_id = $1 and a.shard_index = $2 and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID')
        and not exists (select 1 from billing_rendition r where r.document_id = d.id and r.kind = 'PDF')`;
    const total = (await pool.query<{ n: number }>(`select count(*)::int as n ${pending}`, [ctx.run.id, ctx.step.shardIndex])).rows[0].n;
    let done = 0;
    await ctx.progress(0, total);
    for (;;) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const { rows } = await pool.query<{ id: string }>(`select d.id ${pending} order by d.id limit $3`, [
        ctx.run.id,
        ctx.step.shardIndex,
        RENDER_PAGE_DOCUMENTS,
      ]);
      if (rows.length === 0) break;
      const views = await loadDocumentViews(
        pool,
        rows.map((r) => r.id),
      );
      const renditions = [];
      for (const v of views) {
        const pdf = await renderPdf(v);
        const key = renditionKey({ legalEntityId: v.legalEntityId, issueDate: v.issueDate, number: v.number, kind: 'PDF' });
        await this.store.put(key, pdf);
        renditions.push({ document_id: v.id, storage_key: key, sha256: createHash('sha256').update(pdf).digest('hex'), bytes: pdf.length });
      }
      await pool.query(
        `insert into billing_rendition (document_id, kind, storage_key, sha256, bytes, created_at)
         select document_id, 'PDF', storage_key, sha256, bytes, $2 from jsonb_to_recordset($1::jsonb)
           as t(document_id text, storage_key text, sha256 text, bytes int)
         on conflict do nothing`,
        [JSON.stringify(renditions), new Date(this.d.clock.nowMs())],
      );
      done += rows.length;
      await ctx.progress(done, total);
    }
  }
}
