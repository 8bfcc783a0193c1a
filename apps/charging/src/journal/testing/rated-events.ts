/**
 * What the journal's specs assume of an event unless they say otherwise (no money, no units, a
 * fixed time), on top of the one rated-event factory (@app/events/testing).
 */
import type { RatedEvent } from '@app/events';
import { anyRatedEvent } from '@app/events/testing';

export const JOURNAL_EVENT_BASE: Partial<RatedEvent> = {
  subscriberId: '491510000001',
  sessionId: '',
  requestId: 'r',
  requestNumber: 0,
  unit: 'SECONDS',
  usedUnits: 0,
  billableUnits: 0,
  amountMicros: '0',
  balanceAfterMicros: '0',
  tariffId: 't',
  occurredAtMs: 1_795_000_000_000,
};

/** An event of the journal's base with a fresh id, and `e` on top. */
export function journalEvent(e: Partial<RatedEvent>): RatedEvent {
  return anyRatedEvent({ ...JOURNAL_EVENT_BASE, ...e });
}

/** The TOPUP a new account's opening balance produces. */
export function openingEvent(accountId: string, micros: number): RatedEvent {
  return journalEvent({
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
