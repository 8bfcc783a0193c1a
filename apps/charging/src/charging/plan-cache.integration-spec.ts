/** PlanCache against a real Redis (RedisBalanceEngine with its own key prefix) and a fake clock. */
import Redis from 'ioredis';
import { requireEnv, uniqueId } from '@app/devstack';
import { createLogger, FakeClock } from '@app/observability';
import { DEMO_POSTPAID_PLAN, DEMO_PREPAID_PLAN } from '@app/rating';
import { RedisBalanceEngine } from '../balance/redis-balance-engine';
import { PLAN_CACHE_ENTRIES_MAX, PLAN_CACHE_TTL_MS, PlanCache } from './plan-cache';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

describe('PlanCache', () => {
  let redis: Redis;
  let prefix: string;
  let engine: RedisBalanceEngine;
  let clock: FakeClock;
  let cache: PlanCache;

  beforeAll(() => {
    redis = new Redis(requireEnv('REDIS_URL'));
    prefix = `${uniqueId('plancache')}:`;
    engine = new RedisBalanceEngine(redis, { prefix });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  beforeEach(() => {
    clock = new FakeClock(T0);
    cache = new PlanCache(engine, clock, createLogger('test', 'silent'));
  });

  it('parses a stored plan once and serves it until the TTL ends', async () => {
    await engine.putPlan('p', JSON.stringify(DEMO_PREPAID_PLAN));
    const first = await cache.get('p');
    expect(first?.id).toBe(DEMO_PREPAID_PLAN.id);

    await engine.putPlan('p', JSON.stringify(DEMO_POSTPAID_PLAN));
    clock.advance(PLAN_CACHE_TTL_MS - 1);
    expect(await cache.get('p')).toBe(first);

    clock.advance(1);
    expect((await cache.get('p'))?.id).toBe(DEMO_POSTPAID_PLAN.id);
  });

  it('answers undefined for a missing or broken plan, and remembers that for the TTL', async () => {
    expect(await cache.get('missing')).toBeUndefined();
    await engine.putPlan('broken', JSON.stringify({ id: 'broken' }));
    expect(await cache.get('broken')).toBeUndefined();

    await engine.putPlan('missing', JSON.stringify(DEMO_PREPAID_PLAN));
    expect(await cache.get('missing')).toBeUndefined();
    clock.advance(PLAN_CACHE_TTL_MS);
    expect((await cache.get('missing'))?.id).toBe(DEMO_PREPAID_PLAN.id);
  });

  it(`keeps at most ${PLAN_CACHE_ENTRIES_MAX} plans, dropping the least recently used`, async () => {
    await engine.putPlan('hot', JSON.stringify(DEMO_PREPAID_PLAN));
    const hot = await cache.get('hot');
    for (let i = 0; i < PLAN_CACHE_ENTRIES_MAX; i++) {
      await cache.get(`absent-${i}`);
      if (i % 100 === 0) expect(await cache.get('hot')).toBe(hot); // keeps "hot" recently used
    }
    expect(await cache.get('hot')).toBe(hot);
    expect(cache.size).toBe(PLAN_CACHE_ENTRIES_MAX);
  });
});
