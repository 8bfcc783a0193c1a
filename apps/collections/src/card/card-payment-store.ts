/**
 * The card_payment rows (migration 20261203001400): written BEFORE the gateway is called, then moved
 * once from PENDING to SUCCEEDED or FAILED (`where status = 'PENDING'`, so two settlers never both
 * win). SQL only; the use cases decide.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

export const CARD_PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type CardPaymentStatus = (typeof CARD_PAYMENT_STATUSES)[number];
export type CardPurpose = 'INVOICE' | 'TOP_UP';

export interface CardPaymentRow {
  id: string;
  purpose: CardPurpose;
  account_id: string;
  document_id: string | null;
  currency: string;
  amount_minor: string;
  gateway_token: string;
  status: CardPaymentStatus;
  gateway_intent_id: string | null;
  failure_code: string | null;
  payment_id: string | null;
  autopay_attempt: number | null;
  top_up_status: 'PENDING' | 'DONE' | 'REFUSED' | 'REVERSED' | 'REVERSAL_REFUSED' | null;
  top_up_reversal_id: string | null;
  top_up_id: string | null;
  top_up_error: string | null;
  requested_by: string;
  created_at: Date;
  updated_at: Date;
  settled_at: Date | null;
  chargeback_id: string | null;
  chargeback_reason: string | null;
  charged_back_at: Date | null;
  chargeback_minor: string | null;
  chargeback_residual_payment_id: string | null;
}

export interface NewCardPayment {
  id: string;
  purpose: CardPurpose;
  accountId: string;
  documentId: string | null;
  currency: string;
  amountMinor: bigint;
  gatewayToken: string;
  autopayAttempt: number | null;
  requestedBy: string;
}

/** The card payment's id, which is also the gateway's Idempotency-Key: derived from the request's own key, so it survives a crash. */
export function cardPaymentIdOf(requestKey: string): string {
  return `cp-${createHash('sha256').update(requestKey).digest('hex').slice(0, 40)}`;
}

export type InsertResult = { inserted: true; row: CardPaymentRow } | { inserted: false; row: CardPaymentRow } | { inFlight: string };

export class CardPaymentStore {
  constructor(private readonly pool: Pool) {}

  /** Inserts the PENDING row, or finds the one with this id; another PENDING payment of the document: `inFlight`. */
  async insert(p: NewCardPayment, now: Date): Promise<InsertResult> {
    try {
      const { rows } = await this.pool.query<CardPaymentRow>(
        `insert into card_payment (id, purpose, account_id, document_id, currency, amount_minor, gateway_token, status, autopay_attempt,
           requested_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'PENDING', $8, $9, $10, $10) on conflict (id) do nothing returning *`,
        [
          p.id,
          p.purpose,
          p.accountId,
          p.documentId,
          p.currency,
          p.amountMinor.toString(),
          p.gatewayToken,
          p.autopayAttempt,
          p.requestedBy,
          now,
        ],
      );
      if (rows.length === 1) return { inserted: true, row: rows[0] };
    } catch (e) {
      if ((e as { code?: string; constraint?: string }).constraint === 'card_payment_in_flight') {
        const inFlight = await this.pool.query<{ id: string }>(
          `select id from card_payment where document_id = $1 and status = 'PENDING'`,
          [p.documentId],
        );
        return { inFlight: inFlight.rows[0]?.id ?? 'unknown' };
      }
      throw e;
    }
    const existing = await this.get(p.id);
    if (existing === undefined) throw new Error(`card payment ${p.id}: conflict on insert but no row`);
    return { inserted: false, row: existing };
  }

  async get(id: string): Promise<CardPaymentRow | undefined> {
    const { rows } = await this.pool.query<CardPaymentRow>(`select * from card_payment where id = $1`, [id]);
    return rows[0];
  }

  async byIntent(intentId: string): Promise<CardPaymentRow | undefined> {
    const { rows } = await this.pool.query<CardPaymentRow>(`select * from card_payment where gateway_intent_id = $1`, [intentId]);
    return rows[0];
  }

  async setIntent(id: string, intentId: string, now: Date): Promise<void> {
    const { rowCount } = await this.pool.query(
      `update card_payment set gateway_intent_id = $2, updated_at = $3 where id = $1 and (gateway_intent_id is null or gateway_intent_id = $2)`,
      [id, intentId, now],
    );
    if (rowCount !== 1) throw new Error(`card payment ${id}: the gateway gave another intent than the one recorded`);
  }

