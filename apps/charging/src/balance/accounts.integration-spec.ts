/** Account rules: postpaid floor, barring, refunds, read-only checks, provisioning, limits, bad input. */
import { AMOUNT_MAX_MICROS, UNITS_PER_REQUEST_MAX, type EventCommand, type SessionCommand } from './balance-engine.port';
import {
  EUR,
  flatRate,
  group,
  openEngine,
  outbox,
  prepaid,
  rated,
  sessionCmd,
  sha256,
  snapshot,
  T0,
  TestEngine,
} from './test/balance-test-kit';

const sms = flatRate('EVENTS', 1_000_000); // 1 EUR
const perSecond = flatRate('SECONDS', 1_000);

function eventCmd(kind: EventCommand['kind'], accountId: string, requestId: string, over: Partial<EventCommand> = {}): EventCommand {
  return {
    kind,
    accountId,
    subscriberId: '4915112345678',
    requestId,
    requestHash: sha256(`${kind}${requestId}`),
    nowMs: T0,
    cycleId: '2026-11',
    ratingGroup: 1,
    serviceId: 1,
    units: 1,
    rate: sms,
    ...over,
  };
}

describe('account rules', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('acct');
  });
  afterAll(async () => t.close());

  it('a postpaid account spends down to minus its credit limit, never below', async () => {
    await t.engine.upsertAccount(prepaid('p1', { type: 'POSTPAID', creditLimitMicros: 5n * EUR }), 0n);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => t.engine.event(eventCmd('DEBIT', 'p1', `d${i}`))));
    expect(results.filter((r) => r.resultCode === 'SUCCESS')).toHaveLength(5);
    expect(results.filter((r) => r.resultCode === 'CREDIT_LIMIT_REACHED')).toHaveLength(3);
    expect(await t.engine.getBalance('p1', T0)).toMatchObject({
      balanceMicros: -5n * EUR,
      availableMicros: 0n,
      creditLimitMicros: 5n * EUR,
    });
    const s = await t.engine.charge(sessionCmd('START', 'p1', 's', 0, [group(1, 60, 0, perSecond)]));
    expect(s.resultCode).toBe('CREDIT_LIMIT_REACHED');
    // A postpaid account is never "exhausted": that notification is for prepaid balances.
    expect((await outbox(t, 'p1')).filter((e) => e.subject.startsWith('ratel.notify.'))).toEqual([]);
  });

  it('a barred account gets no new reservation or debit, but open sessions still commit their usage', async () => {
    await t.engine.upsertAccount(prepaid('p2'), 10n * EUR);
    await t.engine.charge(sessionCmd('START', 'p2', 'open', 0, [group(1, 60, 0, perSecond)]));
    await t.engine.setStatus('p2', 'BARRED');
    const start = await t.engine.charge(sessionCmd('START', 'p2', 'new', 0, [group(1, 60, 0, perSecond)]));
    expect(start.resultCode).toBe('END_USER_SERVICE_DENIED');
    expect((await t.engine.event(eventCmd('DEBIT', 'p2', 'd'))).resultCode).toBe('END_USER_SERVICE_DENIED');
    expect((await t.engine.event(eventCmd('CHECK', 'p2', 'c'))).resultCode).toBe('END_USER_SERVICE_DENIED');
    const upd = await t.engine.charge(sessionCmd('UPDATE', 'p2', 'open', 1, [group(1, 60, 30, perSecond)]));
    expect(upd.ratingGroups[0]).toMatchObject({ resultCode: 'END_USER_SERVICE_DENIED', debitedMicros: 30_000n, grantedUnits: 0 });
    const report = await t.engine.charge(sessionCmd('TERMINATE', 'p2', 'open', 2, [group(1, 0, 10, perSecond)]));
    expect(report.resultCode).toBe('SUCCESS');
    expect(await t.engine.getBalance('p2', T0)).toMatchObject({ balanceMicros: 10n * EUR - 40_000n, reservedMicros: 0n, status: 'BARRED' });
  });

  it('a soft-barred account gets only services whose rate is free; open sessions still commit, refunds and top-ups pass', async () => {
    const free = flatRate('SECONDS', 0);
    const freeSms = flatRate('EVENTS', 0);
    // Free tiers alone are not enough: a setup fee, or any priced tier, makes the rate cost money.
    const freeWithSetup = flatRate('SECONDS', 0, 1, { setupMicros: 1 });
    const freeThenPriced = flatRate('SECONDS', 0, 1, {
      tiers: [
        { fromUnits: 0, priceMicros: 0 },
        { fromUnits: 600, priceMicros: 1_000 },
      ],
    });
    await t.engine.upsertAccount(prepaid('p2s'), 10n * EUR);
    await t.engine.event(eventCmd('DEBIT', 'p2s', 'before'));
    await t.engine.charge(sessionCmd('START', 'p2s', 'open', 0, [group(1, 60, 0, perSecond)]));
    await t.engine.setStatus('p2s', 'SOFT_BARRED');

    const denied = await t.engine.charge(sessionCmd('START', 'p2s', 'new', 0, [group(1, 60, 0, perSecond), group(2, 60, 0, free)]));
    expect(denied.ratingGroups.map((g) => [g.ratingGroup, g.resultCode, g.grantedUnits])).toEqual([
      [1, 'END_USER_SERVICE_DENIED', 0],
      [2, 'SUCCESS', 60],
    ]);
    for (const [i, rate] of [freeWithSetup, freeThenPriced].entries()) {
      const s = await t.engine.charge(sessionCmd('START', 'p2s', `priced-${i}`, 0, [group(3, 60, 0, rate)]));
      expect(s.resultCode).toBe('END_USER_SERVICE_DENIED');
    }
    expect((await t.engine.event(eventCmd('DEBIT', 'p2s', 'd'))).resultCode).toBe('END_USER_SERVICE_DENIED');
    expect((await t.engine.event(eventCmd('CHECK', 'p2s', 'c'))).resultCode).toBe('END_USER_SERVICE_DENIED');
    expect(await t.engine.event(eventCmd('DEBIT', 'p2s', 'free-sms', { rate: freeSms }))).toMatchObject({
      resultCode: 'SUCCESS',
      debitedMicros: 0n,
    });
    // With no rate at all, the answer is the same as for an ACTIVE account.
    expect((await t.engine.event(eventCmd('DEBIT', 'p2s', 'unrated', { rate: undefined }))).resultCode).toBe('RATING_FAILED');

    const upd = await t.engine.charge(sessionCmd('UPDATE', 'p2s', 'open', 1, [group(1, 60, 30, perSecond)]));
    expect(upd.ratingGroups[0]).toMatchObject({ resultCode: 'END_USER_SERVICE_DENIED', debitedMicros: 30_000n, grantedUnits: 0 });
    expect((await t.engine.charge(sessionCmd('TERMINATE', 'p2s', 'open', 2, [group(1, 0, 10, perSecond)]))).resultCode).toBe('SUCCESS');
    expect((await t.engine.charge(sessionCmd('TERMINATE', 'p2s', 'new', 1, [group(2, 0, 60, free)]))).resultCode).toBe('SUCCESS');
    expect((await t.engine.event(eventCmd('REFUND', 'p2s', 'r', { refundOfRequestId: 'before' }))).resultCode).toBe('SUCCESS');
    expect(await t.engine.getBalance('p2s', T0)).toMatchObject({
      balanceMicros: 10n * EUR - 40_000n,
      reservedMicros: 0n,
      status: 'SOFT_BARRED',
    });

    await t.engine.setStatus('p2s', 'BARRED');
    const hard = await t.engine.charge(sessionCmd('START', 'p2s', 'after-bar', 0, [group(2, 60, 0, free)]));
    expect(hard.ratingGroups[0].resultCode).toBe('END_USER_SERVICE_DENIED');
    await t.engine.setStatus('p2s', 'ACTIVE');
    expect((await t.engine.event(eventCmd('DEBIT', 'p2s', 'after-unbar'))).resultCode).toBe('SUCCESS');
  });

  it("a top-up's reversal takes the money back whatever the balance, once, even below zero; then nothing is granted", async () => {
    await t.engine.upsertAccount(prepaid('p2r'), EUR);
    await t.engine.topUp('p2r', 'topup:k1', 5n * EUR, T0);
    await t.engine.event(eventCmd('DEBIT', 'p2r', 'spent', { units: 4 })); // 4 EUR of the 6 spent
    const back = await t.engine.topUp('p2r', 'topup:reversal:k1', -5n * EUR, T0);
    expect(back).toEqual({ balanceMicros: -3n * EUR, replayed: false });
    expect(await t.engine.topUp('p2r', 'topup:reversal:k1', -5n * EUR, T0)).toEqual({ balanceMicros: -3n * EUR, replayed: true });
    expect((await t.engine.event(eventCmd('DEBIT', 'p2r', 'after'))).resultCode).toBe('CREDIT_LIMIT_REACHED');
    expect((await t.engine.charge(sessionCmd('START', 'p2r', 's', 0, [group(1, 60, 0, perSecond)]))).resultCode).toBe(
      'CREDIT_LIMIT_REACHED',
    );
    await t.engine.setStatus('p2r', 'CLOSED');
    // A closed account takes no top-up, but a reversal still goes through.
    await expect(t.engine.topUp('p2r', 'topup:k2', EUR, T0)).rejects.toMatchObject({ code: 'ACCOUNT_CLOSED' });
    expect((await t.engine.topUp('p2r', 'topup:reversal:k0', -EUR, T0)).balanceMicros).toBe(-4n * EUR);
    const events = rated(await outbox(t, 'p2r')).filter((e) => e.type === 'TOPUP');
    expect(events.map((e) => [e.amountMicros, e.reason ?? null])).toEqual([
      ['-1000000', 'INITIAL_BALANCE'],
      ['-5000000', null],
      ['5000000', 'TOP_UP_REVERSED'],
      ['1000000', 'TOP_UP_REVERSED'],
    ]);
  });

  it('refunds a debit at most once, and answers NOT_FOUND for an unknown one', async () => {
    await t.engine.upsertAccount(prepaid('p3'), 10n * EUR);
    await t.engine.event(eventCmd('DEBIT', 'p3', 'd1'));
    const refund = await t.engine.event(eventCmd('REFUND', 'p3', 'r1', { refundOfRequestId: 'd1' }));
    expect(refund).toMatchObject({ resultCode: 'SUCCESS', debitedMicros: -EUR, balanceMicros: 10n * EUR });
    const before = await snapshot(t);
    await expect(t.engine.event(eventCmd('REFUND', 'p3', 'r2', { refundOfRequestId: 'd1' }))).rejects.toMatchObject({
      code: 'ALREADY_REFUNDED',
    });
    expect(await snapshot(t)).toEqual(before);
    expect((await t.engine.event(eventCmd('REFUND', 'p3', 'r3', { refundOfRequestId: 'nope' }))).resultCode).toBe('NOT_FOUND');
    expect((await t.engine.event(eventCmd('REFUND', 'p3', 'r4', { refundOfRequestId: 'r1' }))).resultCode).toBe('NOT_FOUND');
    const events = rated(await outbox(t, 'p3'));
    expect(events.map((e) => [e.type, e.amountMicros])).toEqual([
      ['TOPUP', '-10000000'],
      ['DEBIT', '1000000'],
      ['REFUND', '-1000000'],
    ]);
    expect(events[0].reason).toBe('INITIAL_BALANCE');
  });

  it('a CHECK says whether a debit would pass and changes nothing', async () => {
    await t.engine.upsertAccount(prepaid('p4'), EUR);
    const before = await snapshot(t);
    expect(await t.engine.event(eventCmd('CHECK', 'p4', 'c1'))).toMatchObject({
      resultCode: 'SUCCESS',
      debitedMicros: EUR,
      balanceMicros: EUR,
      replayed: false,
    });
    expect((await t.engine.event(eventCmd('CHECK', 'p4', 'c1', { units: 2 }))).resultCode).toBe('CREDIT_LIMIT_REACHED');
    expect(await snapshot(t)).toEqual(before);
  });

  it('upsert updates static fields only and never changes the currency', async () => {
    await t.engine.upsertAccount(prepaid('p5', { thresholdsMicros: [EUR] }), 3n * EUR);
    await t.engine.event(eventCmd('DEBIT', 'p5', 'd'));
    await t.engine.upsertAccount(prepaid('p5', { planId: 'plan-2', status: 'BARRED' }), 99n * EUR);
    expect(await t.engine.getBalance('p5', T0)).toMatchObject({ balanceMicros: 2n * EUR, status: 'BARRED' });
    expect(await t.redis.hget(t.engine.keys.account('p5').acct, 'planId')).toBe('plan-2');
    await expect(t.engine.upsertAccount(prepaid('p5', { currency: 'USD' }), 0n)).rejects.toMatchObject({ code: 'CURRENCY_MISMATCH' });
    await expect(t.engine.setStatus('ghost', 'ACTIVE')).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(t.engine.topUp('ghost', 't', 1n, T0)).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await t.engine.setStatus('p5', 'CLOSED');
    await expect(t.engine.topUp('p5', 't', 1n, T0)).rejects.toMatchObject({ code: 'ACCOUNT_CLOSED' });
  });

  it('opens a postpaid account in debt with a positive INITIAL_BALANCE amount', async () => {
    await t.engine.upsertAccount(prepaid('p8', { type: 'POSTPAID', creditLimitMicros: 10n * EUR }), -3n * EUR);
    expect(await t.engine.getBalance('p8', T0)).toMatchObject({ balanceMicros: -3n * EUR, availableMicros: 7n * EUR });
    expect(rated(await outbox(t, 'p8'))).toMatchObject([
      { type: 'TOPUP', amountMicros: '3000000', reason: 'INITIAL_BALANCE', balanceAfterMicros: '-3000000' },
    ]);
  });

  it('holds the largest exact balance, 2^53 - 1 micros, and refuses to go beyond it', async () => {
    await t.engine.upsertAccount(prepaid('p6'), AMOUNT_MAX_MICROS - 1n);
    expect((await t.engine.topUp('p6', 't1', 1n, T0)).balanceMicros).toBe(AMOUNT_MAX_MICROS);
    await expect(t.engine.topUp('p6', 't2', 1n, T0)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    const d = await t.engine.event(eventCmd('DEBIT', 'p6', 'd', { rate: flatRate('EVENTS', 1) }));
    expect(d.balanceMicros).toBe(AMOUNT_MAX_MICROS - 1n);
    expect(rated(await outbox(t, 'p6'), 'DEBIT')[0].balanceAfterMicros).toBe('9007199254740990');
  });

  it('routes subscribers and stores plans', async () => {
    const route = { accountId: 'p1', planId: 'plan-1', timeZone: 'Europe/Berlin', currency: 'EUR', cycleDay: 1 };
    await t.engine.routeSubscriber('4915112345678', route);
    expect(await t.engine.resolveSubscriber('4915112345678')).toEqual(route);
    await t.engine.unrouteSubscriber('4915112345678');
    expect(await t.engine.resolveSubscriber('4915112345678')).toBeUndefined();
    await t.engine.putPlan('plan-1', '{"id":"plan-1"}');
    expect(await t.engine.getPlan('plan-1')).toBe('{"id":"plan-1"}');
    await expect(t.engine.putPlan('plan-1', '{')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'planJson' });
  });

  const start = (over: Partial<SessionCommand>) => sessionCmd('START', 'p7', 's', 0, [group(1, 10, 0, perSecond)], over);
  const badInput: [string, () => Promise<unknown>, string, string][] = [
    ['accountId', () => t.engine.charge(start({ accountId: 'a b' })), 'INVALID_ARGUMENT', 'accountId'],
    ['sessionId with |', () => t.engine.charge(start({ sessionId: 'a|b' })), 'INVALID_ARGUMENT', 'sessionId'],
    ['requestHash', () => t.engine.charge(start({ requestHash: 'xyz' })), 'INVALID_ARGUMENT', 'requestHash'],
    [
      'requested units',
      () => t.engine.charge(start({ ratingGroups: [group(1, UNITS_PER_REQUEST_MAX + 1, 0, perSecond)] })),
      'LIMIT_EXCEEDED',
      'ratingGroups[0].requestedUnits',
    ],
    [
      '17 rating groups',
      () => t.engine.charge(start({ ratingGroups: Array.from({ length: 17 }, (_, i) => group(i, 1, 0, perSecond)) })),
      'LIMIT_EXCEEDED',
      'ratingGroups',
    ],
    [
      'duplicate rating group',
      () => t.engine.charge(start({ ratingGroups: [group(1, 1, 0), group(1, 1, 0)] })),
      'INVALID_ARGUMENT',
      'ratingGroups[1].ratingGroup',
    ],
    [
      'usage on START',
      () => t.engine.charge(start({ ratingGroups: [group(1, 1, 5, perSecond)] })),
      'INVALID_ARGUMENT',
      'ratingGroups[0].usedUnits',
    ],
    [
      'fractional units',
      () => t.engine.charge(start({ ratingGroups: [group(1, 1.5, 0, perSecond)] })),
      'INVALID_ARGUMENT',
      'ratingGroups[0].requestedUnits',
    ],
    [
      'rate tiers not ascending',
      () =>
        t.engine.charge(
          start({
            ratingGroups: [
              group(1, 1, 0, {
                ...perSecond,
                tiers: [
                  { fromUnits: 0, priceMicros: 1 },
                  { fromUnits: 0, priceMicros: 2 },
                ],
              }),
            ],
          }),
        ),
      'INVALID_ARGUMENT',
      'ratingGroups[0].rate.tiers[1].fromUnits',
    ],
    [
      'rate perUnits 0',
      () => t.engine.charge(start({ ratingGroups: [group(1, 1, 0, { ...perSecond, perUnits: 0 })] })),
      'INVALID_ARGUMENT',
      'ratingGroups[0].rate.perUnits',
    ],
    [
      'rate price beyond 2^53',
      () => t.engine.charge(start({ ratingGroups: [group(1, 1, 0, { ...perSecond, setupMicros: 2 ** 53 })] })),
      'INVALID_ARGUMENT',
      'ratingGroups[0].rate.setupMicros',
    ],
    ['validity', () => t.engine.charge(start({ validityMs: 0 })), 'INVALID_ARGUMENT', 'validityMs'],
    ['event units', () => t.engine.event(eventCmd('DEBIT', 'p7', 'x', { units: 0 })), 'INVALID_ARGUMENT', 'units'],
    ['refund without its debit id', () => t.engine.event(eventCmd('REFUND', 'p7', 'x')), 'INVALID_ARGUMENT', 'refundOfRequestId'],
    ['top-up amount', () => t.engine.topUp('p7', 'x', AMOUNT_MAX_MICROS + 1n, T0), 'LIMIT_EXCEEDED', 'amountMicros'],
    ['zero top-up', () => t.engine.topUp('p7', 'x', 0n, T0), 'INVALID_ARGUMENT', 'amountMicros'],
    [
      'prepaid credit limit',
      () => t.engine.upsertAccount(prepaid('p7', { creditLimitMicros: 1n }), 0n),
      'INVALID_ARGUMENT',
      'creditLimitMicros',
    ],
    ['currency', () => t.engine.upsertAccount(prepaid('p7', { currency: 'eur' }), 0n), 'INVALID_ARGUMENT', 'currency'],
    [
      'bucket dates',
      () =>
        t.engine.grantBucket({
          accountId: 'p7',
          bucketId: 'b',
          unit: 'BYTES',
          ratingGroups: [],
          units: 1,
          validFromMs: T0,
          expiresAtMs: T0,
        }),
      'INVALID_ARGUMENT',
      'expiresAtMs',
    ],
    [
      'subscriber',
      () => t.engine.routeSubscriber('+49', { accountId: 'p7', planId: 'p', timeZone: 'UTC', currency: 'EUR', cycleDay: 1 }),
      'INVALID_ARGUMENT',
      'subscriberId',
    ],
  ];

  it.each(badInput)('bad %s is answered precisely and changes nothing', async (_name, call, code, field) => {
    await t.engine.upsertAccount(prepaid('p7'), EUR);
    const before = await snapshot(t);
    await expect(call()).rejects.toMatchObject({ name: 'BalanceError', code, field });
    expect(await snapshot(t)).toEqual(before);
  });
});
