/**
 * What recreating an account Redis lost needs of the engine (the balance journal): allowance buckets
 * created with the units they had left (`remainingUnits`), accounts created with their cycle tier
 * counters (`upsertAccount(..., cycle)`, only when the account is created), and REFUND events that
 * say how many units they took off the tier counter (`cycleUnits`).
 */
import type { RatedEvent } from '@app/events';
import { priceUnitsMicros, type CompiledRate } from '@app/rating';
import { UNITS_PER_REQUEST_MAX, type BucketGrant, type CycleCounters, type EventCommand } from './balance-engine.port';
import { outboxEventJson } from './outbox-entry';
import { CYCLE_COUNTERS_PER_ACCOUNT_MAX } from './validation';
import { flatRate, group, openEngine, outbox, prepaid, rated, sessionCmd, sha256, snapshot, T0, TestEngine } from './test/balance-test-kit';

const DAY_MS = 24 * 3600 * 1000;
const CYCLE = '2026-11';
/** Cycle counters saturate at 2^52 (CYCLE_MAX in lua/includes/rating.lua). */
const CYCLE_MAX = 2 ** 52;
const data = flatRate('BYTES', 10, 1); // 10 micros a byte
/** 10 micros a byte for the first 100 bytes of the cycle, then 2. */
const tiered: CompiledRate = flatRate('BYTES', 10, 1, {
  tariffId: 't-tiered',
  tiers: [
    { fromUnits: 0, priceMicros: 10 },
    { fromUnits: 100, priceMicros: 2 },
  ],
});
/** 100 micros an SMS for the first 10 of the cycle, then 50. */
const sms: CompiledRate = flatRate('EVENTS', 100, 1, {
  tariffId: 't-sms',
  tiers: [
    { fromUnits: 0, priceMicros: 100 },
    { fromUnits: 10, priceMicros: 50 },
  ],
});

function bucket(accountId: string, bucketId: string, units: number, over: Partial<BucketGrant> = {}): BucketGrant {
  return { accountId, bucketId, unit: 'BYTES', ratingGroups: [], units, validFromMs: T0 - DAY_MS, expiresAtMs: T0 + 30 * DAY_MS, ...over };
}

function counters(cycleId: string, byGroup: Record<number, number>): CycleCounters {
  return { cycleId, units: Object.entries(byGroup).map(([rg, units]) => ({ ratingGroup: Number(rg), units })) };
}

function eventCmd(kind: EventCommand['kind'], accountId: string, requestId: string, over: Partial<EventCommand> = {}): EventCommand {
  return {
    kind,
    accountId,
    subscriberId: '4915112345678',
    requestId,
    requestHash: sha256(`${kind}${requestId}`),
    nowMs: T0,
    cycleId: CYCLE,
    ratingGroup: 10,
    serviceId: 1,
    units: 1,
    rate: data,
    ...over,
  };
}

