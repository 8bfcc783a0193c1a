/**
 * The side effects of delivery, each behind a port: where a document's bytes come from, and one
 * sender per channel. A sender throws a SendFailure; `permanent` ends the delivery at once (BOUNCED
 * for a recipient the provider refuses for good), otherwise it is retried with back-off.
 */
import type { DeliveryPayload } from './delivery-types';

/** The part of a document store delivery needs: a stored document's bytes by key. */
export interface DocumentBytes {
  get(key: string): Promise<Uint8Array>;
}

export interface SendRequest {
  /** The delivery's idempotency key: the gateway's idempotency header, the base of an email's Message-ID. */
  idempotencyKey: string;
  recipient: string;
  payload: DeliveryPayload;
}

export interface SendResult {
  /** The provider's id of what it accepted (Message-ID for email, the gateway's message id for SMS). */
  providerMessageId: string;
}

export interface Sender {
  send(req: SendRequest): Promise<SendResult>;
}

export type SendFailureKind = 'TRANSIENT' | 'PERMANENT' | 'BOUNCED';

export class SendFailure extends Error {
  constructor(
    readonly kind: SendFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}
