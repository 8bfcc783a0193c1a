/**
 * Refunds: money going back to a customer (issue 10, section 3), from account credit (the unapplied
 * part of one payment), from an issued credit note, from a deposit, or from a card top-up charging
 * refused (source CARD_TOP_UP: the card payment, refunded whole to its card; card/top-up-refunds.ts
 * requests it by itself), by bank transfer or to the card the payment came from. Every refund passes the circuit breakers (circuit-breakers.ts); one that trips any is HELD until
 * a second person with the approver role releases or rejects it (four eyes: never the requester,
 * enforced here and by a CHECK in the database). Every decision is in the audit log.
 *
 * Money moves once:
 * - The request is keyed by the caller's Idempotency-Key (the refund's id is derived from it); the
 *   same key again answers the refund, with another request it is a CONFLICT.
 * - What it takes is reserved in the request's transaction, under the source's row lock: the
 *   payment's unapplied part moves to `refunded_minor` (or the credit note's paid amount goes up), and
 *   the ledger gets REFUND_REQUESTED: UNAPPLIED_CASH(account) +amount (AR(account) for a credit note,
 *   DEPOSITS_HELD for a deposit, TOP_UPS_REFUSED for a refused card top-up), REFUNDS_PAYABLE(account)
 *   -amount. A refused top-up's money first enters the ledger, once, in the first refund's
 *   transaction: TOP_UP_REFUSED, BANK +amount, TOP_UPS_REFUSED(account) -amount (charging never credited
 *   it, so it is owed back); a refund of it is whole, and one that stands blocks another. Two refunds can never spend the same credit.
 * - A card refund is claimed (APPROVED or SENDING -> SENDING, attempts + 1) before the gateway is
 *   called with the refund's id as the idempotency key, so a crash, a timeout or a second sender asks
 *   again with the same key and the gateway answers the refund it made: never a second payout.
 *   Succeeded: SUCCEEDED and REFUND_PAID (REFUNDS_PAYABLE +amount, BANK -amount). Declined or refused:
 *   FAILED, the reservation given back (REFUND_RELEASED). No answer: it stays SENDING for the resender.
 * - A bank refund waits, APPROVED, for the next credit-transfer batch (credit-transfers.ts), which
 *   makes it SENT and posts REFUND_PAID in the batch's transaction.
 * - A rejected refund gives its reservation back (REFUND_RELEASED, the payment's credit restored).
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@app/db';
import { ibanProblem, maskIban } from '@app/money';
import type { Logger } from '@app/observability';
import { GatewayError, type PaymentGateway } from '../card/payment-gateway.port';
import { LEDGER_ACCOUNT, type LedgerLeg, postLedgerTransaction } from '../matching/ledger-accounts';
import { writeCollectionsEvents } from '../events/collections-outbox';
import { CollectionsError, CollectionsErrorCode } from '../payments/collections-error';
import { IDEMPOTENCY_KEY_PATTERN, isId, POSITIVE_MINOR_PATTERN, readIdempotencyKey, readText as text } from '../payments/query-params';
import {
  type BreakerLimits,
  type GatewayHealth,
  holdReasons,
  type HoldReason,
  REFUND_AVERAGE_MONTHS,
  type RefundFacts,
} from './circuit-breakers';

export const REFUND_METHODS = ['BANK_TRANSFER', 'CARD'] as const;
export type RefundSourceKind = 'ACCOUNT_CREDIT' | 'CREDIT_NOTE' | 'DEPOSIT' | 'CARD_TOP_UP';
export type RefundMethod = (typeof REFUND_METHODS)[number];
export const REFUND_STATUSES = ['HELD', 'APPROVED', 'SENDING', 'SENT', 'SUCCEEDED', 'FAILED', 'REJECTED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
/** Largest refund, in minor units (a typo of three zeros is refused, not paid out). */
export const REFUND_AMOUNT_MAX_MINOR = 100_000_000n;
export const REFUND_REASON_MAX_LENGTH = 140;
export const REFUND_NOTE_MAX_LENGTH = 500;
/** SEPA: a payee's name is at most 70 characters. */
export const REFUND_PAYEE_NAME_MAX_LENGTH = 70;
/** Card refunds the resender sends again per run. */
export const REFUND_RESEND_BATCH_MAX = 200;
export const BIC_PATTERN = /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

export const REFUND_REQUESTED_KIND = 'REFUND_REQUESTED';
export const REFUND_PAID_KIND = 'REFUND_PAID';
export const REFUND_RELEASED_KIND = 'REFUND_RELEASED';
export const TOP_UP_REFUSED_KIND = 'TOP_UP_REFUSED';

export interface Payee {
  name: string;
  iban: string;
  bic: string | null;
}

export interface RefundRequest {
  idempotencyKey: string;
  paymentId: string | null;
  documentId: string | null;
  /** A deposit returned (deposits/deposits.ts): always whole, by bank transfer. */
  depositId: string | null;
  /** A card top-up charging refused (card/top-up-refunds.ts): always whole, to its card. */
  cardPaymentId: string | null;
  /** null: everything the source still holds. */
  amountMinor: bigint | null;
  method: RefundMethod;
  payee: Payee | null;
  reason: string | null;
  actor: string;
}

