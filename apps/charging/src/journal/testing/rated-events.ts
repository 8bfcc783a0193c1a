/** Valid ratel.rated.v1 events for the journal's specs (never used by production code). */
import { createHash } from 'node:crypto';
import type { RatedEvent } from '@app/events';

export const EVENT_DEFAULTS: RatedEvent = {
  schema: 'ratel.rated.v1',
  eventId: 'a'.repeat(40),
  type: 'DEBIT',
  accountId: 'acc-1',
  subscriberId: '491510000001',
  sessionId: '',
  requestId: 'r',
  requestNumber: 0,
  ratingGroup: 10,
  serviceId: 1,
  unit: 'SECONDS',
  usedUnits: 0,
  billableUnits: 0,
  allowanceUnits: 0,
  allowances: [],
  amountMicros: '0',
  currency: 'EUR',
  balanceAfterMicros: '0',
  tariffId: 't',
  cycleId: '2026-11',
  occurredAtMs: 1_795_000_000_000,
};

let counter = 0;

/** An event with the defaults above, a fresh event id, and `e` on top. */
export function ratedEvent(e: Partial<RatedEvent>): RatedEvent {
  const eventId = createHash('sha1').update(`journal-spec|${++counter}`).digest('hex');
  return { ...EVENT_DEFAULTS, eventId, ...e };
}

/** The TOPUP a new account's opening balance produces. */
export function openingEvent(accountId: string, micros: number): RatedEvent {
  return ratedEvent({
    accountId,
    type: 'TOPUP',
    reason: 'INITIAL_BALANCE',
    amountMicros: String(-micros),
    balanceAfterMicros: String(micros),
    unit: 'MONEY',
    cycleId: '',
    requestId: '',
  });
}
