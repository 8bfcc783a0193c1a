/**
 * `ratel.rated.v1`: one balance-relevant fact of the charging engine, published on
 * `ratel.rated.v1.<accountId>` (stream RATEL_RATED). Written to the account bucket's outbox by
 * the same Redis script that changed the balance.
 *
 * Sign convention of `amountMicros`: the amount TAKEN FROM the balance. A DEBIT is positive, a
 * REFUND and a TOPUP are negative (a TOPUP with reason INITIAL_BALANCE carries the opening balance,
 * positive when the account opens in debt); RELEASE and EXPIRY do not change the balance and carry "0"
 * (the reservation money they hand back to the available funds is in `releasedMicros`). So for
 * every account, balance(now) = balance(opening) - Σ amountMicros of its events.
 *
 * Fields that do not apply to a type are empty strings or zeros: session events have
 * `requestId` "" and event charges `sessionId` "" with `requestNumber` 0; TOPUP has
 * `subscriberId` "", `unit` MONEY and zero units.
 */
import { z } from 'zod';
import { accountIdSchema, currencySchema, eventIdSchema, int64String, optionalId, reasonSchema, safeCount, tariffIdSchema } from './fields';

export const RATED_EVENT_SCHEMA = 'ratel.rated.v1';

export const RATED_EVENT_TYPES = ['DEBIT', 'REFUND', 'TOPUP', 'RELEASE', 'EXPIRY'] as const;
export type RatedEventType = (typeof RATED_EVENT_TYPES)[number];

export const EVENT_UNITS = ['SECONDS', 'BYTES', 'EVENTS', 'MONEY'] as const;
export type EventUnit = (typeof EVENT_UNITS)[number];

/** Reasons the engine writes. RELEASE and EXPIRY always carry one. */
export const RELEASE_REASONS = { TERMINATED: 'TERMINATED', VALIDITY_EXPIRED: 'VALIDITY_EXPIRED' } as const;

const subscriberId = z.string().regex(/^([0-9]{5,15})?$/, 'must be E.164 digits (5-15) or an IMSI, or empty');

const allowanceSchema = z.object({
  bucketId: z.string().regex(/^[\x21-\x7b\x7d\x7e]{1,128}$/, 'must be printable ASCII without |'),
  units: safeCount,
});

export const ratedEventSchema = z
  .object({
    schema: z.literal(RATED_EVENT_SCHEMA),
    /** sha1 hex of the canonical string of the causing request: a retry cannot mint a second id. */
    eventId: eventIdSchema,
    type: z.enum(RATED_EVENT_TYPES),
    accountId: accountIdSchema,
    subscriberId,
    sessionId: optionalId,
    requestId: optionalId,
    requestNumber: z.number().int().min(0).max(0xffffffff),
    ratingGroup: z.number().int().min(0).max(0xffffffff),
    serviceId: z.number().int().min(0).max(0xffffffff),
    unit: z.enum(EVENT_UNITS),
    /** Units the network reported (or the event asked for). */
    usedUnits: safeCount,
    /** Units charged after increments, capped at the grant: allowanceUnits + units paid with money. */
    billableUnits: safeCount,
    /** Units paid by allowance buckets (restored ones for a REFUND). */
    allowanceUnits: safeCount,
    allowances: z.array(allowanceSchema).max(256),
    /** Signed, see the sign convention above. */
    amountMicros: int64String,
    currency: currencySchema,
    /** The account balance after this event (not the available funds). */
    balanceAfterMicros: int64String,
    tariffId: tariffIdSchema,
    cycleId: z.string().regex(/^[A-Za-z0-9_.:-]{0,32}$/, 'must be a cycle id or empty'),
    /**
     * REFUND: units the refunded debit had added to the tier counter of (cycleId, ratingGroup);
     * absent on other types, where a DEBIT's counter units are billableUnits - allowanceUnits.
     * (The engine takes them off the counter only while cycleId is still the account's current
     * cycle; the event carries them either way. Absent on REFUNDs written before this field.)
     */
    cycleUnits: safeCount.optional(),
    /** Why: TERMINATED, VALIDITY_EXPIRED (RELEASE/EXPIRY), INITIAL_BALANCE (TOPUP at account creation), TOP_UP_REVERSED (a top-up taken back). */
    reason: reasonSchema.optional(),
    occurredAtMs: safeCount,
    /** Used units beyond the grant of the reservation, not charged (absent = 0). */
    overageUnits: safeCount.optional(),
    /** Rated money that could not be taken because the funds ran out (absent = 0). */
    shortfallMicros: int64String.optional(),
    /** Reservation money handed back to the available funds (RELEASE, EXPIRY). */
    releasedMicros: int64String.optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.type === 'RELEASE' || e.type === 'EXPIRY') && e.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `required for ${e.type}` });
    }
    if ((e.type === 'RELEASE' || e.type === 'EXPIRY') && e.amountMicros !== '0') {
      ctx.addIssue({ code: 'custom', path: ['amountMicros'], message: `must be "0" for ${e.type}` });
    }
    if (e.type === 'DEBIT' && e.amountMicros.startsWith('-')) {
      ctx.addIssue({ code: 'custom', path: ['amountMicros'], message: 'must not be negative for DEBIT' });
    }
    // An opening balance below zero (reason INITIAL_BALANCE) and a top-up's reversal (reason TOP_UP_REVERSED: its card payment
    // was charged back) are the TOPUPs that take money.
    const positive = !e.amountMicros.startsWith('-') && e.amountMicros !== '0';
    if (positive && (e.type === 'REFUND' || (e.type === 'TOPUP' && e.reason !== 'INITIAL_BALANCE' && e.reason !== 'TOP_UP_REVERSED'))) {
      ctx.addIssue({ code: 'custom', path: ['amountMicros'], message: `must not be positive for ${e.type}` });
    }
    if (e.allowanceUnits > e.billableUnits && e.type === 'DEBIT') {
      ctx.addIssue({ code: 'custom', path: ['allowanceUnits'], message: 'must not exceed billableUnits' });
    }
    const sum = e.allowances.reduce((s, a) => s + a.units, 0);
    if (sum !== e.allowanceUnits) {
      ctx.addIssue({ code: 'custom', path: ['allowances'], message: 'units must add up to allowanceUnits' });
    }
  });

export type RatedEvent = z.infer<typeof ratedEventSchema>;
