/**
 * Coalesced charging (charge-coalescer.ts) against real Redis: the calls of one event-loop turn go
 * as one chargeGroup call per slot bucket, and every item gets exactly the answer, the error and
 * the Redis writes its own script call would have given. The reference is the same sequence of
 * calls through an engine that does not coalesce, under another key prefix.
 */
import { Registry } from 'prom-client';
import { BalanceError } from './balance.errors';
import { CHARGE_GROUP_ITEMS_MAX, parseGroupReply } from './charge-coalescer';
import { eventArg } from './codec';
import { IDEMPOTENCY_TTL_MS } from './balance-engine.port';
import { functionLibrary } from './script-loader';
import { RedisBalanceEngine } from './redis-balance-engine';
import {
  EUR,
  eventCmd,
  flatRate,
  group,
  notifications,
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

const perSecond = flatRate('SECONDS', 1_000);

/** An engine on t's Redis and prefix that coalesces, with its own metrics registry. */
function coalescing(t: TestEngine, registry: Registry): RedisBalanceEngine {
  return new RedisBalanceEngine(t.redis, { prefix: t.prefix, registry, clock: { nowMs: () => T0 }, coalesce: true });
}

async function scriptCalls(registry: Registry, script: string): Promise<number> {
  const values = (await registry.getSingleMetric('ratel_script_duration_seconds')!.get()).values as Array<{
    metricName?: string;
    labels: Record<string, string | number>;
    value: number;
  }>;
  return values.find((v) => v.metricName === 'ratel_script_duration_seconds_count' && v.labels.script === script)?.value ?? 0;
}

/** An answer or the error's class, code and message: what a caller can see. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await p };
  } catch (err) {
    return err instanceof BalanceError ? { code: err.code, message: err.message } : { other: String(err) };
  }
}

/** Every key without its prefix; outbox streams as their entries' fields (stream ids are times). */
async function state(t: TestEngine): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(await snapshot(t))) {
    const v = value as { v?: unknown };
    out[key.slice(t.prefix.length)] =
      Array.isArray(v.v) && key.endsWith(':outbox') ? { ...v, v: (v.v as [string, string[]][]).map(([, f]) => f) } : v;
  }
  return out;
}

