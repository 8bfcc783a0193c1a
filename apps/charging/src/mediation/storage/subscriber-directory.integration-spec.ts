/**
 * The CDR mediation's read-only view of the charging projection, on a single Redis (the test
 * server) and on a three-master Redis Cluster of its own: routes, account types and plans of keys
 * spread over many slots, each read where its slot lives, in the order asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteKeys, requireEnv, startRedisCluster, type StartedRedisCluster, uniqueId } from '@app/devstack';
import { BalanceKeys, createRedis, type RedisClient } from '@app/keyspace';
import { RedisSubscriberDirectory } from './subscriber-directory';

const SUBSCRIBERS = 40;

async function fill(redis: RedisClient, prefix: string): Promise<void> {
  const keys = new BalanceKeys(prefix);
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const accountId = `acct-${i}`;
    await redis.set(
      keys.subscriber(`4915100000${String(i).padStart(3, '0')}`),
      JSON.stringify({ accountId, planId: `plan-${i % 3}`, timeZone: 'Europe/Berlin', currency: 'EUR', cycleDay: 1 }),
    );
    await redis.hset(keys.account(accountId).acct, 'type', i % 2 === 0 ? 'PREPAID' : 'POSTPAID');
  }
  for (let p = 0; p < 3; p++) await redis.set(keys.plan(`plan-${p}`), `{"id":"plan-${p}"}`);
}

async function check(redis: RedisClient, prefix: string): Promise<void> {
  const dir = new RedisSubscriberDirectory(redis, prefix);
  const ids = Array.from({ length: SUBSCRIBERS }, (_, i) => `4915100000${String(i).padStart(3, '0')}`);
  const routes = await dir.routes([...ids, '4915199999999']);
  expect(routes.get('4915199999999')).toBeUndefined();
  ids.forEach((id, i) =>
    expect(routes.get(id)).toEqual({
      accountId: `acct-${i}`,
      planId: `plan-${i % 3}`,
      timeZone: 'Europe/Berlin',
      currency: 'EUR',
      cycleDay: 1,
    }),
  );
  const types = await dir.accountTypes(['acct-0', 'acct-1', 'acct-39', 'nope']);
  expect([...types]).toEqual([
    ['acct-0', 'PREPAID'],
    ['acct-1', 'POSTPAID'],
    ['acct-39', 'POSTPAID'],
    ['nope', undefined],
  ]);
  expect([...(await dir.plans(['plan-2', 'plan-0', 'plan-9']))]).toEqual([
    ['plan-2', '{"id":"plan-2"}'],
    ['plan-0', '{"id":"plan-0"}'],
    ['plan-9', undefined],
  ]);
  expect(await dir.routes([])).toEqual(new Map());
}

describe('RedisSubscriberDirectory', () => {
  it('reads the projection on one Redis', async () => {
    const prefix = `${uniqueId('dir')}:`;
    const redis = createRedis(requireEnv('REDIS_URL'));
    try {
      await fill(redis, prefix);
      await check(redis, prefix);
    } finally {
      await deleteKeys(redis, `${prefix}*`);
      await redis.quit();
    }
  });

  it('reads the projection on a Redis Cluster (RATEL_REDIS_CLUSTER)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratel-dir-cluster-'));
    let cluster: StartedRedisCluster | undefined;
    let redis: RedisClient | undefined;
    try {
      cluster = await startRedisCluster({ dir, masters: 3 });
      redis = createRedis(cluster.urls.join(','), { cluster: true });
      await fill(redis, 'ratel:');
      await check(redis, 'ratel:');
    } finally {
      redis?.disconnect();
      await cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
