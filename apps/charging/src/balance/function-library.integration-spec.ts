/**
 * The scripts run as one Redis Functions library: loaded on first use, loaded again when Redis
 * lost it (new server, FUNCTION FLUSH), and side by side with another build's library.
 * This spec runs its own redis-server: it flushes functions, which must not touch a shared one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, StartedServer } from '@app/devstack';
import Redis from 'ioredis';
import { functionLibrary, FUNCTION_LIBRARY_PREFIX } from './script-loader';
import { RedisBalanceEngine } from './redis-balance-engine';
import { EUR, prepaid, T0 } from './test/balance-test-kit';

describe('balance scripts as a Redis Functions library', () => {
  let dir: string;
  let server: StartedServer;
  let redis: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-fnlib-'));
    server = await startRedis({ dir, persist: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function libraries(): Promise<string[]> {
    const list = (await redis.call('FUNCTION', 'LIST')) as unknown[][];
    return list.map((entry) => String(entry[entry.indexOf('library_name') + 1])).sort();
  }

  it('loads the library on the first call, and again after FUNCTION FLUSH, with the state intact', async () => {
    const engine = new RedisBalanceEngine(redis, { prefix: 'fn1:', clock: { nowMs: () => T0 } });
    expect(await libraries()).toEqual([]);
    await engine.upsertAccount(prepaid('a1'), 5n * EUR);
    expect(await libraries()).toEqual([functionLibrary().name]);

    await redis.call('FUNCTION', 'FLUSH');
    const r = await engine.topUp('a1', 'top-1', 2n * EUR, T0);
    expect(r.balanceMicros).toBe(7n * EUR);
    expect(await libraries()).toEqual([functionLibrary().name]);
    expect((await engine.getBalance('a1', T0))?.balanceMicros).toBe(7n * EUR);
  });

  it('many engines loading it at once all succeed, leaving one library', async () => {
    await redis.call('FUNCTION', 'FLUSH');
    const engines = Array.from({ length: 8 }, () => new RedisBalanceEngine(redis, { prefix: 'fn2:', clock: { nowMs: () => T0 } }));
    await Promise.all(engines.map((e, i) => e.upsertAccount(prepaid(`a${i}`), EUR)));
    expect(await libraries()).toEqual([functionLibrary().name]);
  });

  it("loads beside another build's library (a rolling deploy) without replacing it", async () => {
    const other = functionLibrary()
      .code.replace(/^#!lua name=\S+/, `#!lua name=${FUNCTION_LIBRARY_PREFIX}000000000000`)
      .replace(/_v(\d+)_[0-9a-f]+'/g, "_v$1_000000000000'");
    await redis.call('FUNCTION', 'LOAD', other);
    const engine = new RedisBalanceEngine(redis, { prefix: 'fn3:', clock: { nowMs: () => T0 } });
    await engine.upsertAccount(prepaid('b1'), EUR);
    expect(await libraries()).toEqual([`${FUNCTION_LIBRARY_PREFIX}000000000000`, functionLibrary().name].sort());
  });

  it('names the library and every function after the code hash, one function per script', () => {
    const lib = functionLibrary();
    const hash = lib.name.slice(FUNCTION_LIBRARY_PREFIX.length);
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
    for (const f of lib.functions.values()) expect(f.fn).toMatch(new RegExp(`^${f.name}_v\\d+_${hash}$`));
    expect(lib.code.match(/redis\.register_function\(/g)).toHaveLength(lib.functions.size);
    expect(lib.code.match(/^jenc = function/gm)).toHaveLength(1);
  });
});
