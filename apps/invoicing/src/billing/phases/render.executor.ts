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
import { UBL_SKIP_CODES_RETRIED } from '../einvoice/from-issued-document';
import { DocumentRenderer, needsPdfSql, needsUblSql } from '../render/document-renderer';
import type { DocumentStore } from '../render/document-store';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

/** Documents rendered per page. */
export const RENDER_PAGE_DOCUMENTS = 200;

export class RenderExecutor implements PhaseExecutor {
  readonly phase = 'RENDER' as const;
  private readonly renderer: DocumentRenderer;

  constructor(
    private readonly d: Pick<BillingDeps, 'pool' | 'clock' | 'logger'>,
    store: DocumentStore,
  ) {
    this.renderer = new DocumentRenderer(d.pool, store, d.clock);
  }

  async execute(ctx: StepContext): Promise<void> {
    const { pool } = this.d;
    const needsPdf = needsPdfSql('d');
    const needsUbl = needsUblSql('d', '$3');
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
      for (const r of await this.renderer.renderPage(rows)) {
        if (r.skip_code === null) continue;
        const count = skipped.get(r.skip_code) ?? { documents: 0, example: `${r.document_id}: ${r.skip_reason}` };
        skipped.set(r.skip_code, { ...count, documents: count.documents + 1 });
      }
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
}
