/** Session charging (START / UPDATE / TERMINATE) against a real Redis. */
import { flatRate, group, openEngine, outbox, prepaid, rated, sessionCmd, T0, TestEngine } from './test/balance-test-kit';

describe('chargeSession', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('sess');
  });
  afterAll(async () => t.close());

  // 1 micro per second, charged per minute.
  const perMinute = flatRate('SECONDS', 1_000, 1, { firstUnits: 60, nextUnits: 60 });

  it('reserves, commits per increment and releases on terminate', async () => {
    await t.engine.upsertAccount(prepaid('a1'), 1_000_000n);
    const start = await t.engine.charge(sessionCmd('START', 'a1', 's1', 0, [group(1, 90, 0, perMinute)]));
    expect(start.resultCode).toBe('SUCCESS');
    expect(start.ratingGroups[0]).toMatchObject({
      grantedUnits: 120,
      reservedMicros: 120_000n,
      finalUnitAction: 'NONE',
      validityMs: 60_000,
    });

    const upd = await t.engine.charge(sessionCmd('UPDATE', 'a1', 's1', 1, [group(1, 60, 61, perMinute)]));
    expect(upd.ratingGroups[0]).toMatchObject({ debitedUnits: 120, debitedMicros: 120_000n, grantedUnits: 60, reservedMicros: 60_000n });
    expect(upd.balanceMicros).toBe(880_000n);

    const term = await t.engine.charge(sessionCmd('TERMINATE', 'a1', 's1', 2, [group(1, 0, 10, perMinute)]));
    expect(term.ratingGroups[0]).toMatchObject({ debitedUnits: 60, debitedMicros: 60_000n, grantedUnits: 0 });
    const view = await t.engine.getBalance('a1', T0);
    expect(view).toMatchObject({ balanceMicros: 820_000n, reservedMicros: 0n, availableMicros: 820_000n, reservations: [] });
    const debits = rated(await outbox(t, 'a1'), 'DEBIT');
    expect(debits.map((d) => [d.usedUnits, d.billableUnits, d.amountMicros, d.balanceAfterMicros])).toEqual([
      [61, 120, '120000', '880000'],
      [10, 60, '60000', '820000'],
    ]);
  });

  it('grants a short quota in increments with TERMINATE when funds run short, then denies', async () => {
    await t.engine.upsertAccount(prepaid('a2'), 150_000n);
    const r = await t.engine.charge(sessionCmd('START', 'a2', 's1', 0, [group(1, 600, 0, perMinute)]));
    expect(r.ratingGroups[0]).toMatchObject({
      resultCode: 'SUCCESS',
      grantedUnits: 120,
      reservedMicros: 120_000n,
      finalUnitAction: 'TERMINATE',
    });
    const d = await t.engine.charge(sessionCmd('START', 'a2', 's2', 0, [group(1, 600, 0, perMinute)]));
    expect(d.resultCode).toBe('CREDIT_LIMIT_REACHED');
    expect(d.ratingGroups[0]).toMatchObject({ resultCode: 'CREDIT_LIMIT_REACHED', grantedUnits: 0, reservedMicros: 0n });
  });

  it('charges the setup fee once per session and rating group, on the first debit with usage', async () => {
    const rate = flatRate('SECONDS', 1_000, 1, { setupMicros: 50_000 });
    await t.engine.upsertAccount(prepaid('a3'), 1_000_000n);
    const s = await t.engine.charge(sessionCmd('START', 'a3', 's1', 0, [group(1, 10, 0, rate)]));
    expect(s.ratingGroups[0].reservedMicros).toBe(60_000n);
    const u0 = await t.engine.charge(sessionCmd('UPDATE', 'a3', 's1', 1, [group(1, 10, 0, rate)]));
    expect(u0.ratingGroups[0]).toMatchObject({ debitedMicros: 0n, reservedMicros: 60_000n });
    const u1 = await t.engine.charge(sessionCmd('UPDATE', 'a3', 's1', 2, [group(1, 10, 10, rate)]));
    expect(u1.ratingGroups[0]).toMatchObject({ debitedMicros: 60_000n, reservedMicros: 10_000n });
    const u2 = await t.engine.charge(sessionCmd('TERMINATE', 'a3', 's1', 3, [group(1, 0, 10, rate)]));
    expect(u2.ratingGroups[0].debitedMicros).toBe(10_000n);
    expect(u2.balanceMicros).toBe(930_000n);
  });

  it('caps the charge at the grant and reports the overage', async () => {
    await t.engine.upsertAccount(prepaid('a4'), 1_000_000n);
    await t.engine.charge(sessionCmd('START', 'a4', 's1', 0, [group(1, 60, 0, perMinute)]));
    const r = await t.engine.charge(sessionCmd('TERMINATE', 'a4', 's1', 1, [group(1, 0, 200, perMinute)]));
    expect(r.ratingGroups[0]).toMatchObject({ debitedUnits: 60, debitedMicros: 60_000n });
    const [debit] = rated(await outbox(t, 'a4'), 'DEBIT');
    expect(debit).toMatchObject({ usedUnits: 200, billableUnits: 60, overageUnits: 140, amountMicros: '60000' });
  });

  it('without a reservation rates the usage and takes at most the available funds', async () => {
    await t.engine.upsertAccount(prepaid('a5'), 100_000n);
    const s = await t.engine.charge(sessionCmd('START', 'a5', 's1', 0, [group(1, 60, 0, perMinute)]));
    expect(s.ratingGroups[0].grantedUnits).toBe(60);
    expect(await t.engine.expireDue(T0 + 65_000, 100)).toBeGreaterThanOrEqual(1); // other specs' sessions too
    expect((await t.engine.getBalance('a5', T0))?.reservations).toEqual([]);
    const r = await t.engine.charge(sessionCmd('TERMINATE', 'a5', 's1', 1, [group(1, 0, 300, perMinute)], { nowMs: T0 + 70_000 }));
    expect(r.ratingGroups[0]).toMatchObject({ debitedUnits: 300, debitedMicros: 100_000n });
    expect(r.balanceMicros).toBe(0n);
    const [debit] = rated(await outbox(t, 'a5'), 'DEBIT');
    expect(debit).toMatchObject({ amountMicros: '100000', shortfallMicros: '200000', balanceAfterMicros: '0' });
  });

  it('caps SECONDS grants at the tariff change', async () => {
    await t.engine.upsertAccount(prepaid('a6'), 1_000_000n);
    const rate = flatRate('SECONDS', 1_000, 1, { tariffChangeAtMs: T0 + 42_500 });
    const r = await t.engine.charge(sessionCmd('START', 'a6', 's1', 0, [group(1, 300, 0, rate)]));
    expect(r.ratingGroups[0]).toMatchObject({ grantedUnits: 43, finalUnitAction: 'NONE', reservedMicros: 43_000n, validityMs: 42_500 });
  });

  it('caps the validity of every grant at the tariff change, and the reservation with it', async () => {
    await t.engine.upsertAccount(prepaid('a6b'), 1_000_000n);
    const data = flatRate('BYTES', 10, 1, { tariffChangeAtMs: T0 + 1_500 });
    const later = flatRate('BYTES', 10, 1, { tariffChangeAtMs: T0 + 3_600_000 });
    const r = await t.engine.charge(sessionCmd('START', 'a6b', 's1', 0, [group(1, 100, 0, data), group(2, 100, 0, later)]));
    expect(r.ratingGroups.map((g) => [g.grantedUnits, g.validityMs])).toEqual([
      [100, 1_500],
      [100, 60_000],
    ]);
    const until = (await t.engine.getBalance('a6b', T0))!.reservations.map((x) => [x.ratingGroup, x.expiresAtMs]);
    expect(until.sort()).toEqual([
      [1, T0 + 1_500],
      [2, T0 + 60_000],
    ]);
  });

  it('answers per rating group: rating failed, unknown user, unknown session', async () => {
    await t.engine.upsertAccount(prepaid('a7'), 1_000_000n);
    const r = await t.engine.charge(sessionCmd('START', 'a7', 's1', 0, [group(1, 10, 0), group(2, 10, 0, perMinute)]));
    expect(r.resultCode).toBe('SUCCESS');
    expect(r.ratingGroups.map((g) => g.resultCode)).toEqual(['RATING_FAILED', 'SUCCESS']);
    const u = await t.engine.charge(sessionCmd('START', 'nobody', 's1', 0, [group(1, 10, 0, perMinute)]));
    expect(u.resultCode).toBe('USER_UNKNOWN');
    const s = await t.engine.charge(sessionCmd('UPDATE', 'a7', 'nosuch', 3, [group(1, 10, 5, perMinute)]));
    expect(s.resultCode).toBe('UNKNOWN_SESSION');
    await t.engine.charge(sessionCmd('TERMINATE', 'a7', 's1', 1, []));
    const after = await t.engine.charge(sessionCmd('UPDATE', 'a7', 's1', 2, [group(1, 10, 5, perMinute)]));
    expect(after.resultCode).toBe('UNKNOWN_SESSION');
  });

  it('terminate releases groups it does not name, with a RELEASE event for their unused money', async () => {
    await t.engine.upsertAccount(prepaid('a8'), 1_000_000n);
    await t.engine.charge(sessionCmd('START', 'a8', 's1', 0, [group(1, 60, 0, perMinute), group(2, 120, 0, perMinute)]));
    expect((await t.engine.getBalance('a8', T0))?.reservedMicros).toBe(180_000n);
    await t.engine.charge(sessionCmd('TERMINATE', 'a8', 's1', 1, [group(1, 0, 30, perMinute)]));
    const view = await t.engine.getBalance('a8', T0);
    expect(view).toMatchObject({ balanceMicros: 940_000n, reservedMicros: 0n, reservations: [] });
    expect(await t.redis.zcard(t.engine.keys.account('a8').rexp)).toBe(0);
    const releases = rated(await outbox(t, 'a8'), 'RELEASE');
    expect(releases.map((e) => [e.ratingGroup, e.releasedMicros, e.reason, e.amountMicros])).toEqual([[2, '120000', 'TERMINATED', '0']]);
  });
});
