/**
 * Brings one card payment up to date with the gateway, whoever asks (the call that created it, a
 * webhook, the reconciler, an operator's refresh, a rerun after a crash). Never trusts anything but
 * the gateway's answer to OUR request:
 *
 *   PENDING without an intent id (the create call timed out or the process died): create the intent
 *     again with the same Idempotency-Key; the gateway returns the one it already has, or makes it now.
 *   PENDING with an intent id: fetch the intent.
 *   succeeded -> the money goes in as a payment (channel CARD, bank reference = the intent id)
 *     through the existing allocation path (PaymentApplier: documents locked, allocations, ledger),
 *     then the row is SUCCEEDED. Both steps are idempotent (the payment's unique key; `where status =
 *     'PENDING'`), so a crash between them is repaired by the next sync.
 *   failed -> FAILED with the gateway's code; nothing is allocated.
 *   processing, or no answer (timeout) -> stays PENDING.
 *   A top-up (purpose TOP_UP) that succeeded is then sent to charging, keyed by the card payment id;
 *     one charging refuses is refunded to the card by itself (top-up-refunds.ts).
 *   SUCCEEDED, asked by a webhook: the intent is fetched again; a chargeback on it (the issuer took
 *     the money back) reverses the collections payment it made (reversePayment: its allocations undone,
 *     the documents open again, PAYMENT_RETURNED with reason "CHARGEBACK <reason>") and is recorded on
 *     the card payment, once, in one transaction. A partial chargeback (the issuer took part of it) does
 *     the same, and in the same transaction receives what the customer kept as a new card payment
 *     (bank reference `<intent>:kept`), matched like the first to the same document: the ledger sees
 *     the whole receipt returned and the rest received again, so BANK moves by what the issuer took.
 *   A charged-back top-up (purpose TOP_UP) that charging credited (DONE) is taken back from the prepaid
 *     balance: charging's top-up reversal of what the issuer took (once per top-up there), then
 *     REVERSED; a refusal is REVERSAL_REFUSED (logged, an operator's case); no answer leaves it DONE
 *     and the reconciler asks again. One still PENDING is credited first (its id is needed), then
 *     taken back.
 */
import type { Logger } from '@app/observability';
import type { Clock } from '@app/observability';
import type { PaymentApplier } from '../matching/apply-payment';
import type { ReceivedPayment } from '../payments/statements/statement-types';
import type { Pool } from 'pg';
import { withTransaction } from '@app/db';
import { reversePayment } from '../matching/reverse-payment';
import type { CardMetrics } from './card-metrics';
import { type CardPaymentRow, type CardPaymentStore } from './card-payment-store';
import type { ChargingTopUps } from './charging-top-ups';
import type { TopUpRefunds } from './top-up-refunds';
import { GatewayError, type PaymentGateway, type PaymentIntent } from './payment-gateway.port';

/** payment.source of every card payment: the gateway. */
export const CARD_PAYMENT_SOURCE = 'card-gateway';

export interface CardDeps {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  store: CardPaymentStore;
  applier: PaymentApplier;
  metrics: CardMetrics;
  /** Undefined when CARD_GATEWAY_URL is not configured. */
  gateway: PaymentGateway | undefined;
  /** Undefined when CHARGING_API_URL is not configured. */
  topUps: ChargingTopUps | undefined;
  /** Refunds refused top-ups; set once the process has built its refunds (CardFeature.useRefunds). */
  topUpRefunds?: TopUpRefunds;
}

export class SyncCardPayment {
  constructor(private readonly d: CardDeps) {}

  /** `checkChargeback`: also look at a SUCCEEDED payment's intent again (a webhook said something happened to it). */
  async execute(id: string, opts: { checkChargeback?: boolean } = {}): Promise<CardPaymentRow | undefined> {
    let row = await this.d.store.get(id);
    if (row === undefined) return undefined;
    if (row.status === 'PENDING') {
      const intent = await this.fetchIntent(row);
      if (intent !== undefined) await this.settle(row, intent);
      row = (await this.d.store.get(id))!;
    } else if (row.status === 'SUCCEEDED' && row.charged_back_at === null && opts.checkChargeback === true) {
      const chargeback = (await this.fetchIntent(row))?.chargeback;
      if (chargeback) {
        await this.chargeBack(row, chargeback);
        row = (await this.d.store.get(id))!;
      }
    }
    if (row.top_up_status === 'PENDING') {
      await this.pushTopUp(row);
      row = (await this.d.store.get(id))!;
    }
    if (row.top_up_status === 'DONE' && row.charged_back_at !== null) {
      await this.takeBackTopUp(row);
      row = (await this.d.store.get(id))!;
    }
    return row;
  }

