/** Allowance buckets pay before money: first-to-expire first, only valid, matching buckets. */
import type { BucketGrant } from './balance-engine.port';
import { flatRate, group, openEngine, outbox, prepaid, rated, sessionCmd, sha256, T0, TestEngine } from './test/balance-test-kit';

const DAY_MS = 24 * 3600 * 1000;
const data = flatRate('BYTES', 10, 1); // 10 micros a byte
const voice = flatRate('SECONDS', 1_000, 1);

function bucket(accountId: string, bucketId: string, units: number, over: Partial<BucketGrant> = {}): BucketGrant {
  return { accountId, bucketId, unit: 'BYTES', ratingGroups: [], units, validFromMs: T0 - DAY_MS, expiresAtMs: T0 + 30 * DAY_MS, ...over };
}

describe('allowances', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('alw');
  });
  afterAll(async () => t.close());

  it('reserve and commit take allowance units before money', async () => {
    await t.engine.upsertAccount(prepaid('b1'), 10_000n);
    await t.engine.grantBucket(bucket('b1', 'month', 100));
    const s = await t.engine.charge(sessionCmd('START', 'b1', 's', 0, [group(10, 150, 0, data)]));
    expect(s.ratingGroups[0]).toMatchObject({ grantedUnits: 150, reservedMicros: 500n });
    expect((await t.engine.getBalance('b1', T0))?.buckets[0]).toMatchObject({ remainingUnits: 100, reservedUnits: 100 });
    const e = await t.engine.charge(sessionCmd('TERMINATE', 'b1', 's', 1, [group(10, 0, 120, data)]));
    expect(e.ratingGroups[0]).toMatchObject({ debitedUnits: 120, allowanceUnits: 100, debitedMicros: 200n });
    const view = await t.engine.getBalance('b1', T0);
    expect(view).toMatchObject({ balanceMicros: 9_800n, reservedMicros: 0n });
    expect(view?.buckets[0]).toMatchObject({ remainingUnits: 0, reservedUnits: 0 });
    const [debit] = rated(await outbox(t, 'b1'), 'DEBIT');
    expect(debit).toMatchObject({ allowanceUnits: 100, allowances: [{ bucketId: 'month', units: 100 }], amountMicros: '200' });
  });

  it('uses the bucket that expires first, first', async () => {
    await t.engine.upsertAccount(prepaid('b2'), 10_000n);
    await t.engine.grantBucket(bucket('b2', 'late', 100, { expiresAtMs: T0 + 20 * DAY_MS }));
    await t.engine.grantBucket(bucket('b2', 'early', 100, { expiresAtMs: T0 + 5 * DAY_MS }));
    await t.engine.charge(sessionCmd('START', 'b2', 's', 0, [group(10, 150, 0, data)]));
    await t.engine.charge(sessionCmd('TERMINATE', 'b2', 's', 1, [group(10, 0, 150, data)]));
    const byId = Object.fromEntries((await t.engine.getBalance('b2', T0))!.buckets.map((b) => [b.bucketId, b.remainingUnits]));
    expect(byId).toEqual({ early: 0, late: 50 });
    const [debit] = rated(await outbox(t, 'b2'), 'DEBIT');
    expect(debit.allowances).toEqual([
      { bucketId: 'early', units: 100 },
      { bucketId: 'late', units: 50 },
    ]);
  });

  it.each<[string, Partial<BucketGrant>]>([
    ['expired', { validFromMs: T0 - 2 * DAY_MS, expiresAtMs: T0 }],
    ['not yet valid', { validFromMs: T0 + 1, expiresAtMs: T0 + DAY_MS }],
    ['for another rating group', { ratingGroups: [11] }],
    ['for another unit', { unit: 'SECONDS' }],
  ])('does not use a bucket that is %s', async (name, over) => {
    const acct = `b3-${name.replace(/ /g, '-')}`;
    await t.engine.upsertAccount(prepaid(acct), 10_000n);
    await t.engine.grantBucket(bucket(acct, 'x', 1_000, over));
    const r = await t.engine.charge(sessionCmd('START', acct, 's', 0, [group(10, 100, 0, data)]));
    expect(r.ratingGroups[0]).toMatchObject({ grantedUnits: 100, reservedMicros: 1_000n });
  });

  it('grants one rating group from its allowance and denies the other in the same request', async () => {
    await t.engine.upsertAccount(prepaid('b4'), 0n);
    await t.engine.grantBucket(bucket('b4', 'data', 1_000, { ratingGroups: [10] }));
    const r = await t.engine.charge(sessionCmd('START', 'b4', 's', 0, [group(10, 500, 0, data), group(20, 60, 0, voice)]));
    expect(r.resultCode).toBe('SUCCESS');
    expect(r.ratingGroups.map((g) => [g.ratingGroup, g.resultCode, g.grantedUnits, g.reservedMicros])).toEqual([
      [10, 'SUCCESS', 500, 0n],
      [20, 'CREDIT_LIMIT_REACHED', 0, 0n],
    ]);
  });

  it('grants what the allowance covers when money cannot pay for more, as final units', async () => {
    await t.engine.upsertAccount(prepaid('b5'), 0n);
    await t.engine.grantBucket(bucket('b5', 'small', 300));
    const r = await t.engine.charge(sessionCmd('START', 'b5', 's', 0, [group(10, 1_000, 0, data)]));
    expect(r.ratingGroups[0]).toMatchObject({ resultCode: 'SUCCESS', grantedUnits: 300, reservedMicros: 0n, finalUnitAction: 'TERMINATE' });
  });

  it('an event debit takes allowance units and its refund puts them back, at most once', async () => {
    await t.engine.upsertAccount(prepaid('b6'), 1_000n);
    await t.engine.grantBucket(bucket('b6', 'sms', 3, { unit: 'EVENTS' }));
    const sms = flatRate('EVENTS', 100);
    const cmd = (kind: 'DEBIT' | 'REFUND', requestId: string, units: number, refundOfRequestId?: string) => ({
      kind,
      accountId: 'b6',
      subscriberId: '4915112345678',
      requestId,
      requestHash: sha256(requestId),
      nowMs: T0,
      cycleId: '2026-11',
      ratingGroup: 3,
      serviceId: 1,
      units,
      rate: sms,
      refundOfRequestId,
    });
    const d = await t.engine.event(cmd('DEBIT', 'd1', 5));
    expect(d).toMatchObject({ resultCode: 'SUCCESS', allowanceUnits: 3, debitedMicros: 200n, balanceMicros: 800n });
    const r = await t.engine.event(cmd('REFUND', 'r1', 0, 'd1'));
    expect(r).toMatchObject({ resultCode: 'SUCCESS', allowanceUnits: 3, debitedMicros: -200n, balanceMicros: 1_000n });
    expect((await t.engine.getBalance('b6', T0))?.buckets[0].remainingUnits).toBe(3);
    await expect(t.engine.event(cmd('REFUND', 'r2', 0, 'd1'))).rejects.toMatchObject({ code: 'ALREADY_REFUNDED' });
    const [refund] = rated(await outbox(t, 'b6'), 'REFUND');
    expect(refund).toMatchObject({ amountMicros: '-200', allowances: [{ bucketId: 'sms', units: 3 }], requestId: 'r1' });
  });
});
