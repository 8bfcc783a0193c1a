/**
 * The card gateway as collections sees it (a port: the HTTP adapter is http-payment-gateway.ts, the
 * fake for tests a separate process in src/testing/fake-card-gateway/). Every call that moves money
 * carries an idempotency key: the same key returns the same intent or refund, never a second charge.
 * Amounts are integers of the currency's minor unit.
 */
export const INTENT_STATUSES = ['processing', 'succeeded', 'failed'] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

export interface PaymentIntent {
  id: string;
  /** The key it was created with (collections' card payment id). */
  idempotencyKey: string;
  status: IntentStatus;
  amountMinor: bigint;
  currency: string;
  /** Why it failed (card_declined, insufficient_funds, ...); null unless failed. */
  failureCode: string | null;
  /**
   * The card's issuer took money back (a lost dispute): the gateway's id of it, its reason and how much
   * (all of the intent, or part of it); null otherwise.
   */
  chargeback: { id: string; reason: string; amountMinor: bigint } | null;
}

export interface CreateIntentRequest {
  idempotencyKey: string;
  amountMinor: bigint;
  currency: string;
  /** The gateway's token of the card (never a card number). */
  cardToken: string;
  description: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  intentId: string;
  amountMinor: bigint;
}

export interface Refund {
  id: string;
  intentId: string;
  status: 'succeeded' | 'failed';
  amountMinor: bigint;
  failureCode: string | null;
}

export interface PaymentGateway {
  /** Creates the intent, or returns the one created earlier with this key. */
  createIntent(r: CreateIntentRequest): Promise<PaymentIntent>;
  /** The intent as the gateway has it now. */
  getIntent(intentId: string): Promise<PaymentIntent>;
  /** Refunds (part of) a succeeded intent, once per key. For the refunds feature. */
  refund(r: RefundRequest): Promise<Refund>;
}

export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');

export enum GatewayErrorCode {
  /** No answer within the timeout: the call may or may not have happened (ask again with the same key). */
  TIMEOUT = 'TIMEOUT',
  /** Not reachable, or a 5xx: nothing is known; retry with the same key. */
  UNAVAILABLE = 'UNAVAILABLE',
  /** The gateway refused the request (4xx): retrying the same request will not help. */
  REFUSED = 'REFUSED',
  /** The key was used with another request (409). */
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
}

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** Whether the outcome is unknown and the same request may be sent again. */
  get retryable(): boolean {
    return this.code === GatewayErrorCode.TIMEOUT || this.code === GatewayErrorCode.UNAVAILABLE;
  }
}