  private async fetchIntent(row: CardPaymentRow): Promise<PaymentIntent | undefined> {
    const gateway = this.d.gateway;
    if (gateway === undefined) return undefined;
    try {
      const intent =
        row.gateway_intent_id === null
          ? await gateway.createIntent({
              idempotencyKey: row.id,
              amountMinor: BigInt(row.amount_minor),
              currency: row.currency,
              cardToken: row.gateway_token,
              description: row.document_id === null ? `top-up ${row.account_id}` : `document ${row.document_id}`,
            })
          : await gateway.getIntent(row.gateway_intent_id);
      assertSameIntent(row, intent);
      await this.d.store.setIntent(row.id, intent.id, new Date(this.d.clock.nowMs()));
      return intent;
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      this.d.metrics.gatewayErrors.inc({ code: e.code });
      this.d.logger.warn(
        { cardPaymentId: row.id, code: e.code, err: e.message },
        'card gateway gave no usable answer; the payment stays PENDING',
      );
      return undefined;
    }
  }

  private async settle(row: CardPaymentRow, intent: PaymentIntent): Promise<void> {
    const now = new Date(this.d.clock.nowMs());
    if (intent.status === 'failed') {
      if (await this.d.store.markFailed(row.id, intent.failureCode ?? 'failed', now)) this.d.metrics.payments.inc({ result: 'failed' });
      return;
    }
    if (intent.status !== 'succeeded') return;
    let paymentId: string | null = null;
    if (row.purpose === 'INVOICE') {
      const received = await this.receivedPayment(row, intent.id, BigInt(row.amount_minor), now);
      paymentId = (await this.d.applier.apply(received, { importId: null, nowMs: now.getTime() })).paymentId;
    }
    if (await this.d.store.markSucceeded(row.id, paymentId, row.purpose === 'TOP_UP', now))
      this.d.metrics.payments.inc({ result: 'succeeded' });
  }

  /** The payment as the matching rules read it: the document's RF reference and number, so rule 1 or 2 finds it. */
  private async receivedPayment(row: CardPaymentRow, bankReference: string, amountMinor: bigint, now: Date): Promise<ReceivedPayment> {
    const { rows } = await this.d.pool.query<{ payment_reference: string | null; number_text: string | null }>(
      `select payment_reference, number_text from billing_document where id = $1`,
      [row.document_id],
    );
    const doc = rows[0];
    if (doc === undefined) throw new Error(`card payment ${row.id}: document ${row.document_id} vanished`);
    const day = now.toISOString().slice(0, 10);
    return {
      kind: 'payment',
      channel: 'CARD',
      source: CARD_PAYMENT_SOURCE,
      bankReference,
      currency: row.currency,
      amountMinor,
      valueDate: day,
      bookingDate: day,
      endToEndId: null,
      creditorReferences: doc.payment_reference === null ? [] : [doc.payment_reference],
      remittanceInfo: `card payment ${row.id} ${doc.number_text ?? ''}`.trim(),
      debtorName: null,
    };
  }

  /**
   * Reverses what the card payment paid and records the chargeback, once (the row locked, then checked);
   * a partial one receives what the customer kept again, in the same transaction.
   */
  private async chargeBack(row: CardPaymentRow, chargeback: { id: string; reason: string; amountMinor: bigint }): Promise<void> {
    const now = new Date(this.d.clock.nowMs());
    const kept = BigInt(row.amount_minor) - chargeback.amountMinor;
    const residual =
      row.payment_id !== null && kept > 0n ? await this.receivedPayment(row, `${row.gateway_intent_id}:kept`, kept, now) : undefined;
    const recorded = await withTransaction(this.d.pool, async (c) => {
      const { rows } = await c.query<{ charged_back_at: Date | null }>(
        `select charged_back_at from card_payment where id = $1 for update`,
        [row.id],
      );
      if (rows[0]?.charged_back_at !== null) return false;
      if (row.payment_id !== null)
        await reversePayment(c, {
          paymentId: row.payment_id,
          reason: `CHARGEBACK ${chargeback.reason}${kept > 0n ? ` (${chargeback.amountMinor} of ${row.amount_minor})` : ''}`,
          postedOn: now.toISOString().slice(0, 10),
          now,
        });
      const residualId =
        residual === undefined ? null : (await this.d.applier.applyIn(c, residual, { importId: null, nowMs: now.getTime() })).paymentId;
      await c.query(
        `update card_payment set chargeback_id = $2, chargeback_reason = $3, charged_back_at = $4, chargeback_minor = $5,
           chargeback_residual_payment_id = $6, updated_at = $4 where id = $1`,
        [row.id, chargeback.id, chargeback.reason, now, chargeback.amountMinor.toString(), residualId],
      );
      await c.query(
        `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ('card-gateway', 'card_payment.chargeback', 'card_payment', $1, $2, $3)`,
        [
          row.id,
          JSON.stringify({
            chargebackId: chargeback.id,
            reason: chargeback.reason,
            amountMinor: chargeback.amountMinor.toString(),
            paymentId: row.payment_id,
            residualPaymentId: residualId,
          }),
          now,
        ],
      );
      return true;
    });
    if (!recorded) return;
    this.d.metrics.payments.inc({ result: 'charged_back' });
    if (row.purpose === 'TOP_UP')
      this.d.logger.warn(
        { cardPaymentId: row.id, accountId: row.account_id, chargebackId: chargeback.id },
        'a card top-up was charged back: taking it back from the prepaid balance',
      );
    else
      this.d.logger.warn(
        { cardPaymentId: row.id, paymentId: row.payment_id, chargebackId: chargeback.id },
        'card payment charged back: payment reversed',
      );
  }

