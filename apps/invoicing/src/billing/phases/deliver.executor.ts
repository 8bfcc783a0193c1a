/**
 * DELIVER, one shard: a delivery per issued document and channel, once (the key is document and
 * channel). Today every account is served by the portal: the API serves the document's PDF to a
 * caller entitled to it (GET /v1/billing/documents/{id}/pdf), so the PORTAL delivery is SENT as soon
 * as its PDF exists. Email and SMS channels come with the accounts' delivery preferences.
 */
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

export class DeliverExecutor implements PhaseExecutor {
  readonly phase = 'DELIVER' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const now = new Date(this.d.clock.nowMs());
    const res = await this.d.pool.query(
      `insert into billing_delivery (document_id, channel, recipient, status, attempts, next_attempt_at, message_id, created_at, updated_at, sent_at)
       select d.id, 'PORTAL', d.account_id, 'SENT', 1, $3, 'portal:' || d.id, $3, $3, $3
       from billing_document d join billing_run_account a on a.run_id = d.run_id and a.account_id = d.account_id
       join billing_rendition r on r.document_id = d.id and r.kind = 'PDF'
       where d.run_id = $1 and a.shard_index = $2 and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')
       on conflict do nothing`,
      [ctx.run.id, ctx.step.shardIndex, now],
    );
    await ctx.progress(res.rowCount ?? 0, res.rowCount ?? 0);
  }
}
