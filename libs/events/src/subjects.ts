/**
 * NATS JetStream streams and subjects of Ratel's event journal. The outbox relay publishes each
 * outbox entry to the subject stored with it; consumers subscribe per stream.
 */

/** Rated events (DEBIT, REFUND, TOPUP, RELEASE, EXPIRY). */
import { ACCOUNT_ID_PATTERN } from './ids';

export const RATED_STREAM = 'RATEL_RATED';
export const RATED_SUBJECT_PREFIX = 'ratel.rated.v1';
/** Every subject of the rated stream. */
export const RATED_SUBJECTS = `${RATED_SUBJECT_PREFIX}.>`;

/** Balance notifications (LOW_BALANCE, BALANCE_EXHAUSTED). */
export const NOTIFY_STREAM = 'RATEL_NOTIFY';
export const NOTIFY_SUBJECT_PREFIX = 'ratel.notify.v1';
export const NOTIFY_SUBJECTS = `${NOTIFY_SUBJECT_PREFIX}.>`;

/**
 * Billing document events (DOCUMENT_ISSUED, later voided and credited), written by invoicing to its
 * outbox in the transaction of the change and relayed in order: `ratel.billing.v1.<event>.<accountId>`.
 * Collections consumes them.
 */
export const BILLING_STREAM = 'RATEL_BILLING';
export const BILLING_SUBJECT_PREFIX = 'ratel.billing.v1';
export const BILLING_SUBJECTS = `${BILLING_SUBJECT_PREFIX}.>`;

/**
 * Collections events (PAYMENT_RECEIVED, PAYMENT_ALLOCATED, PAYMENT_RETURNED, DUNNING_STEP_TAKEN: the
 * contract is collections-event.ts), written by collections to its outbox and relayed in order:
 * `ratel.collections.v1.<event>.<accountId>`.
 */
export const COLLECTIONS_STREAM = 'RATEL_COLLECTIONS';
export const COLLECTIONS_SUBJECT_PREFIX = 'ratel.collections.v1';
export const COLLECTIONS_SUBJECTS = `${COLLECTIONS_SUBJECT_PREFIX}.>`;

/**
 * JetStream de-duplication window of the streams: a message whose `Nats-Msg-Id` (the event id)
 * was seen within this window is dropped, so a relay that re-publishes after a crash creates no
 * duplicate downstream.
 */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

function assertAccountToken(accountId: string): void {
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new RangeError(`accountId is not a valid subject token: ${JSON.stringify(accountId)}`);
  }
}

/** `ratel.rated.v1.<accountId>`: all rated events of one account, in order. */
export function ratedSubject(accountId: string): string {
  assertAccountToken(accountId);
  return `${RATED_SUBJECT_PREFIX}.${accountId}`;
}

/** `ratel.notify.v1.<accountId>`: balance notifications of one account. */
export function notifySubject(accountId: string): string {
  assertAccountToken(accountId);
  return `${NOTIFY_SUBJECT_PREFIX}.${accountId}`;
}
