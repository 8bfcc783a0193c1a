/**
 * Manual payments: cash at a shop, a cheque, a transfer the operator books by hand, entered through
 * REST. Each is a payment of channel MANUAL, applied by the same applier as a bank statement's entries
 * (matching/apply-payment.ts: one transaction, the same locks, rules and ledger; dunning re-evaluates
 * the account afterwards), with the audit row of who entered it in that transaction.
 *
 * What it pays: the document named (matched by its number), else the account named (its open
 * document of exactly the amount, else its documents oldest first), else what the free reference
 * says (an RF reference, a document number, an account id), else the suspense queue. The receipt is
 * posted to BANK like every receipt: cash and cheques are banked.
 *
 * Idempotent by the caller's `Idempotency-Key`, which is the payment's bank reference under the
 * source MANUAL: the same key again answers the payment (created: false); with another amount,
 * currency, date or target it is a CONFLICT.
 */
import type { Pool } from 'pg';
import { isCurrencyCode } from '@app/money';
import { type ApplyOutcome, PaymentApplier } from '../matching/apply-payment';
import { CollectionsError, CollectionsErrorCode } from './collections-error';
import { isCalendarDate, isId, POSITIVE_MINOR_PATTERN, readIdempotencyKey, readText as text } from './query-params';
import type { ReceivedPayment } from './statements/statement-types';

export const MANUAL_METHODS = ['CASH', 'CHEQUE', 'TRANSFER'] as const;
export type ManualMethod = (typeof MANUAL_METHODS)[number];
/** The source of every manual payment (with the Idempotency-Key, the payment's unique key). */
export const MANUAL_SOURCE = 'MANUAL';
/** Largest manual payment, in minor units (a typo of three zeros is refused, not booked). */
export const MANUAL_AMOUNT_MAX_MINOR = 100_000_000n;
export const MANUAL_REFERENCE_MAX_LENGTH = 140;
export const MANUAL_NOTE_MAX_LENGTH = 500;

export interface ManualPaymentRequest {
  idempotencyKey: string;
  method: ManualMethod;
  amountMinor: bigint;
  currency: string;
  valueDate: string;
  accountId: string | null;
  documentId: string | null;
  reference: string | null;
  payer: string | null;
  note: string | null;
  actor: string;
}

export interface ManualPaymentResult {
  paymentId: string;
  status: string;
  accountId: string | null;
  matchRule: string | null;
  unappliedMinor: bigint;
  created: boolean;
}

/** The request from a REST body and header; throws INVALID_ARGUMENT naming the field. Pure. */
export function parseManualPayment(
  idempotencyKey: string | undefined,
  b: Record<string, unknown>,
  actor: string,
  today: string,
): ManualPaymentRequest {
  const key = readIdempotencyKey(idempotencyKey);
  if (!MANUAL_METHODS.includes(b.method as ManualMethod)) throw CollectionsError.invalid('method', `one of ${MANUAL_METHODS.join(', ')}`);
  if (typeof b.amountMinor !== 'string' || !POSITIVE_MINOR_PATTERN.test(b.amountMinor))
    throw CollectionsError.invalid('amountMinor', 'a positive whole number of minor units, as a string');
  const amountMinor = BigInt(b.amountMinor);
  if (amountMinor > MANUAL_AMOUNT_MAX_MINOR) throw CollectionsError.invalid('amountMinor', `at most ${MANUAL_AMOUNT_MAX_MINOR}`);
  if (!isCurrencyCode(b.currency)) throw CollectionsError.invalid('currency', 'an ISO 4217 code');
  if (!isCalendarDate(b.valueDate)) throw CollectionsError.invalid('valueDate', 'a date YYYY-MM-DD');
  if (b.valueDate > today) throw CollectionsError.invalid('valueDate', `money is booked when received: not after today ${today}`);
  for (const f of ['accountId', 'documentId'] as const)
    if (b[f] !== undefined && b[f] !== null && !isId(b[f])) throw CollectionsError.invalid(f, 'an id');
  return {
    idempotencyKey: key,
    method: b.method as ManualMethod,
    amountMinor,
    currency: b.currency,
    valueDate: b.valueDate,
    accountId: (b.accountId as string | undefined) ?? null,
    documentId: (b.documentId as string | undefined) ?? null,
    reference: text(b, 'reference', MANUAL_REFERENCE_MAX_LENGTH),
    payer: text(b, 'payer', MANUAL_REFERENCE_MAX_LENGTH),
    note: text(b, 'note', MANUAL_NOTE_MAX_LENGTH),
    actor,
  };
}

