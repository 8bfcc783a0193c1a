/** Reservations end: an abandoned session's reservation is released by the engine after validity + grace. */
import { flatRate, group, openEngine, outbox, prepaid, rated, sessionCmd, T0, TestEngine } from './test/balance-test-kit';

const VALIDITY_MS = 1_000;
const GRACE_MS = 500;
const rate = flatRate('BYTES', 1, 1_000); // 1 micro per 1,000 bytes

describe('reservation expiry', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('exp');
  });
  afterAll(async () => t.close());

  const start = (acct: string, sess: string) =>
    t.engine.charge(sessionCmd('START', acct, sess, 0, [group(7, 5_000_000, 0, rate)], { validityMs: VALIDITY_MS, graceMs: GRACE_MS }));

  it('releases an abandoned reservation after validity + grace, money back, with an EXPIRY event', async () => {
    await t.engine.upsertAccount(prepaid('x1'), 1_000_000n);
    const r = await start('x1', 'gone');
    expect(r.ratingGroups[0].reservedMicros).toBe(5_000n);
    expect(await t.engine.expireDue(T0 + VALIDITY_MS + GRACE_MS - 1, 100)).toBe(0);
    expect((await t.engine.getBalance('x1', T0))?.availableMicros).toBe(995_000n);

    expect(await t.engine.expireDue(T0 + VALIDITY_MS + GRACE_MS, 100)).toBe(1);
    expect(await t.engine.getBalance('x1', T0)).toMatchObject({
      balanceMicros: 1_000_000n,
      reservedMicros: 0n,
      availableMicros: 1_000_000n,
      reservations: [],
    });
    expect(await t.redis.zcard(t.engine.keys.account('x1').rexp)).toBe(0);
    const [expiry] = rated(await outbox(t, 'x1'), 'EXPIRY');
    expect(expiry).toMatchObject({
      reason: 'VALIDITY_EXPIRED',
      releasedMicros: '5000',
      amountMicros: '0',
      balanceAfterMicros: '1000000',
      sessionId: 'gone',
      ratingGroup: 7,
      requestNumber: 0,
      unit: 'BYTES',
      tariffId: 't-bytes',
    });
    expect(await t.engine.expireDue(T0 + 10 * VALIDITY_MS, 100)).toBe(0);
  });

  it('does not release a reservation that an update renewed', async () => {
    await t.engine.upsertAccount(prepaid('x2'), 1_000_000n);
    await start('x2', 'live');
    const later = T0 + VALIDITY_MS;
    await t.engine.charge(
      sessionCmd('UPDATE', 'x2', 'live', 1, [group(7, 5_000_000, 1_000_000, rate)], {
        nowMs: later,
        validityMs: VALIDITY_MS,
        graceMs: GRACE_MS,
      }),
    );
    expect(await t.engine.expireDue(T0 + VALIDITY_MS + GRACE_MS, 100)).toBe(0);
    expect((await t.engine.getBalance('x2', T0))?.reservations).toHaveLength(1);
    expect(await t.engine.expireDue(later + VALIDITY_MS + GRACE_MS, 100)).toBe(1);
    expect(await t.engine.getBalance('x2', T0)).toMatchObject({ balanceMicros: 999_000n, reservedMicros: 0n });
  });

  it('releases at most `limit` per call, and the rest on the next calls', async () => {
    await t.engine.upsertAccount(prepaid('x3'), 1_000_000n);
    for (let i = 0; i < 5; i++) await start('x3', `s${i}`);
    const due = T0 + VALIDITY_MS + GRACE_MS;
    expect(await t.engine.expireDue(due, 2)).toBe(2);
    expect(await t.engine.expireDue(due, 2)).toBe(2);
    expect(await t.engine.expireDue(due, 2)).toBe(1);
    expect((await t.engine.getBalance('x3', T0))?.reservedMicros).toBe(0n);
    expect(rated(await outbox(t, 'x3'), 'EXPIRY')).toHaveLength(5);
  });

  it('a late update after expiry rates the usage without a reservation', async () => {
    await t.engine.upsertAccount(prepaid('x4'), 1_000_000n);
    await start('x4', 'late');
    await t.engine.expireDue(T0 + VALIDITY_MS + GRACE_MS, 100);
    const late = T0 + 10_000;
    const r = await t.engine.charge(sessionCmd('TERMINATE', 'x4', 'late', 1, [group(7, 0, 3_000_000, rate)], { nowMs: late }));
    expect(r.ratingGroups[0]).toMatchObject({ resultCode: 'SUCCESS', debitedMicros: 3_000n });
    expect(await t.engine.getBalance('x4', T0)).toMatchObject({ balanceMicros: 997_000n, reservedMicros: 0n });
  });
});
