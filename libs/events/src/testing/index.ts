/**
 * The one factory of `ratel.rated.v1` events for specs, benches and fixtures (`@app/events/testing`).
 * Never imported by production code (a lint rule says so). Events are valid against the schema;
 * ids are deterministic from a seed, so a failing scenario can be replayed.
 *
 *   ratedEvent('seed-1', { accountId: 'acc-7', amountMicros: '2500' })   the id is sha1('seed-1')
 *   anyRatedEvent({ type: 'TOPUP' })                                       a fresh id each call
 */
import { createHash } from 'node:crypto';
import { RATED_EVENT_SCHEMA, type RatedEvent } from '../rated-event';

/** A DEBIT of 1,500 micros for 1,000 bytes on acc-1, in November 2026. */
export const RATED_EVENT_DEFAULTS: Readonly<Omit<RatedEvent, 'eventId' | 'sessionId'>> = {
  schema: RATED_EVENT_SCHEMA,
  type: 'DEBIT',
  accountId: 'acc-1',
  subscriberId: '491700000001',
  requestId: '',
  requestNumber: 1,
  ratingGroup: 10,
  serviceId: 1,
  unit: 'BYTES',
  usedUnits: 1000,
  billableUnits: 1000,
  allowanceUnits: 0,
  allowances: [],
  amountMicros: '1500',
  currency: 'EUR',
  balanceAfterMicros: '1000000',
  tariffId: 'tariff-1',
  cycleId: '2026-11',
  occurredAtMs: Date.UTC(2026, 10, 15, 12, 0, 0),
};

/** The event id a seed gives: sha1 of the seed, hex (the id format of every Ratel event). */
export function eventIdOf(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** A valid event: the defaults, the seed's id and session, then `overrides`. */
export function ratedEvent(seed: string, overrides: Partial<RatedEvent> = {}): RatedEvent {
  return {
    ...RATED_EVENT_DEFAULTS,
    eventId: eventIdOf(seed),
    sessionId: `sess-${seed}`.slice(0, 128).replace(/[^\x21-\x7b\x7d\x7e]/g, '_'),
    ...overrides,
  };
}

let anonymous = 0;

/** A valid event with a fresh id (per process), for specs that do not care which. */
export function anyRatedEvent(overrides: Partial<RatedEvent> = {}): RatedEvent {
  return ratedEvent(`any-rated-event|${process.pid}|${++anonymous}`, overrides);
}