const refused = (parameter: string, message: string) =>
  new CollectionsError(CollectionsErrorCode.ALLOCATION_REFUSED, `${parameter}: ${message}`, { parameter });

export class ManualPayments {
  constructor(
    private readonly pool: Pool,
    private readonly applier: PaymentApplier,
  ) {}

  async record(r: ManualPaymentRequest, nowMs: number): Promise<ManualPaymentResult> {
    const remittance: string[] = [];
    if (r.documentId !== null) {
      const { rows } = await this.pool.query<{ account_id: string; number_text: string | null; currency: string }>(
        `select account_id, number_text, trim(currency) as currency from billing_document where id = $1`,
        [r.documentId],
      );
      if (rows.length === 0 || rows[0].number_text === null) throw refused('documentId', `no issued document ${r.documentId}`);
      if (r.accountId !== null && rows[0].account_id !== r.accountId)
        throw refused('documentId', `document ${r.documentId} is account ${rows[0].account_id}'s, not ${r.accountId}'s`);
      if (rows[0].currency !== r.currency) throw refused('currency', `document ${r.documentId} is in ${rows[0].currency}`);
      remittance.push(rows[0].number_text);
    }
    if (r.accountId !== null) {
      const { rowCount } = await this.pool.query(`select 1 from billing_account where id = $1`, [r.accountId]);
      if (rowCount === 0) throw refused('accountId', `no account ${r.accountId}`);
      remittance.push(r.accountId);
    }
    if (r.reference !== null) remittance.push(r.reference);
    const payment: ReceivedPayment = {
      kind: 'payment',
      channel: 'MANUAL',
      source: MANUAL_SOURCE,
      bankReference: r.idempotencyKey,
      currency: r.currency,
      amountMinor: r.amountMinor,
      valueDate: r.valueDate,
      bookingDate: r.valueDate,
      endToEndId: null,
      creditorReferences: [],
      remittanceInfo: remittance.join(' '),
      debtorName: r.payer,
    };
    const outcome: ApplyOutcome = await this.applier.apply(payment, {
      importId: null,
      nowMs,
      inTransaction: async (c, paymentId) => {
        await c.query(
          `insert into audit_log (actor, action, entity_type, entity_id, details, created_at) values ($1, 'payment.manual', 'payment', $2, $3, $4)`,
          [
            r.actor,
            paymentId,
            JSON.stringify({
              idempotencyKey: r.idempotencyKey,
              method: r.method,
              amountMinor: r.amountMinor.toString(),
              currency: r.currency,
              accountId: r.accountId,
              documentId: r.documentId,
              note: r.note,
            }),
            new Date(nowMs),
          ],
        );
      },
    });
    const id = outcome.paymentId;
    const { rows } = await this.pool.query<{
      status: string;
      account_id: string | null;
      match_rule: string | null;
      unapplied_minor: string;
      amount_minor: string;
      currency: string;
      value_date: string;
      remittance_info: string;
    }>(
      `select status, account_id, match_rule, unapplied_minor::text, amount_minor::text, trim(currency) as currency,
         to_char(value_date, 'YYYY-MM-DD') as value_date, remittance_info from payment where id = $1`,
      [id],
    );
    const p = rows[0];
    if (
      !outcome.created &&
      (p.amount_minor !== r.amountMinor.toString() ||
        p.currency !== r.currency ||
        p.value_date !== r.valueDate ||
        p.remittance_info !== payment.remittanceInfo)
    )
      throw CollectionsError.conflict(`idempotency key ${r.idempotencyKey} was used for another manual payment`, { paymentId: id });
    return {
      paymentId: id,
      status: p.status,
      accountId: p.account_id,
      matchRule: p.match_rule,
      unappliedMinor: BigInt(p.unapplied_minor),
      created: outcome.created,
    };
  }
}
