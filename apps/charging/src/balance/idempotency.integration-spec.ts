/**
 * Idempotency: a retry returns the first answer and changes nothing (full Redis state compared),
 * the same key with other content is rejected, and old request numbers are out of sequence.
 */
import { BalanceError } from './balance.errors';
import { EUR, eventCmd, flatRate, group, openEngine, prepaid, sessionCmd, snapshot, T0, TestEngine } from './test/balance-test-kit';

const perSecond = flatRate('SECONDS', 1_000);

describe('idempotent retries', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('idem');
    await t.engine.upsertAccount(prepaid('rich'), 100n * EUR);
    await t.engine.upsertAccount(prepaid('poor'), 0n);
    await t.engine.upsertAccount(prepaid('barred', { status: 'BARRED' }), 10n * EUR);
  });
  afterAll(async () => t.close());

  type Call = () => Promise<unknown>;
  const cases: [string, Call[], Call][] = [
    ['START', [], () => t.engine.charge(sessionCmd('START', 'rich', 'a', 0, [group(1, 30, 0, perSecond)]))],
    [
      'UPDATE',
      [() => t.engine.charge(sessionCmd('START', 'rich', 'b', 0, [group(1, 30, 0, perSecond)]))],
      () => t.engine.charge(sessionCmd('UPDATE', 'rich', 'b', 1, [group(1, 30, 20, perSecond)])),
    ],
    [
      'TERMINATE',
      [() => t.engine.charge(sessionCmd('START', 'rich', 'c', 0, [group(1, 30, 0, perSecond), group(2, 30, 0, perSecond)]))],
      () => t.engine.charge(sessionCmd('TERMINATE', 'rich', 'c', 1, [group(1, 0, 20, perSecond)])),
    ],
    ['START denied for funds', [], () => t.engine.charge(sessionCmd('START', 'poor', 'd', 0, [group(1, 30, 0, perSecond)]))],
    ['START denied for barring', [], () => t.engine.charge(sessionCmd('START', 'barred', 'e', 0, [group(1, 30, 0, perSecond)]))],
    ['DEBIT', [], () => t.engine.event(eventCmd('DEBIT', 'rich', 'ev-1', 2))],
    ['DEBIT denied', [], () => t.engine.event(eventCmd('DEBIT', 'poor', 'ev-2', 1))],
    [
      'REFUND',
      [() => t.engine.event(eventCmd('DEBIT', 'rich', 'ev-3', 1))],
      () => t.engine.event(eventCmd('REFUND', 'rich', 'rf-3', 0, 'ev-3')),
    ],
    ['REFUND of an unknown debit', [], () => t.engine.event(eventCmd('REFUND', 'rich', 'rf-4', 0, 'nothing'))],
    ['topUp', [], () => t.engine.topUp('poor', 'tu-1', 5n * EUR, T0)],
  ];

  it.each(cases)('%s: the retry returns the first answer and changes nothing', async (_name, setup, call) => {
    for (const s of setup) await s();
    const first = (await call()) as { replayed: boolean };
    expect(first.replayed).toBe(false);
    const before = await snapshot(t);
    const retry = (await call()) as { replayed: boolean };
    expect(await snapshot(t)).toEqual(before);
    expect(retry).toEqual({ ...first, replayed: true });
  });

  const mismatches: [string, Call, Call][] = [
    [
      'session request number',
      () => t.engine.charge(sessionCmd('START', 'rich', 'm1', 0, [group(1, 30, 0, perSecond)])),
      () => t.engine.charge(sessionCmd('START', 'rich', 'm1', 0, [group(1, 31, 0, perSecond)])),
    ],
    [
      'START of an existing session',
      () => t.engine.charge(sessionCmd('START', 'rich', 'm2', 0, [group(1, 30, 0, perSecond)])),
      () => t.engine.charge(sessionCmd('START', 'rich', 'm2', 1, [group(1, 30, 0, perSecond)])),
    ],
    ['event requestId', () => t.engine.event(eventCmd('DEBIT', 'rich', 'm3', 1)), () => t.engine.event(eventCmd('DEBIT', 'rich', 'm3', 2))],
    ['topUp requestId', () => t.engine.topUp('rich', 'm4', 1n, T0), () => t.engine.topUp('rich', 'm4', 2n, T0)],
    [
      'bucket id',
      () =>
        t.engine.grantBucket({
          accountId: 'rich',
          bucketId: 'm5',
          unit: 'BYTES',
          ratingGroups: [],
          units: 10,
          validFromMs: T0,
          expiresAtMs: T0 + 1,
        }),
      () =>
        t.engine.grantBucket({
          accountId: 'rich',
          bucketId: 'm5',
          unit: 'BYTES',
          ratingGroups: [],
          units: 11,
          validFromMs: T0,
          expiresAtMs: T0 + 1,
        }),
    ],
  ];

  it.each(mismatches)('%s reused with other content is rejected and changes nothing', async (_name, first, other) => {
    await first();
    const before = await snapshot(t);
    await expect(other()).rejects.toMatchObject({ code: 'DUPLICATE_MISMATCH' });
    expect(await snapshot(t)).toEqual(before);
  });

  it('rejects request numbers at or below the last one that have no stored answer', async () => {
    await t.engine.charge(sessionCmd('START', 'rich', 'seq', 0, [group(1, 10, 0, perSecond)]));
    await t.engine.charge(sessionCmd('UPDATE', 'rich', 'seq', 5, [group(1, 10, 10, perSecond)]));
    const before = await snapshot(t);
    const err = await t.engine.charge(sessionCmd('UPDATE', 'rich', 'seq', 3, [group(1, 10, 10, perSecond)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BalanceError);
    expect(err).toMatchObject({ code: 'OUT_OF_SEQUENCE' });
    expect(await snapshot(t)).toEqual(before);
    // The answer to 5 is still there for a retry.
    expect((await t.engine.charge(sessionCmd('UPDATE', 'rich', 'seq', 5, [group(1, 10, 10, perSecond)]))).replayed).toBe(true);
  });

  it('keeps the newest 16 answers of a session; older numbers become out of sequence', async () => {
    await t.engine.charge(sessionCmd('START', 'rich', 'long', 0, [group(1, 1, 0, perSecond)]));
    for (let n = 1; n <= 20; n++) await t.engine.charge(sessionCmd('UPDATE', 'rich', 'long', n, [group(1, 1, 1, perSecond)]));
    expect((await t.engine.charge(sessionCmd('UPDATE', 'rich', 'long', 5, [group(1, 1, 1, perSecond)]))).replayed).toBe(true);
    await expect(t.engine.charge(sessionCmd('UPDATE', 'rich', 'long', 4, [group(1, 1, 1, perSecond)]))).rejects.toMatchObject({
      code: 'OUT_OF_SEQUENCE',
    });
  });

  it('stores a session answer as `q:<n>` = reply|hash, and still honours one stored before as JSON under `r:<n>`', async () => {
    const start = () => t.engine.charge(sessionCmd('START', 'rich', 'was', 0, [group(1, 30, 0, perSecond)]));
    const first = await start();
    const key = t.engine.keys.account('rich').session('was');
    const stored = (await t.redis.hget(key, 'q:0'))!;
    const bar = stored.indexOf('|');
    const [reply, hash] = [stored.slice(0, bar), stored.slice(bar + 1)];
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(reply)).toMatchObject({ code: 'SUCCESS' });
    // As a version before the compact records left it: JSON {h, reply} under r:0.
    await t.redis.hdel(key, 'q:0');
    await t.redis.hset(key, 'r:0', JSON.stringify({ h: hash, reply }));
    const before = await snapshot(t);
    expect(await start()).toEqual({ ...first, replayed: true });
    await expect(t.engine.charge(sessionCmd('START', 'rich', 'was', 0, [group(1, 31, 0, perSecond)]))).rejects.toMatchObject({
      code: 'DUPLICATE_MISMATCH',
    });
    expect(await snapshot(t)).toEqual(before);
    // Dropped from the history like any answer once 16 newer ones are kept.
    for (let n = 1; n <= 16; n++) await t.engine.charge(sessionCmd('UPDATE', 'rich', 'was', n, [group(1, 1, 1, perSecond)]));
    expect(await t.redis.hexists(key, 'r:0')).toBe(0);
    expect(await t.redis.hexists(key, 'q:1')).toBe(1);
  });

  it('puts a TTL on every idempotency record, and none on the account', async () => {
    const k = t.engine.keys.account('rich');
    for (const key of [k.session('a'), k.idem('ev-1'), t.engine.keys.account('poor').idem('tu-1')]) {
      expect(await t.redis.pttl(key)).toBeGreaterThan(23 * 3600 * 1000);
    }
    expect(await t.redis.pttl(k.acct)).toBe(-1);
  });
});
