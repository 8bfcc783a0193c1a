/** Test fixtures: valid `ratel.rated.v1` events with deterministic ids. For specs only. */
import { createHash } from 'node:crypto';
import { RATED_EVENT_SCHEMA, RatedEvent } from '@app/events';

export function sha1Hex(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** A valid DEBIT of `amountMicros` for `accountId`; the id is sha1(seed). */
export function ratedEventFixture(seed: string, overrides: Partial<RatedEvent> = {}): RatedEvent {
  return {
    schema: RATED_EVENT_SCHEMA,
    eventId: sha1Hex(seed),
    type: 'DEBIT',
    accountId: 'acc-1',
    subscriberId: '491700000001',
    sessionId: `sess-${seed}`.slice(0, 128).replace(/[^\x21-\x7b\x7d\x7e]/g, '_'),
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
    ...overrides,
  };
}
