/** Deliveries: channels, statuses, what is sent, and the errors of delivery. */

export const DELIVERY_CHANNELS = ['EMAIL', 'SMS', 'PORTAL', 'WEBHOOK'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const DELIVERY_STATUSES = ['PENDING', 'SENT', 'FAILED', 'BOUNCED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** DUNNING_NOTICE: a dunning step's notice to the customer (collections' DUNNING_STEP_TAKEN event: dunning-notices.ts). */
export const SUBJECT_KINDS = ['DOCUMENT', 'NOTIFICATION', 'DUNNING_NOTICE'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** What a delivery sends, rendered when the row is written so every attempt sends the same. */
export interface DeliveryPayload {
  /** Email subject (EMAIL only). */
  subject?: string;
  /** Body text (EMAIL, SMS, WEBHOOK). */
  text: string;
  /** The document's key in the document store, attached as `attachmentName` (EMAIL of a document). */
  attachmentKey?: string;
  attachmentName?: string;
  /** Extra fields of a webhook body (the notification as published). */
  data?: Record<string, unknown>;
}

export interface DeliveryRecord {
  id: string;
  subjectKind: SubjectKind;
  subjectId: string;
  channel: DeliveryChannel;
  recipient: string;
  payload: DeliveryPayload;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  /** Set (in its own commit) just before the provider is called; cleared when the outcome is recorded. */
  sendingAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  providerMessageId: string | null;
  idempotencyKey: string;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

/** The idempotency key of a delivery: its subject and channel, so each is delivered through one row. */
export function idempotencyKeyOf(subjectId: string, channel: DeliveryChannel): string {
  return `${subjectId}:${channel}`;
}

export enum DeliveryErrorCode {
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** The same idempotency key was enqueued before with another recipient or payload. */
  CONFLICTING_DELIVERY = 'CONFLICTING_DELIVERY',
  /** A notification whose account has no prepaid subscriber to tell. */
  NO_RECIPIENT = 'NO_RECIPIENT',
}

export class DeliveryError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