describe('restoring an account', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('restore');
  });
  afterAll(async () => t.close());

  const cycleHash = (accountId: string) => t.redis.hgetall(t.engine.keys.account(accountId).cyc);
  const storedBucket = async (accountId: string, bucketId: string) =>
    JSON.parse((await t.redis.hget(t.engine.keys.account(accountId).bkt, bucketId))!);

  /** The account's rated events of a type (its bucket's outbox may hold other accounts' too). */
  async function eventsOf(accountId: string, type: RatedEvent['type']): Promise<RatedEvent[]> {
    return rated(await outbox(t, accountId), type).filter((e) => e.accountId === accountId);
  }

  /** The event JSON of the account's outbox entries (as the relay publishes it). */
  async function rawEvents(accountId: string): Promise<string[]> {
    const entries = await t.redis.xrange(t.engine.keys.account(accountId).outbox, '-', '+');
    return entries.map(([, fields]) => outboxEventJson(fields)).filter((d) => d.includes(`"accountId":"${accountId}"`));
  }

  describe('buckets created with remainingUnits', () => {
    it('a new bucket starts with remainingUnits of its total and pays only those', async () => {
      await t.engine.upsertAccount(prepaid('b1'), 10_000n);
      await t.engine.grantBucket(bucket('b1', 'month', 100, { remainingUnits: 40 }));
      expect((await t.engine.getBalance('b1', T0))?.buckets).toEqual([
        expect.objectContaining({ bucketId: 'month', totalUnits: 100, remainingUnits: 40, reservedUnits: 0 }),
      ]);
      expect(await storedBucket('b1', 'month')).toMatchObject({ total: 100, remaining: 40, reserved: 0 });
      const d = await t.engine.event(eventCmd('DEBIT', 'b1', 'd1', { units: 50 }));
      expect(d).toMatchObject({ resultCode: 'SUCCESS', allowanceUnits: 40, debitedMicros: 100n, balanceMicros: 9_900n });
      expect((await t.engine.getBalance('b1', T0))?.buckets[0]).toMatchObject({ totalUnits: 100, remainingUnits: 0 });
      // A refund puts back what the debit took (up to the total).
      const r = await t.engine.event(eventCmd('REFUND', 'b1', 'r1', { refundOfRequestId: 'd1' }));
      expect(r).toMatchObject({ resultCode: 'SUCCESS', allowanceUnits: 40, debitedMicros: -100n, balanceMicros: 10_000n });
      expect((await t.engine.getBalance('b1', T0))?.buckets[0]).toMatchObject({ totalUnits: 100, remainingUnits: 40 });
    });

    it('remainingUnits may be 0 (the bucket pays nothing) or the total (as when absent)', async () => {
      await t.engine.upsertAccount(prepaid('b2'), 10_000n);
      await t.engine.grantBucket(bucket('b2', 'used-up', 100, { remainingUnits: 0 }));
      await t.engine.grantBucket(bucket('b2', 'full', 100, { remainingUnits: 100, expiresAtMs: T0 + 40 * DAY_MS }));
      await t.engine.grantBucket(bucket('b2', 'default', 100, { expiresAtMs: T0 + 50 * DAY_MS }));
      const byId = async () =>
        Object.fromEntries((await t.engine.getBalance('b2', T0))!.buckets.map((b) => [b.bucketId, [b.totalUnits, b.remainingUnits]]));
      expect(await byId()).toEqual({ 'used-up': [100, 0], full: [100, 100], default: [100, 100] });
      const s = await t.engine.charge(sessionCmd('START', 'b2', 's', 0, [group(10, 150, 0, data)]));
      expect(s.ratingGroups[0]).toMatchObject({ resultCode: 'SUCCESS', grantedUnits: 150, reservedMicros: 0n });
      await t.engine.charge(sessionCmd('TERMINATE', 'b2', 's', 1, [group(10, 0, 150, data)]));
      expect(await byId()).toEqual({ 'used-up': [100, 0], full: [100, 0], default: [100, 50] });
    });

    it('an existing bucket is left as it is, whatever remainingUnits the grant carries', async () => {
      await t.engine.upsertAccount(prepaid('b3'), 10_000n);
      await t.engine.grantBucket(bucket('b3', 'month', 100));
      await t.engine.event(eventCmd('DEBIT', 'b3', 'd1', { units: 30 }));
      expect((await t.engine.getBalance('b3', T0))?.buckets[0].remainingUnits).toBe(70);
      const before = await snapshot(t);
      for (const remainingUnits of [undefined, 0, 10, 70, 100]) {
        await expect(t.engine.grantBucket(bucket('b3', 'month', 100, { remainingUnits }))).resolves.toBeUndefined();
      }
      expect(await snapshot(t)).toEqual(before);
      // Another definition is still refused, with or without remainingUnits.
      await expect(t.engine.grantBucket(bucket('b3', 'month', 101, { remainingUnits: 70 }))).rejects.toMatchObject({
        code: 'DUPLICATE_MISMATCH',
      });
      expect(await snapshot(t)).toEqual(before);
    });

    it.each<[string, unknown, string]>([
      ['negative', -1, 'INVALID_ARGUMENT'],
      ['a fraction', 1.5, 'INVALID_ARGUMENT'],
      ['a string', '40', 'INVALID_ARGUMENT'],
      ['null', null, 'INVALID_ARGUMENT'],
      ['above units', 101, 'INVALID_ARGUMENT'],
      ['above the units limit', UNITS_PER_REQUEST_MAX + 1, 'LIMIT_EXCEEDED'],
    ])('refuses remainingUnits %s, naming the field, and writes nothing', async (_name, remainingUnits, code) => {
      await t.engine.upsertAccount(prepaid('b4'), 0n);
      const before = await snapshot(t);
      const grant = { ...bucket('b4', 'x', 100), remainingUnits } as BucketGrant;
      await expect(t.engine.grantBucket(grant)).rejects.toMatchObject({ code, field: 'remainingUnits' });
      expect(await snapshot(t)).toEqual(before);
    });
  });

  describe('accounts created with cycle counters', () => {
    it('writes the counters with the account; tiered charges start at the restored position', async () => {
      await t.engine.upsertAccount(prepaid('c1'), 10_000n, counters(CYCLE, { 10: 80, 20: 5 }));
      expect(await cycleHash('c1')).toEqual({ id: CYCLE, '10': '80', '20': '5' });
      // Event debit of 50 bytes at position 80: 20 at 10 micros, 30 at 2.
      const d = await t.engine.event(eventCmd('DEBIT', 'c1', 'd1', { units: 50, rate: tiered }));
      expect(d).toMatchObject({ resultCode: 'SUCCESS', debitedMicros: 260n });
      expect(d.debitedMicros).toBe(priceUnitsMicros(tiered, 50, 80));
      expect(await cycleHash('c1')).toEqual({ id: CYCLE, '10': '130', '20': '5' });
      // A session reserves 100 bytes of group 20 at position 5: 95 at 10 micros, 5 at 2.
      const s = await t.engine.charge(sessionCmd('START', 'c1', 's', 0, [group(20, 100, 0, tiered)]));
      expect(s.ratingGroups[0]).toMatchObject({ resultCode: 'SUCCESS', grantedUnits: 100, reservedMicros: 960n });
      expect(s.ratingGroups[0].reservedMicros).toBe(priceUnitsMicros(tiered, 100, 5));
      const e = await t.engine.charge(sessionCmd('TERMINATE', 'c1', 's', 1, [group(20, 0, 100, tiered)]));
      expect(e.ratingGroups[0]).toMatchObject({ debitedUnits: 100, debitedMicros: 960n });
      expect(await cycleHash('c1')).toEqual({ id: CYCLE, '10': '130', '20': '105' });
    });

    it('counters of another cycle do not price a charge in this one', async () => {
      await t.engine.upsertAccount(prepaid('c2'), 10_000n, counters('2026-10', { 10: 500 }));
      const d = await t.engine.event(eventCmd('DEBIT', 'c2', 'd1', { units: 50, rate: tiered }));
      expect(d.debitedMicros).toBe(500n);
      expect(await cycleHash('c2')).toEqual({ id: CYCLE, '10': '50' });
    });

    it('clamps each counter to the counter maximum, as charges do', async () => {
      await t.engine.upsertAccount(
        prepaid('c3'),
        10_000n,
        counters(CYCLE, { 1: Number.MAX_SAFE_INTEGER, 2: CYCLE_MAX, 3: 0, 4_294_967_295: 7 }),
      );
      expect(await cycleHash('c3')).toEqual({ id: CYCLE, '1': String(CYCLE_MAX), '2': String(CYCLE_MAX), '3': '0', '4294967295': '7' });
      // Past the last tier boundary: every unit at the last tier's price.
      expect((await t.engine.event(eventCmd('DEBIT', 'c3', 'd1', { ratingGroup: 1, units: 50, rate: tiered }))).debitedMicros).toBe(100n);
      expect((await cycleHash('c3'))['1']).toBe(String(CYCLE_MAX));
    });

    it('takes up to CYCLE_COUNTERS_PER_ACCOUNT_MAX rating groups', async () => {
      const many = Object.fromEntries(Array.from({ length: CYCLE_COUNTERS_PER_ACCOUNT_MAX }, (_, i) => [i * 3, i]));
      await t.engine.upsertAccount(prepaid('c4'), 0n, counters(CYCLE, many));
      const h = await cycleHash('c4');
      expect(Object.keys(h)).toHaveLength(CYCLE_COUNTERS_PER_ACCOUNT_MAX + 1);
      expect(h[String((CYCLE_COUNTERS_PER_ACCOUNT_MAX - 1) * 3)]).toBe(String(CYCLE_COUNTERS_PER_ACCOUNT_MAX - 1));
    });

    it('no counters, or an empty list, leave the cycle hash alone', async () => {
      await t.engine.upsertAccount(prepaid('c5'), 10_000n, { cycleId: CYCLE, units: [] });
      expect(await t.redis.exists(t.engine.keys.account('c5').cyc)).toBe(0);
      // A cycle hash left without its account (it is not the account's creation that clears it).
      await t.redis.hset(t.engine.keys.account('c6').cyc, 'id', '2026-10', '10', '3');
      await t.engine.upsertAccount(prepaid('c6'), 10_000n);
      expect(await cycleHash('c6')).toEqual({ id: '2026-10', '10': '3' });
    });

    it('replaces a cycle hash left without its account when counters are given', async () => {
      await t.redis.hset(t.engine.keys.account('c7').cyc, 'id', '2026-10', '10', '3', '11', '4');
      await t.engine.upsertAccount(prepaid('c7'), 10_000n, counters(CYCLE, { 12: 9 }));
      expect(await cycleHash('c7')).toEqual({ id: CYCLE, '12': '9' });
    });

    it('an existing account keeps its counters; only its static fields change', async () => {
      await t.engine.upsertAccount(prepaid('c8'), 10_000n, counters(CYCLE, { 10: 80 }));
      await t.engine.event(eventCmd('DEBIT', 'c8', 'd1', { units: 10, rate: tiered }));
      expect(await cycleHash('c8')).toEqual({ id: CYCLE, '10': '90' });
      await t.engine.upsertAccount(prepaid('c8', { planId: 'plan-2' }), 99n, counters('2026-12', { 10: 0, 30: 7 }));
      expect(await cycleHash('c8')).toEqual({ id: CYCLE, '10': '90' });
      expect(await t.redis.hget(t.engine.keys.account('c8').acct, 'planId')).toBe('plan-2');
      expect((await t.engine.getBalance('c8', T0))?.balanceMicros).toBe(10_000n - 100n);
      // An existing account without a cycle hash does not get one either.
      await t.engine.upsertAccount(prepaid('c9'), 10_000n);
      await t.engine.upsertAccount(prepaid('c9'), 10_000n, counters(CYCLE, { 10: 80 }));
      expect(await t.redis.exists(t.engine.keys.account('c9').cyc)).toBe(0);
    });

    it.each<[string, unknown, string, string]>([
      ['not an object', 'x', 'INVALID_ARGUMENT', 'cycle'],
      ['cycleId with a slash', { cycleId: '2026/11', units: [] }, 'INVALID_ARGUMENT', 'cycle.cycleId'],
      ['empty cycleId', { cycleId: '', units: [{ ratingGroup: 1, units: 1 }] }, 'INVALID_ARGUMENT', 'cycle.cycleId'],
      ['cycleId of 33 characters', { cycleId: 'c'.repeat(33), units: [] }, 'INVALID_ARGUMENT', 'cycle.cycleId'],
      ['units not an array', { cycleId: CYCLE, units: { 1: 2 } }, 'INVALID_ARGUMENT', 'cycle.units'],
      ['an entry not an object', { cycleId: CYCLE, units: [5] }, 'INVALID_ARGUMENT', 'cycle.units[0]'],
      [
        'negative rating group',
        { cycleId: CYCLE, units: [{ ratingGroup: -1, units: 1 }] },
        'INVALID_ARGUMENT',
        'cycle.units[0].ratingGroup',
      ],
      [
        'rating group beyond uint32',
        { cycleId: CYCLE, units: [{ ratingGroup: 2 ** 32, units: 1 }] },
        'LIMIT_EXCEEDED',
        'cycle.units[0].ratingGroup',
      ],
      [
        'rating group twice',
        {
          cycleId: CYCLE,
          units: [
            { ratingGroup: 1, units: 1 },
            { ratingGroup: 1, units: 2 },
          ],
        },
        'INVALID_ARGUMENT',
        'cycle.units[1].ratingGroup',
      ],
      ['negative units', { cycleId: CYCLE, units: [{ ratingGroup: 1, units: -1 }] }, 'INVALID_ARGUMENT', 'cycle.units[0].units'],
      ['fractional units', { cycleId: CYCLE, units: [{ ratingGroup: 1, units: 0.5 }] }, 'INVALID_ARGUMENT', 'cycle.units[0].units'],
      [
        'units beyond 2^53 - 1',
        { cycleId: CYCLE, units: [{ ratingGroup: 1, units: 2 ** 53 }] },
        'INVALID_ARGUMENT',
        'cycle.units[0].units',
      ],
      ['units as a string', { cycleId: CYCLE, units: [{ ratingGroup: 1, units: '5' }] }, 'INVALID_ARGUMENT', 'cycle.units[0].units'],
      [
        'too many rating groups',
        { cycleId: CYCLE, units: Array.from({ length: CYCLE_COUNTERS_PER_ACCOUNT_MAX + 1 }, (_, i) => ({ ratingGroup: i, units: 1 })) },
        'LIMIT_EXCEEDED',
        'cycle.units',
      ],
    ])('refuses counters with %s, naming the field, and writes nothing', async (_name, cycle, code, field) => {
      const before = await snapshot(t);
      await expect(t.engine.upsertAccount(prepaid('c-bad'), 10_000n, cycle as CycleCounters)).rejects.toMatchObject({ code, field });
      expect(await snapshot(t)).toEqual(before);
      expect(await t.engine.getBalance('c-bad', T0)).toBeUndefined();
    });
  });

  describe('REFUND events carry cycleUnits', () => {
    it('the units the debit added to the tier counter, which the refund takes off', async () => {
      await t.engine.upsertAccount(prepaid('r1'), 10_000n, counters(CYCLE, { 10: 8 }));
      await t.engine.grantBucket(bucket('r1', 'sms', 3, { unit: 'EVENTS' }));
      // 5 SMS: 3 by the allowance, 2 with money at positions 8 and 9 (100 each).
      const d = await t.engine.event(eventCmd('DEBIT', 'r1', 'd1', { units: 5, rate: sms }));
      expect(d).toMatchObject({ resultCode: 'SUCCESS', allowanceUnits: 3, debitedMicros: 200n });
      expect((await cycleHash('r1'))['10']).toBe('10');
      const r = await t.engine.event(eventCmd('REFUND', 'r1', 'rf1', { refundOfRequestId: 'd1', units: 0, rate: undefined }));
      expect(r).toMatchObject({ resultCode: 'SUCCESS', allowanceUnits: 3, debitedMicros: -200n, balanceMicros: 10_000n });
      expect((await cycleHash('r1'))['10']).toBe('8');
      const [debit] = await eventsOf('r1', 'DEBIT');
      const [refund] = await eventsOf('r1', 'REFUND');
      expect(debit.cycleUnits).toBeUndefined();
      expect(debit.billableUnits - debit.allowanceUnits).toBe(2);
      expect(refund).toMatchObject({
        type: 'REFUND',
        cycleId: CYCLE,
        ratingGroup: 10,
        cycleUnits: 2,
        amountMicros: '-200',
        allowanceUnits: 3,
      });
      // A consumer folding the events gets the engine's counter: 8 + 2 - 2.
      expect(8 + (debit.billableUnits - debit.allowanceUnits) - refund.cycleUnits!).toBe(Number((await cycleHash('r1'))['10']));
      // In the JSON as written: a number, between cycleId and eventId (keys sorted); no other event has it.
      const raw = await rawEvents('r1');
      expect(raw.filter((j) => j.includes('"type":"REFUND"'))).toEqual([
        expect.stringContaining(`"cycleId":"${CYCLE}","cycleUnits":2,"eventId":`),
      ]);
      expect(raw.filter((j) => j.includes('cycleUnits'))).toHaveLength(1);
    });

    it('carries them even when the counter is no longer touched (the cycle changed)', async () => {
      await t.engine.upsertAccount(prepaid('r2'), 10_000n);
      await t.engine.event(eventCmd('DEBIT', 'r2', 'd1', { units: 5, rate: sms }));
      await t.engine.event(eventCmd('DEBIT', 'r2', 'd2', { units: 1, rate: sms, cycleId: '2026-12' }));
      expect(await cycleHash('r2')).toEqual({ id: '2026-12', '10': '1' });
      await t.engine.event(eventCmd('REFUND', 'r2', 'rf1', { refundOfRequestId: 'd1', units: 0, rate: undefined, cycleId: '2026-12' }));
      expect(await cycleHash('r2')).toEqual({ id: '2026-12', '10': '1' });
      const [refund] = await eventsOf('r2', 'REFUND');
      expect(refund).toMatchObject({ cycleId: CYCLE, ratingGroup: 10, cycleUnits: 5, amountMicros: '-500' });
    });

    it('carries 0 for a debit paid by allowances alone', async () => {
      await t.engine.upsertAccount(prepaid('r3'), 10_000n);
      await t.engine.grantBucket(bucket('r3', 'sms', 10, { unit: 'EVENTS' }));
      await t.engine.event(eventCmd('DEBIT', 'r3', 'd1', { units: 4, rate: sms }));
      await t.engine.event(eventCmd('REFUND', 'r3', 'rf1', { refundOfRequestId: 'd1', units: 0, rate: undefined }));
      const [refund] = await eventsOf('r3', 'REFUND');
      expect(refund).toMatchObject({ cycleUnits: 0, allowanceUnits: 4, amountMicros: '0' });
      expect((await rawEvents('r3')).filter((j) => j.includes('"type":"REFUND"'))[0]).toContain('"cycleUnits":0,');
      // A retried refund answers from its record and writes no second event.
      expect((await t.engine.event(eventCmd('REFUND', 'r3', 'rf1', { refundOfRequestId: 'd1', units: 0, rate: undefined }))).replayed).toBe(
        true,
      );
      expect(await eventsOf('r3', 'REFUND')).toHaveLength(1);
    });
  });
});
