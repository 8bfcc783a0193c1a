/**
 * No double spend: 1,000 concurrent START reservations on one prepaid balance that pays for
 * exactly 137 of them.
 */
import { flatRate, group, notifications, openEngine, outbox, prepaid, rated, sessionCmd, T0, TestEngine } from './test/balance-test-kit';

const SESSIONS = 1_000;
const AFFORDABLE = 137;
const GRANT_UNITS = 60;
const GRANT_MICROS = 60_000n; // 1,000 micros a second, per minute

describe('concurrent reservations on one balance', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('conc');
  });
  afterAll(async () => t.close());

  it(`grants exactly ${AFFORDABLE} of ${SESSIONS} and settles to exactly zero`, async () => {
    const rate = flatRate('SECONDS', 1_000, 1, { firstUnits: 60, nextUnits: 60 });
    await t.engine.upsertAccount(prepaid('hot'), GRANT_MICROS * BigInt(AFFORDABLE));
    const ids = Array.from({ length: SESSIONS }, (_, i) => `s-${i}`);

    const starts = await Promise.all(ids.map((id) => t.engine.charge(sessionCmd('START', 'hot', id, 0, [group(1, GRANT_UNITS, 0, rate)]))));
    const granted = ids.filter((_, i) => starts[i].ratingGroups[0].grantedUnits > 0);
    expect(granted).toHaveLength(AFFORDABLE);
    expect(starts.filter((r) => r.resultCode === 'CREDIT_LIMIT_REACHED')).toHaveLength(SESSIONS - AFFORDABLE);
    expect(starts.every((r) => r.ratingGroups[0].grantedUnits === 0 || r.ratingGroups[0].grantedUnits === GRANT_UNITS)).toBe(true);
    const held = await t.engine.getBalance('hot', T0);
    expect(held).toMatchObject({
      balanceMicros: GRANT_MICROS * BigInt(AFFORDABLE),
      reservedMicros: GRANT_MICROS * BigInt(AFFORDABLE),
      availableMicros: 0n,
    });
    expect(held?.reservations).toHaveLength(AFFORDABLE);

    const ends = await Promise.all(
      ids.map((id, i) => {
        const used = starts[i].ratingGroups[0].grantedUnits;
        return t.engine.charge(sessionCmd('TERMINATE', 'hot', id, 1, [group(1, 0, used, rate)], { nowMs: T0 + 30_000 }));
      }),
    );
    expect(ends.every((r) => r.resultCode === 'SUCCESS')).toBe(true);
    const after = await t.engine.getBalance('hot', T0);
    expect(after).toMatchObject({ balanceMicros: 0n, reservedMicros: 0n, availableMicros: 0n, reservations: [] });
    const rexp = await t.redis.zrange(t.engine.keys.account('hot').rexp, 0, -1);
    expect(rexp.filter((m) => m.startsWith('hot|'))).toEqual([]);

    const entries = await outbox(t, 'hot');
    expect(rated(entries, 'DEBIT')).toHaveLength(AFFORDABLE);
    expect(rated(entries, 'RELEASE')).toHaveLength(0);
    expect(notifications(entries, 'BALANCE_EXHAUSTED')).toHaveLength(1);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });
});