  /** PENDING -> SUCCEEDED (a top-up then waits for charging); false when it had already settled. */
  async markSucceeded(id: string, paymentId: string | null, topUp: boolean, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update card_payment set status = 'SUCCEEDED', payment_id = $2, top_up_status = case when $3 then 'PENDING' end, settled_at = $4, updated_at = $4
       where id = $1 and status = 'PENDING'`,
      [id, paymentId, topUp, now],
    );
    return rowCount === 1;
  }

  async markFailed(id: string, failureCode: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update card_payment set status = 'FAILED', failure_code = $2, settled_at = $3, updated_at = $3 where id = $1 and status = 'PENDING'`,
      [id, failureCode.slice(0, 64), now],
    );
    return rowCount === 1;
  }

  /** A charged-back top-up taken back by charging (REVERSED, with the reversal's id) or refused there (REVERSAL_REFUSED). */
  async markTopUpReversal(
    id: string,
    r: { status: 'REVERSED'; reversalId: string } | { status: 'REVERSAL_REFUSED'; error: string },
    now: Date,
  ): Promise<void> {
    await this.pool.query(
      `update card_payment set top_up_status = $2, top_up_reversal_id = $3, top_up_error = coalesce($4, top_up_error), updated_at = $5
       where id = $1 and top_up_status = 'DONE' and charged_back_at is not null`,
      [id, r.status, r.status === 'REVERSED' ? r.reversalId : null, r.status === 'REVERSAL_REFUSED' ? r.error.slice(0, 2000) : null, now],
    );
  }

  async markTopUp(id: string, r: { status: 'DONE'; topUpId: string } | { status: 'REFUSED'; error: string }, now: Date): Promise<void> {
    await this.pool.query(
      `update card_payment set top_up_status = $2, top_up_id = $3, top_up_error = $4, updated_at = $5 where id = $1 and top_up_status = 'PENDING'`,
      [id, r.status, r.status === 'DONE' ? r.topUpId : null, r.status === 'REFUSED' ? r.error.slice(0, 2000) : null, now],
    );
  }

  async list(p: {
    accountId?: string;
    status?: CardPaymentStatus;
    limit: number;
    offset: number;
  }): Promise<{ items: CardPaymentRow[]; total: number }> {
    const where = `where ($1::text is null or account_id = $1) and ($2::text is null or status = $2)`;
    const args = [p.accountId ?? null, p.status ?? null];
    const { rows } = await this.pool.query<CardPaymentRow>(
      `select * from card_payment ${where} order by created_at desc, id limit $3 offset $4`,
      [...args, p.limit, p.offset],
    );
    const total = await this.pool.query<{ n: string }>(`select count(*)::text as n from card_payment ${where}`, args);
    return { items: rows, total: Number(total.rows[0].n) };
  }

  /** Card payments still waiting (on the gateway, or on charging for a top-up), untouched for at least `minAgeMs`, oldest first. */
  async unsettled(p: { now: Date; minAgeMs: number; limit: number }): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `select id from card_payment
       where (status = 'PENDING' or top_up_status = 'PENDING' or (top_up_status = 'DONE' and charged_back_at is not null))
         and updated_at <= $1 order by updated_at limit $2`,
      [new Date(p.now.getTime() - p.minAgeMs), p.limit],
    );
    return rows.map((r) => r.id);
  }
}

/** A card payment as the API shows it (money as decimal strings of minor units). */
export function cardPaymentView(r: CardPaymentRow): Record<string, unknown> {
  return {
    id: r.id,
    purpose: r.purpose,
    accountId: r.account_id,
    documentId: r.document_id,
    currency: r.currency,
    amountMinor: r.amount_minor,
    status: r.status,
    gatewayIntentId: r.gateway_intent_id,
    failureCode: r.failure_code,
    paymentId: r.payment_id,
    autopayAttempt: r.autopay_attempt,
    topUp:
      r.top_up_status === null
        ? null
        : { status: r.top_up_status, topUpId: r.top_up_id, reversalId: r.top_up_reversal_id, error: r.top_up_error },
    requestedBy: r.requested_by,
    createdAt: r.created_at.toISOString(),
    settledAt: r.settled_at === null ? null : r.settled_at.toISOString(),
    chargeback:
      r.chargeback_id === null
        ? null
        : {
            id: r.chargeback_id,
            reason: r.chargeback_reason,
            at: r.charged_back_at!.toISOString(),
            amountMinor: r.chargeback_minor,
            residualPaymentId: r.chargeback_residual_payment_id,
          },
  };
}
