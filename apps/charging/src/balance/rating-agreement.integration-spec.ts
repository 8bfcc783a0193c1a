/**
 * The Lua scripts price and reverse-rate exactly like @app/rating's TypeScript (bigint) functions:
 * `priceUnitsMicros` (money debited for billable units at a cycle position) and `affordableUnits`
 * (the grant a budget pays for), over a table of edge cases and a seeded random set of rates,
 * including products far beyond 2^53 that Lua must not compute in floating point.
 */
import { affordableUnits, billableUnits, type CompiledRate, priceUnitsMicros } from '@app/rating';
import { AMOUNT_MAX_MICROS, UNITS_PER_REQUEST_MAX } from './balance-engine.port';
import { group, openEngine, prepaid, sessionCmd, sha256, T0, TestEngine } from './test/balance-test-kit';

const RANDOM_CASES = 300;
const CYCLE = '2026-11';
const RG = 9;
const TIB = 1_099_511_627_776;

interface Case {
  name: string;
  rate: CompiledRate;
  units: number;
  cycleUsed: number;
  budget: bigint;
}

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function randomCase(random: () => number, n: number): Case {
  // Log-uniform integers, so small and huge magnitudes both show up.
  const logInt = (lo: number, hi: number) =>
    Math.min(hi, Math.max(lo, Math.floor(Math.exp(Math.log(lo) + random() * (Math.log(hi + 1) - Math.log(lo))))));
  const tiers = [{ fromUnits: 0, priceMicros: logInt(1, 1e10) - 1 }];
  const tierCount = 1 + Math.floor(random() * 4);
  while (tiers.length < tierCount)
    tiers.push({ fromUnits: tiers[tiers.length - 1].fromUnits + logInt(1, 1e12), priceMicros: logInt(1, 1e10) - 1 });
  const rate: CompiledRate = {
    tariffId: `random:1:${n}`,
    unit: 'BYTES',
    setupMicros: random() < 0.5 ? 0 : logInt(1, 1e7),
    firstUnits: logInt(1, 1e6),
    nextUnits: logInt(1, 1e6),
    perUnits: logInt(1, TIB),
    tiers,
  };
  return {
    name: `random ${n}`,
    rate,
    units: logInt(1, UNITS_PER_REQUEST_MAX / 2),
    cycleUsed: logInt(1, 1e12) - 1,
    budget: BigInt(logInt(1, 1e15)),
  };
}

const rate = (perUnits: number, tiers: [number, number][], over: Partial<CompiledRate> = {}): CompiledRate => ({
  tariffId: 'edge:1:x',
  unit: 'BYTES',
  setupMicros: 0,
  firstUnits: 1,
  nextUnits: 1,
  perUnits,
  tiers: tiers.map(([fromUnits, priceMicros]) => ({ fromUnits, priceMicros })),
  ...over,
});

const EDGE_CASES: Case[] = [
  { name: 'half rounds up', rate: rate(2, [[0, 1]]), units: 1, cycleUsed: 0, budget: 0n },
  { name: 'a third rounds down', rate: rate(3, [[0, 1]]), units: 1, cycleUsed: 0, budget: 1n },
  {
    name: 'one rounding over tiers',
    rate: rate(2, [
      [0, 1],
      [1, 1],
    ]),
    units: 2,
    cycleUsed: 0,
    budget: 1n,
  },
  {
    name: 'tier boundary inside the charge',
    rate: rate(1, [
      [0, 10],
      [100, 1],
    ]),
    units: 50,
    cycleUsed: 80,
    budget: 300n,
  },
  {
    name: 'charge starting in the last tier',
    rate: rate(1, [
      [0, 10],
      [100, 1],
    ]),
    units: 50,
    cycleUsed: 1_000,
    budget: 49n,
  },
  { name: 'increments', rate: rate(1, [[0, 7]], { firstUnits: 60, nextUnits: 30 }), units: 61, cycleUsed: 0, budget: 500n },
  { name: 'price per TiB, 10 TB', rate: rate(TIB, [[0, 9_999_999_999]]), units: UNITS_PER_REQUEST_MAX, cycleUsed: 0, budget: 10n ** 15n },
  {
    name: 'product beyond 2^53 with a remainder',
    rate: rate(TIB - 1, [[0, 8_999_999_999_999]]),
    units: TIB - 2,
    cycleUsed: 0,
    budget: 10n ** 14n,
  },
  {
    name: 'price beyond 2^53 - 1',
    rate: rate(1, [[0, 1_000_000_000]]),
    units: UNITS_PER_REQUEST_MAX,
    cycleUsed: 0,
    budget: AMOUNT_MAX_MICROS,
  },
  {
    name: 'free tier then paid',
    rate: rate(1_000, [
      [0, 0],
      [5_000, 3],
    ]),
    units: 10_000,
    cycleUsed: 0,
    budget: 7n,
  },
  { name: 'setup fee alone exceeds the budget', rate: rate(1, [[0, 1]], { setupMicros: 100 }), units: 10, cycleUsed: 0, budget: 99n },
];

const CASES = [...EDGE_CASES, ...Array.from({ length: RANDOM_CASES }, (_, n) => randomCase(seeded(20_261_122 + n), n))];

describe('Lua agrees with @app/rating', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await openEngine('agree');
  });
  afterAll(async () => t.close());

  async function account(id: string, balance: bigint, cycleUsed: number): Promise<void> {
    await t.engine.upsertAccount(prepaid(id), balance);
    await t.redis.hset(t.engine.keys.account(id).cyc, 'id', CYCLE, String(RG), String(cycleUsed));
  }

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('debit: %s', async (_name, c, i) => {
    const id = `d${i}`;
    await account(id, AMOUNT_MAX_MICROS, c.cycleUsed);
    const noSetup = { ...c.rate, setupMicros: 0 };
    const billable = billableUnits(c.units, c.rate.firstUnits, c.rate.nextUnits);
    const price = priceUnitsMicros(noSetup, billable, c.cycleUsed);
    const r = await t.engine.event({
      kind: 'DEBIT',
      accountId: id,
      subscriberId: '4915112345678',
      requestId: 'e',
      requestHash: sha256('e'),
      nowMs: T0,
      cycleId: CYCLE,
      ratingGroup: RG,
      serviceId: 1,
      units: c.units,
      rate: noSetup,
    });
    if (price > AMOUNT_MAX_MICROS) {
      expect(r.resultCode).toBe('CREDIT_LIMIT_REACHED');
    } else {
      expect([r.resultCode, r.debitedMicros]).toEqual(['SUCCESS', price]);
      expect(await t.redis.hget(t.engine.keys.account(id).cyc, String(RG))).toBe(String(c.cycleUsed + billable));
    }
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('grant: %s', async (_name, c, i) => {
    const id = `g${i}`;
    await account(id, c.budget, c.cycleUsed);
    const cap = billableUnits(c.units, c.rate.firstUnits, c.rate.nextUnits);
    const expected = affordableUnits(c.rate, c.budget, c.cycleUsed, true, cap);
    const r = await t.engine.charge(sessionCmd('START', id, 's', 0, [group(RG, c.units, 0, c.rate)]));
    const g = r.ratingGroups[0];
    expect(g.grantedUnits).toBe(expected);
    if (expected === 0) {
      expect(g.resultCode).toBe('CREDIT_LIMIT_REACHED');
      return;
    }
    expect(g.reservedMicros).toBe(priceUnitsMicros(c.rate, expected, c.cycleUsed) + BigInt(c.rate.setupMicros));
    expect(g.finalUnitAction).toBe(expected < cap ? 'TERMINATE' : 'NONE');
  });
});