  /** The card gets its money back; a failure to ask is left to the reconciler's sweep. */
  private async refundRefused(cardPaymentId: string, error: string): Promise<void> {
    if (this.d.topUpRefunds === undefined) {
      this.d.logger.error(
        { cardPaymentId, err: error },
        'charging refused the top-up of a paid card payment, and refunds are not configured: refund it',
      );
      return;
    }
    try {
      const refund = await this.d.topUpRefunds.refund(cardPaymentId, this.d.clock.nowMs());
      this.d.logger.warn(
        { cardPaymentId, err: error, refundId: refund.id, refundStatus: refund.status, holdReasons: refund.holdReasons },
        'charging refused the top-up of a paid card payment: refund requested',
      );
    } catch (e) {
      this.d.logger.error(
        { cardPaymentId, err: String(e) },
        'charging refused a paid top-up and its refund could not be requested; the reconciler asks again',
      );
    }
  }

  /** Charging's reversal of what the issuer took of a credited top-up. */
  private async takeBackTopUp(row: CardPaymentRow): Promise<void> {
    if (this.d.topUps === undefined || row.top_up_id === null || row.chargeback_minor === null) return;
    const r = await this.d.topUps.reverse({
      accountId: row.account_id,
      topUpId: row.top_up_id,
      amountMinor: BigInt(row.chargeback_minor),
      currency: row.currency,
    });
    this.d.metrics.topUps.inc({ result: `reversal_${r.kind.toLowerCase()}` });
    const now = new Date(this.d.clock.nowMs());
    if (r.kind === 'DONE') {
      await this.d.store.markTopUpReversal(row.id, { status: 'REVERSED', reversalId: r.topUpId }, now);
      this.d.logger.warn(
        {
          cardPaymentId: row.id,
          accountId: row.account_id,
          topUpId: row.top_up_id,
          reversalId: r.topUpId,
          amountMinor: row.chargeback_minor,
        },
        'a charged-back card top-up was taken back from the prepaid balance',
      );
    } else if (r.kind === 'REFUSED') {
      await this.d.store.markTopUpReversal(row.id, { status: 'REVERSAL_REFUSED', error: r.error }, now);
      this.d.logger.error(
        { cardPaymentId: row.id, accountId: row.account_id, err: r.error },
        'charging refused to take a charged-back top-up back: act on the account by hand',
      );
    } else this.d.logger.warn({ cardPaymentId: row.id, err: r.error }, 'top-up reversal not confirmed by charging; will retry');
  }

  private async pushTopUp(row: CardPaymentRow): Promise<void> {
    if (this.d.topUps === undefined) return;
    const r = await this.d.topUps.topUp({
      accountId: row.account_id,
      idempotencyKey: row.id,
      amountMinor: BigInt(row.amount_minor),
      currency: row.currency,
    });
    this.d.metrics.topUps.inc({ result: r.kind.toLowerCase() });
    const now = new Date(this.d.clock.nowMs());
    if (r.kind === 'DONE') await this.d.store.markTopUp(row.id, { status: 'DONE', topUpId: r.topUpId }, now);
    else if (r.kind === 'REFUSED') {
      await this.d.store.markTopUp(row.id, { status: 'REFUSED', error: r.error }, now);
      await this.refundRefused(row.id, r.error);
    } else this.d.logger.warn({ cardPaymentId: row.id, err: r.error }, 'top-up not confirmed by charging; will retry');
  }
}

/** The gateway answered about another charge than ours: a bug or a confused gateway, never money to book. */
function assertSameIntent(row: CardPaymentRow, intent: PaymentIntent): void {
  if (intent.idempotencyKey !== row.id || intent.amountMinor !== BigInt(row.amount_minor) || intent.currency !== row.currency)
    throw new Error(
      `card payment ${row.id}: the gateway's intent ${intent.id} is for ${intent.idempotencyKey} ${intent.amountMinor} ${intent.currency}`,
    );
  if (row.gateway_intent_id !== null && row.gateway_intent_id !== intent.id)
    throw new Error(`card payment ${row.id}: recorded intent ${row.gateway_intent_id}, gateway answered ${intent.id}`);
}
