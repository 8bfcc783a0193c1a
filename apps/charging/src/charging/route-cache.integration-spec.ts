/**
 * The gateway's route cache against a real Redis and the real engine: hits skip Redis, every
 * route change made through any engine (another connection, as provisioning in another process)
 * reaches the cache, a read overlapping a change is not cached, and a lost change feed empties
 * the cache and bypasses it until it is subscribed again.
 */
import { deleteKeys, requireEnv, uniqueId, waitFor } from '@app/devstack';

import Redis from 'ioredis';
import { Registry } from 'prom-client';
import type { SubscriberRoute } from '../balance/balance-engine.port';
import { RedisBalanceEngine, ROUTE_WATCH_CONNECTION_NAME } from '../balance/redis-balance-engine';
import { RouteCache, ROUTE_CACHE_TTL_MS } from './route-cache';
import { type ChargingConfig } from '../config';

const route = (accountId: string): SubscriberRoute => ({
  accountId,
  planId: 'p1',
  timeZone: 'Europe/Berlin',
  currency: 'EUR',
  cycleDay: 1,
});

describe('RouteCache', () => {
  let prefix: string;
  let gwRedis: Redis;
  let provRedis: Redis;
  let gateway: RedisBalanceEngine;
  let provisioning: RedisBalanceEngine;
  let cache: RouteCache;
  let reads: number;
  let now: number;
  const config = { RATEL_ROUTE_CACHE_ENABLED: true } as ChargingConfig;

  beforeEach(async () => {
    prefix = `${uniqueId('routes')}:`;
    gwRedis = new Redis(requireEnv('REDIS_URL'));
    provRedis = new Redis(requireEnv('REDIS_URL'));
    gateway = new RedisBalanceEngine(gwRedis, { prefix });
    provisioning = new RedisBalanceEngine(provRedis, { prefix });
    reads = 0;
    const resolve = gateway.resolveSubscriber.bind(gateway);
    gateway.resolveSubscriber = (id) => {
      reads++;
      return resolve(id);
    };
    now = 1_000;
    cache = new RouteCache(gateway, { nowMs: () => now }, config, new Registry());
    await cache.onModuleInit();
    await waitFor('the route watch to subscribe', () => cache.active, 5_000);
  });

  afterEach(async () => {
    await cache.onModuleDestroy();
    await deleteKeys(gwRedis, `${prefix}*`);
    await gwRedis.quit();
    await provRedis.quit();
  });

  it('reads Redis once per subscriber, then answers from memory (unknown subscribers too)', async () => {
    await provisioning.routeSubscriber('4915100000001', route('a1'));
    expect(await cache.get('4915100000001')).toEqual(route('a1'));
    expect(await cache.get('4915100000001')).toEqual(route('a1'));
    expect(await cache.get('4915100000009')).toBeUndefined();
    expect(await cache.get('4915100000009')).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('sees a re-route, an unroute and a first route made through another connection', async () => {
    await provisioning.routeSubscriber('4915100000002', route('a1'));
    expect(await cache.get('4915100000002')).toEqual(route('a1'));
    expect(await cache.get('4915100000003')).toBeUndefined();

    await provisioning.routeSubscriber('4915100000002', route('a2'));
    await waitFor('the re-route', async () => (await cache.get('4915100000002'))?.accountId === 'a2', 5_000);
    await provisioning.unrouteSubscriber('4915100000002');
    await waitFor('the unroute', async () => (await cache.get('4915100000002')) === undefined, 5_000);
    await provisioning.routeSubscriber('4915100000003', route('a3'));
    await waitFor('the first route', async () => (await cache.get('4915100000003'))?.accountId === 'a3', 5_000);
  });

  it('does not keep a value read before a change that arrived while the read was under way', async () => {
    await provisioning.routeSubscriber('4915100000004', route('old'));
    const resolve = gateway.resolveSubscriber;
    let changeDuringRead = true;
    gateway.resolveSubscriber = async (id) => {
      const value = await resolve(id);
      if (changeDuringRead) {
        changeDuringRead = false;
        const seen = cache.changes;
        await provisioning.routeSubscriber(id, route('new'));
        // The invalidation reaches the cache before this read completes.
        await waitFor('the invalidation', () => cache.changes > seen, 5_000);
      }
      return value;
    };
    expect((await cache.get('4915100000004'))?.accountId).toBe('old');
    expect((await cache.get('4915100000004'))?.accountId).toBe('new');
  });

  it('reads Redis again after ROUTE_CACHE_TTL_MS (a change made without the publish)', async () => {
    await provisioning.routeSubscriber('4915100000006', route('a1'));
    expect((await cache.get('4915100000006'))?.accountId).toBe('a1');
    await provRedis.set(provisioning.keys.subscriber('4915100000006'), JSON.stringify(route('a9')));
    expect((await cache.get('4915100000006'))?.accountId).toBe('a1');
    now += ROUTE_CACHE_TTL_MS;
    expect((await cache.get('4915100000006'))?.accountId).toBe('a9');
  });

  it('empties and bypasses the cache when the change feed is lost, and uses it again once resubscribed', async () => {
    await provisioning.routeSubscriber('4915100000007', route('a1'));
    await cache.get('4915100000007');
    expect(cache.size).toBe(1);
    const clients = String(await provRedis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const ids = clients
      .split('\n')
      .filter((l) => l.includes(`name=${ROUTE_WATCH_CONNECTION_NAME} `))
      .map((l) => /\bid=(\d+)/.exec(l)![1]);
    expect(ids.length).toBeGreaterThan(0);
    // Every route watch of this Redis is cut (others reconnect and clear their caches: harmless).
    for (const id of ids) await provRedis.call('CLIENT', 'KILL', 'ID', id);
    await waitFor('the cache to be emptied', () => cache.size === 0, 5_000);
    await waitFor('the watch to resubscribe', () => cache.active, 5_000);
    const before = reads;
    expect((await cache.get('4915100000007'))?.accountId).toBe('a1');
    expect((await cache.get('4915100000007'))?.accountId).toBe('a1');
    expect(reads).toBe(before + 1);
  });

  it('reads Redis every time when disabled', async () => {
    const off = new RouteCache(gateway, { nowMs: () => now }, { RATEL_ROUTE_CACHE_ENABLED: false } as ChargingConfig, new Registry());
    await off.onModuleInit();
    await provisioning.routeSubscriber('4915100000008', route('a1'));
    const before = reads;
    await off.get('4915100000008');
    await off.get('4915100000008');
    expect(reads).toBe(before + 2);
    await off.onModuleDestroy();
  });
});
