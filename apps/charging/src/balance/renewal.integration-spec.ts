/**
 * renewSubscription_v1 on its own: the fee and the buckets in one step or nothing, a replay by the
 * renewal key, and the refusals (checked before anything is written).
 */
import type { BucketGrant, RenewalCommand } from './balance-engine.port';
import { EUR, notifications, openEngine, outbox, prepaid, rated, snapshot, T0, TestEngine } from './test/balance-test-kit';

const DAY_MS = 24 * 3_600_000;
const FEE = 9_990_000n;

function bucket(accountId: string, bucketId: string, over: Partial<BucketGrant> = {}): BucketGrant {
  return { accountId, bucketId, unit: 'BYTES', ratingGroups: [10], units: 1_000, validFromMs: T0, expiresAtMs: T0 + 30 * DAY_MS, ...over };
}

function renewal(accountId: string, over: Partial<RenewalCommand> = {}): RenewalCommand {
  return {
    accountId,
    requestId: 'rnw-1',
    subscriberId: '4915112345678',
    chargeId: 'fee-m',
    feeMicros: FEE,
    nowMs: T0,
    recordTtlMs: 31 * DAY_MS,
    buckets: [bucket(accountId, 'rnb-1')],
    notifyIfUnpaid: true,
    replayOnly: false,
    ...over,
  };
}

describe('renewSubscription', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('rns');
  });
  afterAll(async () => t.close());

  const mine = async (acct: string) => (await outbox(t, acct)).filter((e) => e.data.accountId === acct);

  it('takes the fee and grants the buckets once; a retry replays the answer', async () => {
    await t.engine.upsertAccount(prepaid('r1'), 20n * EUR);
    expect(await t.engine.renew(renewal('r1'))).toEqual({ paid: true, balanceMicros: 20n * EUR - FEE, replayed: false });
    expect(await t.engine.renew(renewal('r1', { nowMs: T0 + 1_000 }))).toEqual({
      paid: true,
      balanceMicros: 20n * EUR - FEE,
      replayed: true,
    });
    expect(await t.engine.renew(renewal('r1', { replayOnly: true }))).toMatchObject({ paid: true, replayed: true });
    const view = await t.engine.getBalance('r1', T0);
    expect(view).toMatchObject({ balanceMicros: 20n * EUR - FEE });
    expect(view?.buckets).toEqual([expect.objectContaining({ bucketId: 'rnb-1', totalUnits: 1_000, remainingUnits: 1_000 })]);
    expect(rated(await mine('r1'), 'DEBIT')).toEqual([
      expect.objectContaining({
        requestId: 'rnw-1',
        subscriberId: '4915112345678',
        amountMicros: String(FEE),
        unit: 'MONEY',
        reason: 'RECURRING_FEE',
      }),
    ]);
  });

  it('an unpaid renewal changes nothing but one RENEWAL_FAILED, and only when asked to notify', async () => {
    await t.engine.upsertAccount(prepaid('r2'), 5n * EUR);
    const before = await snapshot(t);
    expect(await t.engine.renew(renewal('r2', { notifyIfUnpaid: false }))).toEqual({
      paid: false,
      expired: false,
      availableMicros: 5n * EUR,
    });
    expect(await snapshot(t)).toEqual(before);
    await t.engine.renew(renewal('r2'));
    const [note] = notifications(await mine('r2'), 'RENEWAL_FAILED');
    expect(note).toMatchObject({
      thresholdMicros: String(FEE),
      availableAfterMicros: String(5n * EUR),
      subscriberId: '4915112345678',
      renewalKey: 'rnw-1',
    });
    expect(rated(await mine('r2'), 'DEBIT')).toEqual([]);
    expect((await t.engine.getBalance('r2', T0))?.buckets).toEqual([]);
  });

  it('a barred account does not pay; replay-only never pays', async () => {
    await t.engine.upsertAccount(prepaid('r3', { status: 'BARRED' }), 20n * EUR);
    expect(await t.engine.renew(renewal('r3', { notifyIfUnpaid: false }))).toMatchObject({ paid: false, expired: false });
    await t.engine.upsertAccount(prepaid('r4'), 20n * EUR);
    expect(await t.engine.renew(renewal('r4', { replayOnly: true }))).toEqual({ paid: false, expired: true });
    expect((await t.engine.getBalance('r4', T0))?.balanceMicros).toBe(20n * EUR);
  });

  it.each<[string, (acct: string) => RenewalCommand, RegExp]>([
    ['another fee under the same key', (a) => renewal(a, { feeMicros: FEE + 1n }), /DUPLICATE_MISMATCH/],
    [
      'a bucket id taken by another definition',
      (a) => renewal(a, { requestId: 'rnw-2', buckets: [bucket(a, 'rnb-1', { units: 5 })] }),
      /DUPLICATE_MISMATCH: bucket rnb-1/,
    ],
    ['a requestId with |', (a) => renewal(a, { requestId: 'rnw|1' }), /INVALID_ARGUMENT: requestId/],
    ['a negative fee', (a) => renewal(a, { feeMicros: -1n }), /feeMicros/],
    [
      'a bucket of another account',
      (a) => renewal(a, { requestId: 'rnw-3', buckets: [bucket('other', 'rnb-9')] }),
      /INVALID_ARGUMENT: buckets/,
    ],
    [
      '17 buckets',
      (a) => renewal(a, { requestId: 'rnw-4', buckets: Array.from({ length: 17 }, (_, i) => bucket(a, `b${i}`)) }),
      /LIMIT_EXCEEDED: buckets/,
    ],
  ])('refuses %s and changes nothing', async (_, cmd, error) => {
    await t.engine.upsertAccount(prepaid('r5'), 20n * EUR);
    await t.engine.renew(renewal('r5'));
    const before = await snapshot(t);
    await expect(t.engine.renew(cmd('r5'))).rejects.toThrow(error);
    expect(await snapshot(t)).toEqual(before);
  });
});
