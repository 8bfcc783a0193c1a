/** Low-balance notifications: exactly one per threshold and crossing, even under concurrency. */
import type { EventCommand } from './balance-engine.port';
import {
  EUR,
  flatRate,
  group,
  notifications,
  openEngine,
  outbox,
  prepaid,
  sessionCmd,
  sha256,
  T0,
  TestEngine,
} from './test/balance-test-kit';

const sms = flatRate('EVENTS', 100_000); // 0.10 EUR

function debit(accountId: string, requestId: string): EventCommand {
  return {
    kind: 'DEBIT',
    accountId,
    subscriberId: '4915112345678',
    requestId,
    requestHash: sha256(requestId),
    nowMs: T0,
    cycleId: '2026-11',
    ratingGroup: 1,
    serviceId: 1,
    units: 1,
    rate: sms,
  };
}

describe('balance notifications', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('thr');
  });
  afterAll(async () => t.close());

  it('concurrent debits crossing thresholds notify once per threshold and crossing', async () => {
    await t.engine.upsertAccount(prepaid('n1', { thresholdsMicros: [5n * EUR, 2n * EUR] }), 10n * EUR);
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => t.engine.event(debit('n1', `a${i}`))));
    expect(results.filter((r) => r.resultCode === 'SUCCESS')).toHaveLength(100);
    let notes = notifications(await outbox(t, 'n1'));
    expect(notes.map((n) => [n.type, n.thresholdMicros])).toEqual([
      ['LOW_BALANCE', '5000000'],
      ['LOW_BALANCE', '2000000'],
      ['BALANCE_EXHAUSTED', '0'],
    ]);
    expect(notes[0]).toMatchObject({ balanceAfterMicros: '5000000', currency: 'EUR', accountId: 'n1' });

    // A top-up above both re-arms them; the next crossing notifies again, once.
    await t.engine.topUp('n1', 'refill', 6n * EUR, T0);
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.engine.event(debit('n1', `b${i}`))));
    notes = notifications(await outbox(t, 'n1'));
    expect(notes.map((n) => [n.type, n.thresholdMicros])).toEqual([
      ['LOW_BALANCE', '5000000'],
      ['LOW_BALANCE', '2000000'],
      ['BALANCE_EXHAUSTED', '0'],
      ['LOW_BALANCE', '5000000'],
    ]);
    expect(new Set(notes.map((n) => n.eventId)).size).toBe(4);
  });

  it('notifies when a session commit crosses a threshold, and exhaustion when reservations take the rest', async () => {
    await t.engine.upsertAccount(prepaid('n2', { thresholdsMicros: [500_000n] }), EUR);
    const perSecond = flatRate('SECONDS', 10_000);
    const s = await t.engine.charge(sessionCmd('START', 'n2', 's', 0, [group(1, 200, 0, perSecond)]));
    expect(s.ratingGroups[0]).toMatchObject({ grantedUnits: 100, finalUnitAction: 'TERMINATE' });
    expect(notifications(await outbox(t, 'n2')).map((n) => n.type)).toEqual(['BALANCE_EXHAUSTED']);
    await t.engine.charge(sessionCmd('TERMINATE', 'n2', 's', 1, [group(1, 0, 60, perSecond)]));
    const notes = notifications(await outbox(t, 'n2'));
    expect(notes.map((n) => [n.type, n.balanceAfterMicros])).toEqual([
      ['BALANCE_EXHAUSTED', '1000000'],
      ['LOW_BALANCE', '400000'],
    ]);
  });
});
