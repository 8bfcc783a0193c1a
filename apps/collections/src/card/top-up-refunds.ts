/**
 * A card top-up that charging refused (the account closed, not prepaid, over its limit) was paid by
 * the card but never credited: its money goes back to the card by itself. The refund is requested
 * through Refunds (source CARD_TOP_UP, method CARD, whole), so it passes the same circuit breakers and
 * four-eyes approval as every other refund; one the breakers hold waits for an approver, one they pass is sent
 * to the gateway at once.
 *
 * Once: the request's idempotency key is `top-up-refused|<card payment>`, so asking again (after a
 * crash, from the sweep) answers the same refund. Asked right after charging refused the top-up
 * (sync-card-payment.usecase.ts), and by the card reconciler's sweep for every refused top-up that has
 * no refund yet (a crash between the refusal and the request). A refund that failed or was rejected is
 * an operator's to ask again (POST /v1/collections/refunds with `cardPaymentId`).
 */
import type { Pool } from 'pg';
import type { RefundView, Refunds } from '../refunds/refunds';

export const TOP_UP_REFUND_ACTOR = 'collections:top-up';
export const TOP_UP_REFUND_REASON = 'card top-up refused by charging';
/** Refused top-ups one sweep requests refunds for (the next sweep takes the rest). */
export const TOP_UP_REFUND_SWEEP_MAX = 200;

export class TopUpRefunds {
  constructor(
    private readonly pool: Pool,
    private readonly refunds: Refunds,
  ) {}

  /** The refund of one refused top-up, requested (or answered, when it was) under its key. */
  async refund(cardPaymentId: string, nowMs: number): Promise<RefundView> {
    const { refund } = await this.refunds.request(
      {
        idempotencyKey: `top-up-refused|${cardPaymentId}`,
        paymentId: null,
        documentId: null,
        depositId: null,
        cardPaymentId,
        amountMinor: null,
        method: 'CARD',
        payee: null,
        reason: TOP_UP_REFUND_REASON,
        actor: TOP_UP_REFUND_ACTOR,
      },
      nowMs,
    );
    return refund;
  }

  /** Requests the refunds of refused top-ups that have none; the refunds requested. */
  async sweep(nowMs: number): Promise<RefundView[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `select cp.id from card_payment cp
       where cp.purpose = 'TOP_UP' and cp.status = 'SUCCEEDED' and cp.top_up_status = 'REFUSED' and cp.charged_back_at is null
         and not exists (select 1 from refund r where r.card_payment_id = cp.id)
       order by cp.updated_at, cp.id limit $1`,
      [TOP_UP_REFUND_SWEEP_MAX],
    );
    const out: RefundView[] = [];
    for (const { id } of rows) out.push(await this.refund(id, nowMs));
    return out;
  }
}
