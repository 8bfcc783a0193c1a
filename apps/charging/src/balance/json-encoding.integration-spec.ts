/**
 * The scripts write their JSON (replies, stored answers and records, reservations, buckets; the
 * outbox events as the relay expands them) with encoders written out by hand for speed (lua/includes/core.lua jfield/jwrap);
 * their output must stay byte for byte what the generic `jenc` gives: keys sorted, integers
 * printed exactly, nil fields left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BucketGrant } from './balance-engine.port';
import { outboxEventJson } from './outbox-entry';
import { findLuaDir, resolveIncludes } from './script-loader';
import { flatRate, group, openEngine, prepaid, sessionCmd, sha256, T0, TestEngine } from './test/balance-test-kit';

const DAY_MS = 24 * 3600 * 1000;

/** What jenc prints for a parsed JSON value (keys sorted by byte, no spaces). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function expectCanonical(json: string): void {
  expect(json).toBe(canonical(JSON.parse(json)));
}

function bucket(accountId: string, bucketId: string, units: number, over: Partial<BucketGrant> = {}): BucketGrant {
  return { accountId, bucketId, unit: 'BYTES', ratingGroups: [], units, validFromMs: T0 - DAY_MS, expiresAtMs: T0 + 30 * DAY_MS, ...over };
}

describe('JSON written by the scripts', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('json');
  });
  afterAll(async () => t.close());

  async function allJsonOf(accountId: string): Promise<string[]> {
    const k = t.engine.keys.account(accountId);
    const out: string[] = [];
    for (const key of [k.bkt, k.rsv]) out.push(...Object.values(await t.redis.hgetall(key)));
    const sessions = await t.redis.keys(`${k.session('*')}`);
    for (const s of sessions) {
      // (a stored answer is `q:<n>` = reply|hash: the reply is JSON)
      for (const [f, v] of Object.entries(await t.redis.hgetall(s))) if (f.startsWith('q:')) out.push(v.slice(0, v.indexOf('|')));
    }
    for (const idem of await t.redis.keys(k.idem('*'))) {
      const v = (await t.redis.get(idem))!;
      out.push(v, JSON.parse(v).reply);
    }
    for (const [, fields] of await t.redis.xrange(k.outbox, '-', '+')) out.push(outboxEventJson(fields));
    return out;
  }

  it('sessions with allowances, setup fees, tariff changes, overage and releases, and events with refunds', async () => {
    const acct = 'j1';
    await t.engine.upsertAccount(prepaid(acct, { thresholdsMicros: [9_000n] }), 10_000n);
    await t.engine.grantBucket(bucket(acct, 'month', 100, { ratingGroups: [10, 20] }));
    await t.engine.grantBucket(bucket(acct, 'sms', 2, { unit: 'EVENTS' }));
    const data = flatRate('BYTES', 10, 1, {
      setupMicros: 7,
      tiers: [
        { fromUnits: 0, priceMicros: 10 },
        { fromUnits: 500, priceMicros: 5 },
      ],
    });
    const voice = flatRate('SECONDS', 1_000, 60, { firstUnits: 30, nextUnits: 6, tariffChangeAtMs: T0 + 90_000 });
    const replies = [
      await t.engine.charge(sessionCmd('START', acct, 's1', 0, [group(10, 150, 0, data), group(11, 600, 0, voice)])),
      await t.engine.charge(sessionCmd('UPDATE', acct, 's1', 1, [group(10, 150, 170, data)])),
      await t.engine.charge(sessionCmd('TERMINATE', acct, 's1', 2, [group(10, 0, 40, data)])),
      await t.engine.charge(sessionCmd('START', acct, 's2', 0, [group(20, 50, 0, data)])),
      await t.engine.charge(sessionCmd('TERMINATE', acct, 's2', 1, [])),
      await t.engine.charge(sessionCmd('START', acct, 's3', 0, [group(10, 30, 0, data), group(11, 60, 0, voice)])),
    ];
    expect(replies.map((r) => r.resultCode)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(Object.keys(await t.redis.hgetall(t.engine.keys.account(acct).rsv))).toHaveLength(2);
    const sms = flatRate('EVENTS', 100, 1);
    const ev = (requestId: string, kind: 'DEBIT' | 'REFUND', units = 1, refundOfRequestId?: string) => ({
      kind,
      accountId: acct,
      subscriberId: '4915112345678',
      requestId,
      requestHash: sha256(requestId),
      nowMs: T0,
      cycleId: '2026-11',
      ratingGroup: 30,
      serviceId: 2,
      units,
      rate: kind === 'DEBIT' ? sms : undefined,
      refundOfRequestId,
    });
    expect((await t.engine.event(ev('e1', 'DEBIT', 3))).resultCode).toBe('SUCCESS');
    expect((await t.engine.event(ev('e2', 'REFUND', 0, 'e1'))).resultCode).toBe('SUCCESS');
    expect((await t.engine.event(ev('e3', 'REFUND', 0, 'nope'))).resultCode).toBe('NOT_FOUND');
    expect((await t.engine.event(ev('e4', 'DEBIT', 1_000_000))).resultCode).toBe('CREDIT_LIMIT_REACHED');
    const all = await allJsonOf(acct);
    expect(all.length).toBeGreaterThan(15);
    for (const json of all) expectCanonical(json);
  });

  it('what the relay publishes of an emitRated entry is exactly jenc of the event object', async () => {
    const dir = findLuaDir();
    const includes = resolveIncludes(
      ['core', 'rating', 'cycle', 'account', 'buckets', 'reservations'].map((n) => `--- @include "${n}"`).join('\n'),
      (n) => readFileSync(join(dir, 'includes', `${n}.lua`), 'utf8'),
    );
    // The event object as the scripts built it before, encoded with jenc, beside what emitRated wrote
    // (compact, r1) as the relay expands it (outbox-entry.ts).
    const lua = `${includes}
local out = {}
local function reference(ctx, e)
  local al, total = jarr({}), 0
  for i, x in ipairs(e.allowances or {}) do al[i] = { bucketId = x.id, units = x.n }; total = total + x.n end
  local ev = {
    schema = 'ratel.rated.v1', eventId = redis.sha1hex(e.canon), type = e.type, accountId = ctx.id,
    subscriberId = e.sub or '', sessionId = e.sess or '', requestId = e.req or '', requestNumber = e.n or 0,
    ratingGroup = e.rg or 0, serviceId = e.svc or 0, unit = e.unit or 'MONEY', usedUnits = e.used or 0,
    billableUnits = e.billable or 0, allowanceUnits = total, allowances = al,
    amountMicros = fmt(e.amount or 0), currency = ctx.a.currency, balanceAfterMicros = fmt(ctx.a.balance),
    tariffId = e.tariff or '', cycleId = e.cycle or '', occurredAtMs = ctx.now,
  }
  if e.reason then ev.reason = e.reason end
  if e.cycleUnits then ev.cycleUnits = e.cycleUnits end
  if e.overage and e.overage > 0 then ev.overageUnits = e.overage end
  if e.shortfall and e.shortfall > 0 then ev.shortfallMicros = fmt(math.min(e.shortfall, MAXS)) end
  if e.released then ev.releasedMicros = fmt(e.released) end
  return jenc(ev)
end
local cases = {
  { { type = 'DEBIT', canon = 'a', sub = '49151', sess = 's-"1"', n = 3, rg = 10, svc = 1, unit = 'BYTES', used = 170,
      billable = 150, allowances = { { id = 'month', n = 100 }, { id = 'b\\\\2', n = 5 } }, amount = 9007199254740991,
      tariff = 't', cycle = '2026-11', overage = 20, shortfall = 9007199254740992 }, 'EUR', -5 },
  { { type = 'RELEASE', canon = 'b', sub = 'x', sess = 's', n = 0, rg = 0, svc = 0, unit = 'SECONDS', tariff = 'p/1\\t\\127',
      cycle = 'c', reason = 'TERMINATED', released = 1234567890123 }, 'EUR', 0 },
  { { type = 'REFUND', canon = 'c', req = 'r1', rg = 30, amount = -100, overage = 0, shortfall = 0 }, nil, 1000000000000000 },
  { { type = 'DEBIT', canon = 'd' }, 'USD', 7 },
  { { type = 'REFUND', canon = 'e', sub = '49151', req = 'r2', rg = 7, svc = 2, unit = 'BYTES', used = 10, billable = 12,
      allowances = { { id = 'month', n = 4 } }, amount = -80, tariff = 't', cycle = '2026-11', cycleUnits = 8 }, 'EUR', 100 },
  { { type = 'REFUND', canon = 'f', req = 'r3', cycle = 'c', cycleUnits = 0 }, nil, 0 },
  { { type = 'REFUND', canon = 'g', req = 'r4', cycleUnits = 4503599627370496 }, 'EUR', 9007199254740991 },
}
for i, c in ipairs(cases) do
  local ctx = newContext('acct-' .. i, { balance = c[3], reserved = 0, creditLimit = 0, type = 'PREPAID', currency = c[2], thresholds = {} }, 1790000000000, KEYS[1])
  emitRated(ctx, c[1])
  local entries = redis.call('XRANGE', KEYS[1], '-', '+')
  local fields = entries[#entries][2]
  out[#out + 1] = { fields, reference(ctx, c[1]) }
end
return out`;
    const written = (await t.redis.eval(lua, 1, `${t.prefix}{b:0}:outbox`)) as [string[], string][];
    expect(written).toHaveLength(7);
    expect(written.every(([fields]) => fields.includes('r1') && !fields.includes('data'))).toBe(true);
    const pairs = written.map(([fields, expected]) => [outboxEventJson(fields), expected]);
    for (const [published, expected] of pairs) expect(published).toBe(expected);
    expect(JSON.parse(pairs[4][0])).toMatchObject({ cycleId: '2026-11', cycleUnits: 8 });
    expect(
      pairs
        .slice(0, 4)
        .map(([w]) => w)
        .join(''),
    ).not.toMatch(/cycleUnits/);
  });
});
