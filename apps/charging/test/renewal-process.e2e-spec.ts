/**
 * renewal-main.ts as a child process, the way k8s/base/renewal.yaml runs it: it renews a prepaid
 * bundle whose period started, serves /readyz and /metrics, stops on SIGTERM with exit 0, and
 * exits 2 naming a missing variable. `ratel renewals run-due` then finds nothing left to do.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Pool } from 'pg';
import Redis from 'ioredis';
import { createTestDatabase, deleteKeys, freePort, requireEnv, uniqueId, waitFor } from '@app/devstack';
import { migrate } from '@app/db';
import { RedisBalanceEngine } from '../src/balance/redis-balance-engine';
import { prepaid } from '../src/balance/test/balance-test-kit';
import { BUNDLE_BYTES, FEE_MICROS, seedBundleCatalog, seedSubscriber } from '../src/renewal/testing/renewal-fixtures';
import { REPO_ROOT } from './system.helpers';

const EXIT_TIMEOUT_MS = 60_000; // ts-node compiles the entry first: slow on a busy 2-core box
const DAY_MS = 24 * 3_600_000;
const EUR = 1_000_000n;

function spawnEntry(
  entry: string,
  env: Record<string, string>,
): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', entry], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RATEL_LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${EXIT_TIMEOUT_MS} ms`)), EXIT_TIMEOUT_MS).unref(),
    ),
  ]);
}

describe('renewal-main.ts', () => {
  let pool: Pool;
  let redis: Redis;
  let databaseUrl: string;
  const prefix = `${uniqueId('rp')}:`;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('rproc');
    await migrate(databaseUrl);
    pool = new Pool({ connectionString: databaseUrl, max: 2 });
    redis = new Redis(requireEnv('REDIS_URL'));
    await seedBundleCatalog(pool, Date.now() - 90 * DAY_MS);
  });

  afterAll(async () => {
    await deleteKeys(redis, `${prefix}*`);
    redis.disconnect();
    await pool.end();
  });

  it('renews a bundle, serves /readyz and /metrics, and stops on SIGTERM with exit 0', async () => {
    const engine = new RedisBalanceEngine(redis, { prefix });
    await seedSubscriber(pool, { accountId: 'rp-1', type: 'PREPAID', createdAtMs: Date.now() - 2 * DAY_MS });
    await engine.upsertAccount(prepaid('rp-1'), 20n * EUR);
    const port = await freePort();
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: requireEnv('REDIS_URL'), RATEL_REDIS_PREFIX: prefix };
    const child = spawnEntry('apps/charging/src/renewal-main.ts', {
      ...env,
      RATEL_RENEWAL_INTERVAL_MS: '1000',
      RATEL_RENEWAL_METRICS_PORT: String(port),
    });
    const status = async () => (await pool.query(`select status from subscription_renewal where account_id = 'rp-1'`)).rows[0]?.status;
    await waitFor('the renewal paid', async () => (await status()) === 'PAID', 30_000, 100);
    const view = await engine.getBalance('rp-1', Date.now());
    expect(view?.balanceMicros).toBe(20n * EUR - FEE_MICROS);
    expect(view?.buckets.map((b) => b.totalUnits)).toEqual([BUNDLE_BYTES]);

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^ratel_renewal_attempts_total\{result="paid",app="renewal"\} 1$/m);

    child.proc.kill('SIGTERM');
    expect(await within(child.exited, 'exit after SIGTERM')).toBe(0);
    expect(child.output()).not.toMatch(/"level":50/);

    // The CLI's run finds the period paid: nothing planned, nothing paid again.
    const cli = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', 'renewals', 'run-due'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env, RATEL_LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: EXIT_TIMEOUT_MS,
      },
    );
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ planned: 0, paid: 0, unpaid: 0, expired: 0, errors: 0 });
    expect((await engine.getBalance('rp-1', Date.now()))?.balanceMicros).toBe(20n * EUR - FEE_MICROS);
  });

  it('exits 2 naming a missing variable', async () => {
    const child = spawnEntry('apps/charging/src/renewal-main.ts', { DATABASE_URL: '', REDIS_URL: requireEnv('REDIS_URL') });
    expect(await within(child.exited, 'exit on bad configuration')).toBe(2);
    expect(child.output()).toMatch(/DATABASE_URL/);
  });
});