export interface RefundView {
  id: string;
  idempotencyKey: string;
  accountId: string;
  sourceKind: RefundSourceKind;
  paymentId: string | null;
  documentId: string | null;
  depositId: string | null;
  cardPaymentId: string | null;
  method: RefundMethod;
  currency: string;
  amountMinor: string;
  /** Masked (`DE89 **** 3000`): an IBAN is never answered whole. */
  payee: { name: string; iban: string; bic: string | null } | null;
  reason: string | null;
  status: RefundStatus;
  holdReasons: HoldReason[];
  requestedBy: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  attempts: number;
  gatewayRefundId: string | null;
  failureCode: string | null;
  batchId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The request from a REST body and header; throws INVALID_ARGUMENT naming the field. Pure. */
export function parseRefundRequest(idempotencyKey: string | undefined, b: Record<string, unknown>, actor: string): RefundRequest {
  const key = readIdempotencyKey(idempotencyKey);
  for (const f of ['paymentId', 'documentId', 'depositId', 'cardPaymentId'] as const)
    if (b[f] !== undefined && b[f] !== null && !isId(b[f])) throw CollectionsError.invalid(f, 'an id');
  const paymentId = (b.paymentId as string | undefined) ?? null;
  const documentId = (b.documentId as string | undefined) ?? null;
  const depositId = (b.depositId as string | undefined) ?? null;
  const cardPaymentId = (b.cardPaymentId as string | undefined) ?? null;
  if ([paymentId, documentId, depositId, cardPaymentId].filter((x) => x !== null).length !== 1)
    throw CollectionsError.invalid(
      'paymentId',
      'name exactly one source: paymentId (account credit), documentId (a credit note), depositId (a deposit returned) or cardPaymentId (a refused card top-up)',
    );
  if (!REFUND_METHODS.includes(b.method as RefundMethod)) throw CollectionsError.invalid('method', `one of ${REFUND_METHODS.join(', ')}`);
  let amountMinor: bigint | null = null;
  if (b.amountMinor !== undefined && b.amountMinor !== null) {
    if (typeof b.amountMinor !== 'string' || !POSITIVE_MINOR_PATTERN.test(b.amountMinor))
      throw CollectionsError.invalid('amountMinor', 'a positive whole number of minor units, as a string');
    amountMinor = BigInt(b.amountMinor);
    if (amountMinor > REFUND_AMOUNT_MAX_MINOR) throw CollectionsError.invalid('amountMinor', `at most ${REFUND_AMOUNT_MAX_MINOR}`);
  }
  let payee: Payee | null = null;
  if (b.payee !== undefined && b.payee !== null) {
    const p = b.payee as Record<string, unknown>;
    if (typeof p !== 'object' || Array.isArray(p)) throw CollectionsError.invalid('payee', 'an object { name, iban, bic? }');
    const unknown = Object.keys(p).find((k) => !['name', 'iban', 'bic'].includes(k));
    if (unknown !== undefined) throw CollectionsError.invalid(`payee.${unknown.slice(0, 64)}`, 'unknown field; send name, iban, bic');
    const name = text(p, 'name', REFUND_PAYEE_NAME_MAX_LENGTH);
    if (name === null) throw CollectionsError.invalid('payee.name', `required, 1-${REFUND_PAYEE_NAME_MAX_LENGTH} characters`);
    const iban = typeof p.iban === 'string' ? p.iban.replace(/\s+/g, '').toUpperCase() : '';
    const problem = ibanProblem(iban);
    if (problem !== null) throw CollectionsError.invalid('payee.iban', problem);
    if (p.bic !== undefined && p.bic !== null && (typeof p.bic !== 'string' || !BIC_PATTERN.test(p.bic)))
      throw CollectionsError.invalid('payee.bic', 'a BIC of 8 or 11 characters');
    payee = { name, iban, bic: (p.bic as string | undefined) ?? null };
    if (b.method === 'CARD') throw CollectionsError.invalid('payee', 'a card refund goes back to the card: no payee');
  }
  return {
    idempotencyKey: key,
    paymentId,
    documentId,
    depositId,
    cardPaymentId,
    amountMinor,
    method: b.method as RefundMethod,
    payee,
    reason: text(b, 'reason', REFUND_REASON_MAX_LENGTH),
    actor,
  };
}

/** The refund's id: derived from the idempotency key, so a retried request finds its refund. Pure. */
export function refundIdOf(idempotencyKey: string): string {
  if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) throw new Error('refund id: not an idempotency key');
  return `rf-${createHash('sha1').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

function fingerprintOf(r: RefundRequest): string {
  // The card payment is appended only when named, so the fingerprints of the other sources stay what they were.
  const fields = [r.paymentId, r.documentId, r.depositId, r.amountMinor?.toString() ?? null, r.method, r.payee, r.reason];
  return createHash('sha256')
    .update(JSON.stringify(r.cardPaymentId === null ? fields : [...fields, r.cardPaymentId]))
    .digest('hex');
}

/** The legs that reserve a refund (REFUND_REQUESTED); released is the same with every sign turned. Pure. */
export function refundRequestedLegs(x: { sourceKind: RefundSourceKind; accountId: string; amountMinor: bigint }): LedgerLeg[] {
  const from = {
    ACCOUNT_CREDIT: LEDGER_ACCOUNT.UNAPPLIED_CASH,
    CREDIT_NOTE: LEDGER_ACCOUNT.AR,
    DEPOSIT: LEDGER_ACCOUNT.DEPOSITS_HELD,
    CARD_TOP_UP: LEDGER_ACCOUNT.TOP_UPS_REFUSED,
  };
  return [
    {
      account: from[x.sourceKind],
      party: x.accountId,
      amountMinor: x.amountMinor,
    },
    { account: LEDGER_ACCOUNT.REFUNDS_PAYABLE, party: x.accountId, amountMinor: -x.amountMinor },
  ];
}

export function refundPaidLegs(x: { accountId: string; amountMinor: bigint }): LedgerLeg[] {
  return [
    { account: LEDGER_ACCOUNT.REFUNDS_PAYABLE, party: x.accountId, amountMinor: x.amountMinor },
    { account: LEDGER_ACCOUNT.BANK, party: null, amountMinor: -x.amountMinor },
  ];
}

const refused = (parameter: string, message: string) =>
  new CollectionsError(CollectionsErrorCode.REFUND_REFUSED, `${parameter}: ${message}`, { parameter });

interface RefundRow {
  id: string;
  idempotency_key: string;
  request_fingerprint: string;
  account_id: string;
  source_kind: RefundSourceKind;
  payment_id: string | null;
  document_id: string | null;
  deposit_id: string | null;
  card_payment_id: string | null;
  method: RefundMethod;
  currency: string;
  amount_minor: string;
  payee_name: string | null;
  payee_iban: string | null;
  payee_bic: string | null;
  reason: string | null;
  status: RefundStatus;
  hold_reasons: HoldReason[];
  requested_by: string;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  attempts: number;
  gateway_refund_id: string | null;
  failure_code: string | null;
  batch_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const REFUND_COLUMNS = `id, idempotency_key, request_fingerprint, account_id, source_kind, payment_id, document_id, deposit_id, card_payment_id, method, trim(currency) as currency,
  amount_minor::text, payee_name, payee_iban, payee_bic, reason, status, hold_reasons, requested_by, decided_by, decided_at, decision_note,
  attempts, gateway_refund_id, failure_code, batch_id, created_at, updated_at`;

/** The statuses a REFUND_STATUS_CHANGED event is written for (SENDING, the claim before a gateway call, is internal). */
const ANNOUNCED_STATUSES: ReadonlySet<RefundStatus> = new Set(['HELD', 'APPROVED', 'REJECTED', 'SENT', 'SUCCEEDED', 'FAILED']);

/**
 * Writes REFUND_STATUS_CHANGED (ratel.collections.v1) for each refund's current status, in the caller's
 * transaction, right after the change: keyed by refund and status, so a status is announced once.
 */
export async function writeRefundStatusEvents(c: PoolClient, refundIds: readonly string[], now: Date): Promise<void> {
  const { rows } = await c.query<RefundRow>(`select ${REFUND_COLUMNS} from refund where id = any($1::text[]) order by id`, [refundIds]);
  await writeCollectionsEvents(
    c,
    rows
      .filter((r) => ANNOUNCED_STATUSES.has(r.status))
      .map((r) => ({
        source: `${r.id}|${r.status}`,
        input: {
          type: 'REFUND_STATUS_CHANGED' as const,
          accountId: r.account_id,
          refundId: r.id,
          status: r.status as Exclude<RefundStatus, 'SENDING'>,
          sourceKind: r.source_kind,
          method: r.method,
          currency: r.currency,
          amountMinor: r.amount_minor,
          holdReasons: [...r.hold_reasons],
          failureCode: r.failure_code,
        },
      })),
    now,
  );
}

export function refundView(r: RefundRow): RefundView {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    accountId: r.account_id,
    sourceKind: r.source_kind,
    paymentId: r.payment_id,
    documentId: r.document_id,
    depositId: r.deposit_id,
    cardPaymentId: r.card_payment_id,
    method: r.method,
    currency: r.currency,
    amountMinor: r.amount_minor,
    payee: r.payee_iban === null ? null : { name: r.payee_name!, iban: maskIban(r.payee_iban), bic: r.payee_bic },
    reason: r.reason,
    status: r.status,
    holdReasons: r.hold_reasons,
    requestedBy: r.requested_by,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at?.toISOString() ?? null,
    decisionNote: r.decision_note,
    attempts: r.attempts,
    gatewayRefundId: r.gateway_refund_id,
    failureCode: r.failure_code,
    batchId: r.batch_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** What a refund is taken from: one payment's account credit, or one credit note's open amount. */
interface RefundSource {
  what: string;
  paymentId: string | null;
  documentId: string | null;
  depositId: string | null;
  cardPaymentId: string | null;
  sourceKind: RefundSourceKind;
  accountId: string;
  currency: string;
  availableMinor: bigint;
  /** The payment's value date (null for a credit note). */
  valueDate: string | null;
  channel: string;
  alreadyPaidMinor: bigint;
}

const dayOf = (nowMs: number): string => new Date(nowMs).toISOString().slice(0, 10);

export interface RefundsDeps {
  pool: Pool;
  limits: BreakerLimits;
  /** Days after its value date a direct-debit payment can still be taken back (REFUND_DIRECT_DEBIT_SETTLEMENT_DAYS). */
  directDebitSettlementDays: number;
  /** The card gateway (its calls observed by `health`: circuit-breakers.ts observedGateway); undefined when not configured (card refunds are then refused, 503). */
  gateway: PaymentGateway | undefined;
  health: GatewayHealth;
  logger?: Logger;
}

export class Refunds {
  constructor(private readonly d: RefundsDeps) {}

  /** Requests a refund: checked, reserved, held or released in one transaction; a released card refund is sent at once. */
  async request(r: RefundRequest, nowMs: number): Promise<{ refund: RefundView; created: boolean }> {
    if (r.method === 'CARD' && this.d.gateway === undefined)
      throw new CollectionsError(CollectionsErrorCode.UNAVAILABLE, 'card refunds: the card gateway is not configured (CARD_GATEWAY_URL)');
    const id = refundIdOf(r.idempotencyKey);
    const fingerprint = fingerprintOf(r);
    const now = new Date(nowMs);
    const today = dayOf(nowMs);
    const created = await withTransaction(this.d.pool, async (c) => {
      const earlier = await this.byId(c, id);
      if (earlier !== undefined) {
        if (earlier.request_fingerprint !== fingerprint)
          throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey} was used for another refund`, { refundId: id });
        return false;
      }
      const source =
        r.paymentId !== null
          ? await this.lockPayment(c, r)
          : r.documentId !== null
            ? await this.lockCreditNote(c, r)
            : r.depositId !== null
              ? await this.lockDeposit(c, r)
              : await this.lockCardTopUp(c, r, now);
      const amount = r.amountMinor ?? source.availableMinor;
      if (amount > source.availableMinor)
        throw refused('amountMinor', `${source.what} holds ${source.availableMinor} to refund, not ${amount}`);
      if ((source.sourceKind === 'DEPOSIT' || source.sourceKind === 'CARD_TOP_UP') && amount !== source.availableMinor)
        throw refused('amountMinor', `${source.what} is returned whole: ${source.availableMinor}`);
      const payee = r.method === 'BANK_TRANSFER' ? (r.payee ?? (await this.mandatePayee(c, source.accountId))) : null;
      if (r.method === 'BANK_TRANSFER' && payee === null)
        throw refused('payee', `account ${source.accountId} has no active SEPA mandate: name the payee (name, iban)`);
      if (r.method === 'BANK_TRANSFER' && source.currency !== 'EUR')
        throw refused('method', `a SEPA credit transfer is in EUR; ${source.what} is in ${source.currency}`);
      // One request at a time per currency reads and passes the daily cap.
      await c.query(`select pg_advisory_xact_lock(hashtext($1))`, [`refund-daily-cap|${source.currency}`]);
      const reasons = holdReasons(await this.facts(c, { ...source, amount, method: r.method, today, nowMs }), this.d.limits);
      const status: RefundStatus = reasons.length === 0 ? 'APPROVED' : 'HELD';
      const { rowCount } = await c.query(
        `insert into refund (id, idempotency_key, request_fingerprint, account_id, source_kind, payment_id, document_id, deposit_id, card_payment_id,
           method, currency, amount_minor, payee_name, payee_iban, payee_bic, reason, status, hold_reasons, requested_by, released_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $20, $21, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) on conflict do nothing`,
        [
          id,
          r.idempotencyKey,
          fingerprint,
          source.accountId,
          source.sourceKind,
          r.paymentId,
          r.documentId,
          r.method,
          source.currency,
          amount.toString(),
          payee?.name ?? null,
          payee?.iban ?? null,
          payee?.bic ?? null,
          r.reason,
          status,
          JSON.stringify(reasons),
          r.actor,
          status === 'APPROVED' ? now : null,
          now,
          r.depositId,
          r.cardPaymentId,
        ],
      );
      if (rowCount === 0)
        throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey}: a concurrent request is creating this refund`);
      await this.reserve(c, {
        refundId: id,
        paymentId: r.paymentId,
        documentId: r.documentId,
        depositId: r.depositId,
        amount,
        now,
        sign: 1n,
      });
      await postLedgerTransaction(c, {
        key: `refund-requested|${id}`,
        kind: REFUND_REQUESTED_KIND,
        sourceId: id,
        currency: source.currency,
        postedOn: today,
        now,
        legs: refundRequestedLegs({
          sourceKind: source.sourceKind,
          accountId: source.accountId,
          amountMinor: amount,
        }),
      });
      await audit(
        c,
        r.actor,
        'refund.request',
        id,
        { amountMinor: amount.toString(), method: r.method, status, holdReasons: reasons },
        now,
      );
      await writeRefundStatusEvents(c, [id], now);
      return true;
    });
    let refund = await this.get(id);
    if (created && refund.status === 'APPROVED' && refund.method === 'CARD') refund = await this.sendCard(id, nowMs);
    return { refund, created };
  }

  /** Four eyes: a HELD refund released by an approver who did not request it; a card refund is then sent. */
  async approve(id: string, actor: string, note: string | null, nowMs: number): Promise<RefundView> {
    const r = await this.decide(id, actor, note, nowMs, 'APPROVED');
    return r.method === 'CARD' ? this.sendCard(id, nowMs) : r;
  }

  /** Four eyes: a HELD refund rejected; its reservation is given back. */
  async reject(id: string, actor: string, note: string | null, nowMs: number): Promise<RefundView> {
    return this.decide(id, actor, note, nowMs, 'REJECTED');
  }

  private async decide(id: string, actor: string, note: string | null, nowMs: number, to: 'APPROVED' | 'REJECTED'): Promise<RefundView> {
    const now = new Date(nowMs);
    await withTransaction(this.d.pool, async (c) => {
      const r = await this.byId(c, id, true);
      if (r === undefined) throw CollectionsError.notFound(`refund ${id}`);
      if (r.requested_by === actor)
        throw new CollectionsError(
          CollectionsErrorCode.FOUR_EYES_REQUIRED,
          `refund ${id} was requested by ${actor}: another approver must decide it`,
          { requestedBy: r.requested_by },
        );
      if (r.status !== 'HELD')
        throw CollectionsError.conflict(`refund ${id} is ${r.status}, not HELD: it was decided already`, { status: r.status });
      await c.query(
        `update refund set status = $2::text, decided_by = $3, decided_at = $4::timestamptz, decision_note = $5, released_at = case when $2::text = 'APPROVED' then $4::timestamptz end,
           updated_at = $4 where id = $1`,
        [id, to, actor, now, note],
      );
      if (to === 'REJECTED') await this.release(c, r, now);
      await audit(c, actor, to === 'APPROVED' ? 'refund.approve' : 'refund.reject', id, { note, holdReasons: r.hold_reasons }, now);
      await writeRefundStatusEvents(c, [id], now);
    });
    return this.get(id);
  }

  /**
   * Sends an APPROVED (or still SENDING) card refund to the gateway, keyed by the refund's id: the claim
   * is committed before the call, the outcome after it. Any other state is answered as it is.
   */
  async sendCard(id: string, nowMs: number): Promise<RefundView> {
    const gateway = this.d.gateway;
    if (gateway === undefined)
      throw new CollectionsError(CollectionsErrorCode.UNAVAILABLE, 'card refunds: the card gateway is not configured (CARD_GATEWAY_URL)');
    const { rows } = await this.d.pool.query<{ amount_minor: string; intent: string | null }>(
      `update refund r set status = 'SENDING', attempts = attempts + 1, updated_at = $2
       where id = $1 and method = 'CARD' and status in ('APPROVED', 'SENDING')
       returning amount_minor::text,
         (select gateway_intent_id from card_payment where payment_id = r.payment_id or id = r.card_payment_id limit 1) as intent`,
      [id, new Date(nowMs)],
    );
    if (rows.length === 0) return this.get(id);
    const { amount_minor, intent } = rows[0];
    try {
      if (intent === null) throw new Error(`refund ${id}: its payment has no card intent`);
      const answer = await gateway.refund({ idempotencyKey: id, intentId: intent, amountMinor: BigInt(amount_minor) });
      await this.settleCard(
        id,
        answer.status === 'succeeded' ? { paid: true, gatewayId: answer.id } : { paid: false, failure: answer.failureCode ?? 'failed' },
        nowMs,
      );
    } catch (e) {
      if (e instanceof GatewayError && e.retryable) {
        this.d.logger?.warn({ refundId: id, code: e.code }, 'card refund not answered; the resender asks again with the same key');
      } else {
        await this.settleCard(id, { paid: false, failure: e instanceof GatewayError ? e.code : 'NO_CARD_INTENT' }, nowMs);
      }
    }
    return this.get(id);
  }

  /** Card refunds left SENDING (no answer, a crash) or APPROVED (a crash before the first call), sent again with their key. */
  async resendPending(nowMs: number, minAgeMs: number): Promise<{ sent: number; succeeded: number; failed: number; pending: number }> {
    const { rows } = await this.d.pool.query<{ id: string }>(
      `select id from refund where method = 'CARD' and status in ('APPROVED', 'SENDING') and updated_at <= $1 order by updated_at, id limit $2`,
      [new Date(nowMs - minAgeMs), REFUND_RESEND_BATCH_MAX],
    );
    const out = { sent: 0, succeeded: 0, failed: 0, pending: 0 };
    for (const { id } of rows) {
      const r = await this.sendCard(id, nowMs);
      out.sent++;
      if (r.status === 'SUCCEEDED') out.succeeded++;
      else if (r.status === 'FAILED') out.failed++;
      else out.pending++;
    }
    return out;
  }

  private async byId(c: PoolClient, id: string, forUpdate = false): Promise<RefundRow | undefined> {
    const { rows } = await c.query<RefundRow>(`select ${REFUND_COLUMNS} from refund where id = $1${forUpdate ? ' for update' : ''}`, [id]);
    return rows[0];
  }

  async get(id: string): Promise<RefundView> {
    const { rows } = await this.d.pool.query<RefundRow>(`select ${REFUND_COLUMNS} from refund where id = $1`, [id]);
    if (rows.length === 0) throw CollectionsError.notFound(`refund ${id}`);
    return refundView(rows[0]);
  }

  async list(q: {
    accountId?: string;
    status?: RefundStatus;
    limit: number;
    offset: number;
  }): Promise<{ items: RefundView[]; total: number }> {
    const where = `($1::text is null or account_id = $1) and ($2::text is null or status = $2)`;
    const args = [q.accountId ?? null, q.status ?? null];
    const [items, total] = await Promise.all([
      this.d.pool.query<RefundRow>(`select ${REFUND_COLUMNS} from refund where ${where} order by created_at desc, id limit $3 offset $4`, [
        ...args,
        q.limit,
        q.offset,
      ]),
      this.d.pool.query<{ n: number }>(`select count(*)::int as n from refund where ${where}`, args),
    ]);
    return { items: items.rows.map(refundView), total: total.rows[0].n };
  }

  private async settleCard(
    id: string,
    o: { paid: true; gatewayId: string } | { paid: false; failure: string },
    nowMs: number,
  ): Promise<void> {
    const now = new Date(nowMs);
    await withTransaction(this.d.pool, async (c) => {
      const r = await this.byId(c, id, true);
      if (r === undefined || r.status !== 'SENDING') return; // another sender settled it first
      if (o.paid) {
        await c.query(`update refund set status = 'SUCCEEDED', gateway_refund_id = $2, updated_at = $3 where id = $1`, [
          id,
          o.gatewayId,
          now,
        ]);
        await postLedgerTransaction(c, {
          key: `refund-paid|${id}`,
          kind: REFUND_PAID_KIND,
          sourceId: id,
          currency: r.currency,
          postedOn: dayOf(nowMs),
          now,
          legs: refundPaidLegs({ accountId: r.account_id, amountMinor: BigInt(r.amount_minor) }),
        });
        await audit(c, 'collections', 'refund.paid', id, { gatewayRefundId: o.gatewayId }, now);
      } else {
        await c.query(`update refund set status = 'FAILED', failure_code = $2, updated_at = $3 where id = $1`, [
          id,
          o.failure.slice(0, 64),
          now,
        ]);
        await this.release(c, r, now);
        await audit(c, 'collections', 'refund.failed', id, { failureCode: o.failure }, now);
      }
      await writeRefundStatusEvents(c, [id], now);
    });
  }

  /** Gives a refund's reservation back (rejected, failed): the source regains it, the ledger gets REFUND_RELEASED. */
  private async release(c: PoolClient, r: RefundRow, now: Date): Promise<void> {
    const amount = BigInt(r.amount_minor);
    if (r.payment_id !== null) await c.query(`select 1 from payment where id = $1 for update`, [r.payment_id]);
    else if (r.document_id !== null) await c.query(`select 1 from billing_document where id = $1 for update`, [r.document_id]);
    else if (r.deposit_id !== null) await c.query(`select 1 from deposit where id = $1 for update`, [r.deposit_id]);
    else await c.query(`select 1 from card_payment where id = $1 for update`, [r.card_payment_id]);
    await this.reserve(c, {
      refundId: r.id,
      paymentId: r.payment_id,
      documentId: r.document_id,
      depositId: r.deposit_id,
      amount,
      now,
      sign: -1n,
    });
    await postLedgerTransaction(c, {
      key: `refund-released|${r.id}`,
      kind: REFUND_RELEASED_KIND,
      sourceId: r.id,
      currency: r.currency,
      postedOn: dayOf(now.getTime()),
      now,
      legs: refundRequestedLegs({ sourceKind: r.source_kind, accountId: r.account_id, amountMinor: -amount }),
    });
  }

  /** Moves `sign x amount` from the source's credit to the refund (1) or back (-1); the source's row is locked by the caller. */
  private async reserve(
    c: PoolClient,
    x: {
      refundId: string;
      paymentId: string | null;
      documentId: string | null;
      depositId: string | null;
      amount: bigint;
      now: Date;
      sign: 1n | -1n;
    },
  ): Promise<void> {
    const delta = (x.amount * x.sign).toString();
    // A refused top-up has nothing to move: the refund row is its reservation (lockCardTopUp counts it).
    if (x.paymentId === null && x.documentId === null && x.depositId === null) return;
    if (x.depositId !== null)
      await c.query(
        `update deposit set status = case when $2 then 'RETURNING' else 'HELD' end, refund_id = case when $2 then $3 end, updated_at = $4 where id = $1`,
        [x.depositId, x.sign === 1n, x.refundId, x.now],
      );
    else if (x.paymentId !== null)
      await c.query(
        `update payment set unapplied_minor = unapplied_minor - $2::bigint, refunded_minor = refunded_minor + $2::bigint,
           status = case when unapplied_minor - $2::bigint > 0 then 'UNAPPLIED'
                         when refunded_minor + $2::bigint = amount_minor then 'REFUNDED' else 'ALLOCATED' end,
           updated_at = $3 where id = $1`,
        [x.paymentId, delta, x.now],
      );
    else
      await c.query(
        `update billing_document set paid_minor = paid_minor + $2::bigint,
           status = case when paid_minor + $2::bigint = gross_minor then 'PAID' when paid_minor + $2::bigint = 0 then 'ISSUED' else 'PARTIALLY_PAID' end,
           updated_at = $3 where id = $1`,
        [x.documentId, delta, x.now],
      );
  }

  private async lockPayment(c: PoolClient, r: RefundRequest): Promise<RefundSource> {
    const { rows } = await c.query<{
      account_id: string | null;
      currency: string;
      unapplied_minor: string;
      channel: string;
      value_date: string;
      intent: string | null;
    }>(
      `select account_id, trim(currency) as currency, unapplied_minor::text, channel, to_char(value_date, 'YYYY-MM-DD') as value_date,
         (select gateway_intent_id from card_payment where payment_id = p.id) as intent
       from payment p where id = $1 for update`,
      [r.paymentId],
    );
    if (rows.length === 0) throw refused('paymentId', `no payment ${r.paymentId}`);
    const p = rows[0];
    if (p.account_id === null) throw refused('paymentId', `payment ${r.paymentId} is in suspense: allocate it to its account first`);
    if (p.unapplied_minor === '0') throw refused('paymentId', `payment ${r.paymentId} has no account credit left to refund`);
    if (r.method === 'CARD' && p.intent === null) throw refused('method', `payment ${r.paymentId} did not come from a card`);
    return {
      what: `payment ${r.paymentId}`,
      paymentId: r.paymentId,
      documentId: null,
      depositId: null,
      cardPaymentId: null,
      sourceKind: 'ACCOUNT_CREDIT',
      accountId: p.account_id,
      currency: p.currency,
      availableMinor: BigInt(p.unapplied_minor),
      valueDate: p.value_date,
      channel: p.channel,
      alreadyPaidMinor: 0n,
    };
  }

  private async lockCreditNote(c: PoolClient, r: RefundRequest): Promise<RefundSource> {
    if (r.method === 'CARD') throw refused('method', 'a credit note is refunded by bank transfer');
    const { rows } = await c.query<{
      account_id: string;
      currency: string;
      type: string;
      status: string;
      gross_minor: string;
      paid_minor: string;
    }>(
      `select account_id, trim(currency) as currency, type, status, gross_minor::text, paid_minor::text from billing_document where id = $1 for update`,
      [r.documentId],
    );
    if (rows.length === 0) throw refused('documentId', `no document ${r.documentId}`);
    const d = rows[0];
    if (d.type !== 'CREDIT_NOTE') throw refused('documentId', `document ${r.documentId} is an ${d.type}, not a credit note`);
    if (!['ISSUED', 'PARTIALLY_PAID'].includes(d.status))
      throw refused('documentId', `credit note ${r.documentId} is ${d.status}: nothing open to refund`);
    return {
      what: `credit note ${r.documentId}`,
      paymentId: null,
      documentId: r.documentId,
      depositId: null,
      cardPaymentId: null,
      sourceKind: 'CREDIT_NOTE',
      accountId: d.account_id,
      currency: d.currency,
      availableMinor: BigInt(d.gross_minor) - BigInt(d.paid_minor),
      valueDate: null,
      channel: 'CREDIT_NOTE',
      alreadyPaidMinor: BigInt(d.paid_minor),
    };
  }

  private async lockDeposit(c: PoolClient, r: RefundRequest): Promise<RefundSource> {
    if (r.method === 'CARD') throw refused('method', 'a deposit is returned by bank transfer');
    const { rows } = await c.query<{ account_id: string; currency: string; status: string; amount_minor: string; value_date: string }>(
      `select account_id, trim(currency) as currency, status, amount_minor::text, to_char(value_date, 'YYYY-MM-DD') as value_date
       from deposit where id = $1 for update`,
      [r.depositId],
    );
    if (rows.length === 0) throw refused('depositId', `no deposit ${r.depositId}`);
    const d = rows[0];
    if (d.status !== 'HELD') throw refused('depositId', `deposit ${r.depositId} is ${d.status}, not HELD`);
    return {
      what: `deposit ${r.depositId}`,
      paymentId: null,
      documentId: null,
      depositId: r.depositId,
      cardPaymentId: null,
      sourceKind: 'DEPOSIT',
      accountId: d.account_id,
      currency: d.currency,
      availableMinor: BigInt(d.amount_minor),
      valueDate: d.value_date,
      channel: 'DEPOSIT',
      alreadyPaidMinor: 0n,
    };
  }

  /**
   * A card top-up charging refused: the card payment SUCCEEDED, its top-up REFUSED, not charged back,
   * and no refund of it standing (a rejected or failed one does not count). Its money enters the ledger
   * here, once per card payment: TOP_UP_REFUSED, BANK +amount, TOP_UPS_REFUSED(account) -amount.
   */
  private async lockCardTopUp(c: PoolClient, r: RefundRequest, now: Date): Promise<RefundSource> {
    if (r.method !== 'CARD') throw refused('method', 'a refused card top-up goes back to its card');
    const { rows } = await c.query<{
      account_id: string;
      currency: string;
      purpose: string;
      status: string;
      top_up_status: string | null;
      amount_minor: string;
      charged_back_at: Date | null;
      standing: number;
    }>(
      `select account_id, trim(currency) as currency, purpose, status, top_up_status, amount_minor::text, charged_back_at,
         (select count(*)::int from refund where card_payment_id = cp.id and status not in ('REJECTED', 'FAILED')) as standing
       from card_payment cp where id = $1 for update`,
      [r.cardPaymentId],
    );
    if (rows.length === 0) throw refused('cardPaymentId', `no card payment ${r.cardPaymentId}`);
    const p = rows[0];
    if (p.purpose !== 'TOP_UP' || p.status !== 'SUCCEEDED' || p.top_up_status !== 'REFUSED')
      throw refused(
        'cardPaymentId',
        `card payment ${r.cardPaymentId} is not a paid top-up charging refused (${p.purpose}, ${p.status}, top-up ${p.top_up_status ?? 'none'})`,
      );
    if (p.charged_back_at !== null)
      throw refused('cardPaymentId', `card payment ${r.cardPaymentId} was charged back: the money went back already`);
    if (p.standing > 0) throw refused('cardPaymentId', `card payment ${r.cardPaymentId} has a refund that stands`);
    const key = `top-up-refused|${r.cardPaymentId}`;
    const { rowCount } = await c.query(`select 1 from ledger_transaction where idempotency_key = $1`, [key]);
    if (rowCount === 0)
      await postLedgerTransaction(c, {
        key,
        kind: TOP_UP_REFUSED_KIND,
        sourceId: r.cardPaymentId!,
        currency: p.currency,
        postedOn: dayOf(now.getTime()),
        now,
        legs: [
          { account: LEDGER_ACCOUNT.BANK, party: null, amountMinor: BigInt(p.amount_minor) },
          { account: LEDGER_ACCOUNT.TOP_UPS_REFUSED, party: p.account_id, amountMinor: -BigInt(p.amount_minor) },
        ],
      });
    return {
      what: `card top-up ${r.cardPaymentId}`,
      paymentId: null,
      documentId: null,
      depositId: null,
      cardPaymentId: r.cardPaymentId,
      sourceKind: 'CARD_TOP_UP',
      accountId: p.account_id,
      currency: p.currency,
      availableMinor: BigInt(p.amount_minor),
      valueDate: null,
      channel: 'CARD',
      alreadyPaidMinor: 0n,
    };
  }

  private async mandatePayee(c: PoolClient, accountId: string): Promise<Payee | null> {
    const { rows } = await c.query<{ debtor_name: string; iban: string; bic: string | null }>(
      `select debtor_name, iban, bic from sepa_mandate where account_id = $1 and status = 'ACTIVE'`,
      [accountId],
    );
    return rows.length === 0 ? null : { name: rows[0].debtor_name, iban: rows[0].iban, bic: rows[0].bic };
  }

  /** What the breakers look at, read under the source's lock and the currency's cap lock. */
  private async facts(
    c: PoolClient,
    x: RefundSource & { amount: bigint; method: RefundMethod; today: string; nowMs: number },
  ): Promise<RefundFacts> {
    // Receipts: the account's payments, and its card top-ups (money a prepaid customer paid in, never a payment of collections).
    const { rows } = await c.query<{ earlier: number; receipts: number; receipts_sum: string; dunning: boolean; released: string }>(
      `with receipts as (
         select amount_minor from payment where account_id = $3 and currency = $4 and channel <> 'WRITE_OFF' and status <> 'RETURNED'
           and value_date > $5::date - make_interval(months => $6)
         union all
         select amount_minor from card_payment where account_id = $3 and currency = $4 and purpose = 'TOP_UP' and status = 'SUCCEEDED'
           and charged_back_at is null and created_at > ($5::date - make_interval(months => $6))::timestamp at time zone 'UTC')
       select
         (select count(*)::int from refund where status not in ('REJECTED', 'FAILED')
            and (payment_id = $1 or document_id = $2 or deposit_id = $7 or card_payment_id = $8)) as earlier,
         (select count(*)::int from receipts) as receipts,
         (select coalesce(sum(amount_minor), 0)::text from receipts) as receipts_sum,
         exists (select 1 from dunning_case where account_id = $3 and status = 'OPEN') as dunning,
         (select coalesce(sum(amount_minor), 0)::text from refund where currency = $4 and status in ('APPROVED', 'SENDING', 'SENT', 'SUCCEEDED')
            and released_at >= ($5::date)::timestamp at time zone 'UTC' and released_at < ($5::date + 1)::timestamp at time zone 'UTC') as released`,
      [x.paymentId, x.documentId, x.accountId, x.currency, x.today, REFUND_AVERAGE_MONTHS, x.depositId, x.cardPaymentId],
    );
    const f = rows[0];
    const settlesOn =
      x.valueDate === null
        ? null
        : x.channel === 'DIRECT_DEBIT'
          ? new Date(Date.parse(`${x.valueDate}T00:00:00Z`) + this.d.directDebitSettlementDays * 86_400_000).toISOString().slice(0, 10)
          : x.valueDate;
    return {
      amountMinor: x.amount,
      method: x.method,
      earlierRefunds: f.earlier,
      sourceAlreadyPaidMinor: x.alreadyPaidMinor,
      receipts: { count: f.receipts, sumMinor: BigInt(f.receipts_sum) },
      sourceSettled: settlesOn === null || settlesOn <= x.today,
      inDunning: f.dunning,
      releasedTodayMinor: BigInt(f.released),
      gateway: this.d.health.snapshot(x.nowMs),
    };
  }
}

async function audit(c: PoolClient, actor: string, action: string, id: string, details: Record<string, unknown>, now: Date): Promise<void> {
  await c.query(
    `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, $2, 'refund', $3, $4, $5)`,
    [actor, action, id, JSON.stringify(details), now],
  );
}
