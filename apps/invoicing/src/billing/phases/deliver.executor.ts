/**
 * DELIVER, one shard: the deliveries of every issued document of the shard's accounts that has its
 * PDF, through the delivery store (apps/invoicing/src/delivery): always the portal (the API serves
 * the PDF to the account's users), and unless the account is portal-only, an email with the PDF to
 * its delivery address and an SMS notice to its delivery number (billing terms). Each document and
 * channel is one delivery, once: enqueueing again finds the same row. The delivery process sends
 * them, retries with back-off and records each status; DELIVER only hands them over.
 */
import { PgDeliveryStore } from '../../delivery/delivery-store';
import type { DeliveryChannel, DeliveryPayload } from '../../delivery/delivery-types';
import { formatAmount } from '../render/document-view';
import type { PhaseExecutor, StepContext } from '../run/run-worker';
import type { BillingDeps } from './billing-deps';

const TITLES: Record<string, string> = {
  INVOICE: 'Invoice',
  CREDIT_NOTE: 'Credit note',
  DEBIT_NOTE: 'Debit note',
  ADVANCE_INVOICE: 'Advance invoice',
};

interface Row {
  id: string;
  type: string;
  number_text: string;
  account_id: string;
  gross_minor: string;
  currency: string;
  due_date: string;
  storage_key: string;
  delivery_email: string | null;
  delivery_sms_msisdn: string | null;
  delivery_portal_only: boolean | null;
}

export class DeliverExecutor implements PhaseExecutor {
  readonly phase = 'DELIVER' as const;

  constructor(private readonly d: BillingDeps) {}

  async execute(ctx: StepContext): Promise<void> {
    const store = new PgDeliveryStore(this.d.pool, this.d.clock);
    const { rows } = await this.d.pool.query<Row>(
      `select d.id, d.type, d.number_text, d.account_id, d.gross_minor::text, trim(d.currency) as currency, to_char(d.due_date, 'YYYY-MM-DD') as due_date,
         r.storage_key, a.delivery_email, a.delivery_sms_msisdn, a.delivery_portal_only
       from billing_document d join billing_run_account ra on ra.run_id = d.run_id and ra.account_id = d.account_id
       join billing_rendition r on r.document_id = d.id and r.kind = 'PDF'
       left join billing_account a on a.id = d.account_id
       where d.run_id = $1 and ra.shard_index = $2 and d.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')
       order by d.account_id collate "C", d.id`,
      [ctx.run.id, ctx.step.shardIndex],
    );
    await ctx.progress(0, rows.length);
    let done = 0;
    for (const r of rows) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const title = `${TITLES[r.type] ?? r.type} ${r.number_text}`;
      const amount = formatAmount(BigInt(r.gross_minor), r.currency);
      const file = `${r.number_text}.pdf`;
      const channels: [DeliveryChannel, string, DeliveryPayload][] = [
        ['PORTAL', r.account_id, { text: `${title} is in your account`, attachmentKey: r.storage_key, attachmentName: file }],
      ];
      if (!r.delivery_portal_only) {
        if (r.delivery_email)
          channels.push([
            'EMAIL',
            r.delivery_email,
            {
              subject: title,
              text: `${title}: ${amount}${r.type === 'CREDIT_NOTE' ? ' credited to your account' : `, due on ${r.due_date}`}. The document is attached.`,
              attachmentKey: r.storage_key,
              attachmentName: file,
            },
          ]);
        if (r.delivery_sms_msisdn)
          channels.push([
            'SMS',
            r.delivery_sms_msisdn,
            { text: `${title}: ${amount}${r.type === 'CREDIT_NOTE' ? ' credited' : `, due ${r.due_date}`}.` },
          ]);
      }
      for (const [channel, recipient, payload] of channels)
        await store.enqueue({ subjectKind: 'DOCUMENT', subjectId: r.id, channel, recipient, payload });
      await ctx.progress(++done, rows.length);
    }
  }
}
