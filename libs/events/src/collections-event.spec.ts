/** The collections events' contract: subjects, stable ids, the schema field, and account ids refused as subject tokens. */
import { collectionsEvent, collectionsSubject } from './collections-event';

const AT = new Date(Date.UTC(2026, 11, 3, 8));

describe('collectionsEvent', () => {
  const input = {
    type: 'PAYMENT_RETURNED' as const,
    accountId: 'acc-1',
    paymentId: 'pay-1',
    currency: 'EUR',
    amountMinor: '100',
    reason: 'AM04',
    reopened: [{ documentId: 'doc-1', amountMinor: '100' }],
  };

  it('derives the id from the type and the source: the same change is the same event', () => {
    const a = collectionsEvent(input, 'pay-1', AT);
    expect(collectionsEvent(input, 'pay-1', new Date(0)).eventId).toBe(a.eventId);
    expect(collectionsEvent(input, 'pay-2', AT).eventId).not.toBe(a.eventId);
    expect(collectionsEvent({ ...input, type: 'PAYMENT_RETURNED' }, 'pay-1', AT).eventId).toMatch(/^ce-[0-9a-f]{40}$/);
  });

  it('stamps the schema, the id and the time, and keeps every field of the event', () => {
    const e = collectionsEvent(input, 'pay-1', AT);
    expect(e.subject).toBe('ratel.collections.v1.payment-returned.acc-1');
    expect(e.payload).toEqual({ schema: 'ratel.collections.v1', eventId: e.eventId, occurredAt: '2026-12-03T08:00:00.000Z', ...input });
  });

  it('puts a payment without an account under _suspense and refuses an id that is not a subject token', () => {
    expect(collectionsSubject('PAYMENT_RECEIVED', null)).toBe('ratel.collections.v1.payment-received._suspense');
    expect(collectionsSubject('DUNNING_STEP_TAKEN', 'a_b-1')).toBe('ratel.collections.v1.dunning-step.a_b-1');
    expect(() => collectionsSubject('PAYMENT_RECEIVED', 'acc.1')).toThrow(RangeError);
    expect(() => collectionsSubject('PAYMENT_RECEIVED', 'acc>')).toThrow(RangeError);
  });
});