describe('coalesced charging calls', () => {
  let plain: TestEngine;
  let grouped: TestEngine;
  beforeAll(async () => {
    plain = await openEngine('coal-ref');
    grouped = await openEngine('coal');
  });
  afterAll(async () => {
    await plain.close();
    await grouped.close();
  });

  it('answers every item of every turn as its own script call would, and leaves the same Redis state', async () => {
    const registry = new Registry();
    const engines = [plain.engine, coalescing(grouped, registry)];
    const accounts = Array.from({ length: 12 }, (_, i) => `acc-${i}`);
    for (const e of [plain, grouped]) {
      for (const a of accounts) await e.engine.upsertAccount(prepaid(a, { thresholdsMicros: [5n * EUR] }), 10n * EUR);
      await e.engine.upsertAccount(prepaid('poor'), 0n);
    }
    // Turns of calls made at once: sessions of many accounts (many buckets, several per bucket),
    // events, refunds, replays, a mismatching retry, an out-of-sequence request, an unknown account.
    const turns: Array<(e: RedisBalanceEngine) => Array<Promise<unknown>>> = [
      (e) => [
        ...accounts.map((a) => e.charge(sessionCmd('START', a, `s-${a}`, 0, [group(1, 120, 0, perSecond)]))),
        ...accounts.map((a) => e.event(eventCmd('DEBIT', a, `ev-${a}`, 3))),
        e.event(eventCmd('DEBIT', 'poor', 'ev-poor', 1)),
        e.charge(sessionCmd('START', 'nobody', 's-x', 0, [group(1, 60, 0, perSecond)])),
      ],
      (e) => [
        ...accounts.map((a) => e.charge(sessionCmd('UPDATE', a, `s-${a}`, 1, [group(1, 120, 100, perSecond)], { nowMs: T0 + 100_000 }))),
        e.charge(sessionCmd('START', 'acc-0', 's-acc-0', 0, [group(1, 120, 0, perSecond)])),
        e.event(eventCmd('DEBIT', 'acc-1', 'ev-acc-1', 3)),
        e.event(eventCmd('DEBIT', 'acc-2', 'ev-acc-2', 4)),
        e.event(eventCmd('REFUND', 'acc-3', 'rf-acc-3', 0, 'ev-acc-3')),
        e.event(eventCmd('REFUND', 'acc-4', 'rf-4', 0, 'no-such-debit')),
      ],
      (e) => [
        ...accounts.map((a) => e.charge(sessionCmd('TERMINATE', a, `s-${a}`, 2, [group(1, 0, 120, perSecond)], { nowMs: T0 + 200_000 }))),
        e.charge(sessionCmd('UPDATE', 'acc-5', 's-acc-5', 1, [group(1, 120, 100, perSecond)], { nowMs: T0 + 100_000 })),
        e.charge(sessionCmd('UPDATE', 'acc-6', 's-acc-6', 0, [group(1, 120, 100, perSecond)])),
        e.event(eventCmd('REFUND', 'acc-3', 'rf-other', 0, 'ev-acc-3')),
      ],
    ];
    const seen: unknown[] = [];
    for (const turn of turns) {
      const [expected, got] = await Promise.all(engines.map((e) => Promise.all(turn(e).map(outcome))));
      expect(got).toEqual(expected);
      seen.push(...got);
    }
    expect(await state(grouped)).toEqual(await state(plain));
    // The turns hold answers and errors of each kind, so the comparisons above covered them.
    const codes = JSON.stringify(seen, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const code of ['CREDIT_LIMIT_REACHED', 'USER_UNKNOWN', 'DUPLICATE_MISMATCH', 'ALREADY_REFUNDED', 'NOT_FOUND', '"replayed":true']) {
      expect(codes).toContain(code);
    }
    // Coalesced: far fewer Redis calls than items, most of them chargeGroup calls.
    const calls =
      (await scriptCalls(registry, 'chargeGroup')) +
      (await scriptCalls(registry, 'chargeSession')) +
      (await scriptCalls(registry, 'eventCharge'));
    expect(await scriptCalls(registry, 'chargeGroup')).toBeGreaterThan(0);
    expect(calls).toBeLessThan(seen.length);
  });

  it("sends one turn's calls over several slot buckets in one pipelined write: a chargeGroup per bucket of two or more, the single item's own script", async () => {
    const registry = new Registry();
    const engine = coalescing(grouped, registry);
    // Accounts of four different slot buckets.
    const bucketOf = (id: string) => grouped.engine.keys.account(id).acct.match(/\{b:(\d+)\}/)![1];
    const ids: string[] = [];
    for (let i = 0; ids.length < 4; i++) {
      const id = `pipe-${i}`;
      if (!ids.some((x) => bucketOf(x) === bucketOf(id))) ids.push(id);
    }
    for (const id of ids) await grouped.engine.upsertAccount(prepaid(id), 10n * EUR);
    // The engine's own ioredis client, watched (Redis itself is real): what each pipeline held when it was sent.
    const pipeline = grouped.redis.pipeline.bind(grouped.redis);
    const queued: number[] = [];
    const pipelines = jest.spyOn(grouped.redis, 'pipeline').mockImplementation((...args: Parameters<typeof pipeline>) => {
      const p = pipeline(...args);
      const exec = p.exec.bind(p);
      p.exec = (...a: Parameters<typeof exec>) => {
        queued.push(p.length);
        return exec(...a);
      };
      return p;
    });
    try {
      // Three items on each of three accounts, one on the fourth, all in one turn.
      const calls = ids.flatMap((id, k) =>
        Array.from({ length: k === 3 ? 1 : 3 }, (_, j) => engine.event(eventCmd('DEBIT', id, `pipe-${k}-${j}`, 1))),
      );
      const results = await Promise.all(calls);
      expect(results.map((r) => r.resultCode)).toEqual(Array(10).fill('SUCCESS'));
    } finally {
      pipelines.mockRestore();
    }
    expect(queued).toEqual([4]);
    expect(await scriptCalls(registry, 'chargeGroup')).toBe(3);
    expect(await scriptCalls(registry, 'eventCharge')).toBe(1);
    for (const [k, id] of ids.entries()) {
      expect((await grouped.engine.getBalance(id, T0))?.balanceMicros).toBe(10n * EUR - BigInt(k === 3 ? 1 : 3) * 100_000n);
    }
  });

  it('fails an item alone: the other items of its group are applied', async () => {
    const engine = coalescing(grouped, new Registry());
    await grouped.engine.upsertAccount(prepaid('mixed'), 10n * EUR);
    await grouped.engine.event(eventCmd('DEBIT', 'mixed', 'first', 1));
    const changed = { ...eventCmd('DEBIT', 'mixed', 'first', 1), requestHash: sha256('other content') };
    const results = await Promise.all(
      [
        engine.event(eventCmd('DEBIT', 'mixed', 'a', 1)),
        engine.event(changed),
        engine.event(eventCmd('DEBIT', 'mixed', 'b', 1)),
        engine.charge(sessionCmd('UPDATE', 'mixed', 'never-started', 0, [group(1, 10, 0, perSecond)])),
      ].map(outcome),
    );
    expect(results[0]).toMatchObject({ ok: { resultCode: 'SUCCESS', debitedMicros: 100_000n } });
    expect(results[1]).toMatchObject({ code: 'DUPLICATE_MISMATCH' });
    expect(results[2]).toMatchObject({ ok: { resultCode: 'SUCCESS', debitedMicros: 100_000n } });
    expect(results[3]).toMatchObject({ ok: { resultCode: 'UNKNOWN_SESSION' } });
    expect((await grouped.engine.getBalance('mixed', T0))?.balanceMicros).toBe(10n * EUR - 300_000n);
  });

  it('chargeGroup itself: an item that raises fails alone, and keys not matching the items run nothing', async () => {
    await grouped.engine.upsertAccount(prepaid('raw'), 10n * EUR);
    await grouped.engine.loadScripts();
    const fn = functionLibrary().functions.get('chargeGroup')!.fn;
    const k = grouped.engine.keys.account('raw');
    const keys = (requestId: string) => [k.acct, k.bkt, k.cyc, k.idem(requestId), k.idem(requestId), k.outbox];
    const good = 'E' + eventArg(eventCmd('DEBIT', 'raw', 'raw-1', 1), IDEMPOTENCY_TTL_MS);
    const raw = await grouped.redis.fcall(fn, 12, ...keys('raw-0'), ...keys('raw-1'), 'E{not json', good);
    const [bad, ok] = parseGroupReply(raw, 2);
    expect(bad).toMatchObject({ error: expect.stringMatching(/invalid token/) });
    expect(ok).toMatchObject({ reply: [expect.stringContaining('"code":"SUCCESS"'), 0] });
    await expect(grouped.redis.fcall(fn, 6, ...keys('raw-2'), good, good)).rejects.toThrow(/BAD_GROUP the items need 12 keys, 6 given/);
    await expect(grouped.redis.fcall(fn, 6, ...keys('raw-2'), 'X{}')).rejects.toThrow(/BAD_GROUP item 1 is neither S nor E/);
    expect((await grouped.engine.getBalance('raw', T0))?.balanceMicros).toBe(10n * EUR - 100_000n);
  });

  it(`grants exactly 137 of 1,000 concurrent reservations on one balance (groups of ${CHARGE_GROUP_ITEMS_MAX}) and settles to zero`, async () => {
    const registry = new Registry();
    const engine = coalescing(grouped, registry);
    const rate = flatRate('SECONDS', 1_000, 1, { firstUnits: 60, nextUnits: 60 });
    await engine.upsertAccount(prepaid('hot'), 60_000n * 137n);
    const ids = Array.from({ length: 1_000 }, (_, i) => `h-${i}`);
    const starts = await Promise.all(ids.map((id) => engine.charge(sessionCmd('START', 'hot', id, 0, [group(1, 60, 0, rate)]))));
    expect(starts.filter((r) => r.ratingGroups[0].grantedUnits === 60)).toHaveLength(137);
    expect(starts.filter((r) => r.resultCode === 'CREDIT_LIMIT_REACHED')).toHaveLength(863);
    expect(await scriptCalls(registry, 'chargeGroup')).toBe(Math.ceil(1_000 / CHARGE_GROUP_ITEMS_MAX));
    const ends = await Promise.all(
      ids.map((id, i) =>
        engine.charge(
          sessionCmd('TERMINATE', 'hot', id, 1, [group(1, 0, starts[i].ratingGroups[0].grantedUnits, rate)], { nowMs: T0 + 30_000 }),
        ),
      ),
    );
    expect(ends.every((r) => r.resultCode === 'SUCCESS')).toBe(true);
    expect(await engine.getBalance('hot', T0)).toMatchObject({ balanceMicros: 0n, reservedMicros: 0n, reservations: [] });
    const entries = await outbox(grouped, 'hot');
    expect(rated(entries, 'DEBIT')).toHaveLength(137);
    expect(notifications(entries, 'BALANCE_EXHAUSTED')).toHaveLength(1);
  });
});
