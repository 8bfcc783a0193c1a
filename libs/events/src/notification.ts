/**
 * `ratel.notification.v1`: a balance notification, published on `ratel.notify.v1.<accountId>`
 * (stream RATEL_NOTIFY), written by the same script as the balance change that caused it.
 *
 * LOW_BALANCE: the change took `balance` from above `thresholdMicros` to at or below it; one
 * notification per threshold and crossing (a top-up back above re-arms it).
 * BALANCE_EXHAUSTED: the available funds of a prepaid account went from above 0 to at or below
 * 0; `thresholdMicros` is "0".
 * RENEWAL_FAILED: a prepaid subscription's recurring fee could not be paid at its renewal (not
 * enough available funds, or the account is barred); `thresholdMicros` is the fee, and
 * `subscriberId` and `renewalKey` name the subscription's line and its period. One per renewal: the
 * retries of the same period notify no more (apps/charging/src/renewal).
 */
import { z } from 'zod';
import { accountIdSchema, currencySchema, eventIdSchema, int64String, optionalId, safeCount } from './fields';

export const NOTIFICATION_SCHEMA = 'ratel.notification.v1';

export const NOTIFICATION_TYPES = ['LOW_BALANCE', 'BALANCE_EXHAUSTED', 'RENEWAL_FAILED'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const notificationSchema = z
  .object({
    schema: z.literal(NOTIFICATION_SCHEMA),
    /** sha1 hex of the type, the canonical string of the causing request and the threshold. */
    eventId: eventIdSchema,
    type: z.enum(NOTIFICATION_TYPES),
    accountId: accountIdSchema,
    thresholdMicros: int64String,
    balanceAfterMicros: int64String,
    /** balance - reserved (+ credit limit for postpaid) after the change (absent in older producers). */
    availableAfterMicros: int64String.optional(),
    currency: currencySchema,
    occurredAtMs: safeCount,
    /** RENEWAL_FAILED: the MSISDN of the subscription whose fee was not paid. */
    subscriberId: z
      .string()
      .regex(/^[0-9]{5,15}$/, 'must be E.164 digits (5-15)')
      .optional(),
    /** RENEWAL_FAILED: the renewal's idempotency key (subscription, charge and period). */
    renewalKey: optionalId.optional(),
  })
  .superRefine((n, ctx) => {
    if (n.type === 'BALANCE_EXHAUSTED' && n.thresholdMicros !== '0') {
      ctx.addIssue({ code: 'custom', path: ['thresholdMicros'], message: 'must be "0" for BALANCE_EXHAUSTED' });
    }
    if (n.type === 'RENEWAL_FAILED' && (n.subscriberId === undefined || n.renewalKey === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [n.subscriberId === undefined ? 'subscriberId' : 'renewalKey'],
        message: 'required for RENEWAL_FAILED',
      });
    }
  });

export type Notification = z.infer<typeof notificationSchema>;
