/**
 * `ratel.notification.v1`: a balance notification, published on `ratel.notify.v1.<accountId>`
 * (stream RATEL_NOTIFY), written by the same script as the balance change that caused it.
 *
 * LOW_BALANCE: the change took `balance` from above `thresholdMicros` to at or below it; one
 * notification per threshold and crossing (a top-up back above re-arms it).
 * BALANCE_EXHAUSTED: the available funds of a prepaid account went from above 0 to at or below
 * 0; `thresholdMicros` is "0".
 */
import { z } from 'zod';
import { accountIdSchema, currencySchema, eventIdSchema, int64String, safeCount } from './fields';

export const NOTIFICATION_SCHEMA = 'ratel.notification.v1';

export const NOTIFICATION_TYPES = ['LOW_BALANCE', 'BALANCE_EXHAUSTED'] as const;
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
  })
  .superRefine((n, ctx) => {
    if (n.type === 'BALANCE_EXHAUSTED' && n.thresholdMicros !== '0') {
      ctx.addIssue({ code: 'custom', path: ['thresholdMicros'], message: 'must be "0" for BALANCE_EXHAUSTED' });
    }
  });

export type Notification = z.infer<typeof notificationSchema>;
