/**
 * The charging commands of the operator CLI as an operator runs them (`ratel <command>`, that is
 * scripts/ratel.ts under ts-node, environment variables), against a fresh test database and a
 * random Redis key prefix: migrate, seed (demo and bulk, each twice: idempotent), rebuild after a
 * flush, and their exit codes on bad input.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createTestDatabase, deleteKeys, requireEnv, startNats, type StartedServer, uniqueId } from '@app/devstack';
import { DEMO_LOADTEST_PLAN, DEMO_PLANS } from '@app/rating';
import { RedisBalanceEngine } from '../src/balance/redis-balance-engine';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..', '..');
const RATEL = join(ROOT, 'scripts/ratel.ts');
const BULK = 1500; // more than one SEED_BATCH_SIZE

let env: NodeJS.ProcessEnv;
let redis: Redis;
let pg: Client;
let engine: RedisBalanceEngine;
let prefix: string;
let natsDir: string;
let nats: StartedServer;

function run(
  command: string,
  args: string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', RATEL, ...command.split(' '), ...args],
      { cwd: ROOT, env: { ...env, ...extraEnv } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function flushPrefix(): Promise<void> {
  await deleteKeys(redis, `${prefix}*`);
}

async function count(table: string): Promise<number> {
  return Number((await pg.query(`select count(*) as n from "${table}"`)).rows[0].n);
}

beforeAll(async () => {
  const databaseUrl = await createTestDatabase('cli');
  prefix = `${uniqueId('cli')}:`;
  const { DATABASE_URL: _db, REDIS_URL: _r, NATS_URL: _n, ...rest } = process.env;
  env = { ...rest, DATABASE_URL: databaseUrl, REDIS_URL: requireEnv('REDIS_URL'), RATEL_REDIS_PREFIX: prefix, RATEL_LOG_LEVEL: 'silent' };
  redis = new Redis(requireEnv('REDIS_URL'));
  engine = new RedisBalanceEngine(redis, { prefix });
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  // A nats-server of the spec's own: the rebuild catches the journal up from the production stream name.
  natsDir = mkdtempSync(join(tmpdir(), 'ratel-cli-nats-'));
  nats = await startNats({ dir: natsDir });
});

afterAll(async () => {
  if (redis) {
    await flushPrefix();
    await redis.quit();
  }
  await pg?.end();
  await nats?.stop();
  if (natsDir) rmSync(natsDir, { recursive: true, force: true });
});

describe('ratel migrate, seed, rebuild', () => {
  it('migrate applies the schema once', async () => {
    const first = await run('migrate');
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toMatch(/applied Migration/);
    const second = await run('migrate');
    expect(second.stdout).toMatch(/up to date/);
  });

  it('seed --demo creates the demo plans and accounts, projected; a rerun changes nothing', async () => {
    const first = await run('seed', ['--demo']);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(await count('price_plan')).toBe(DEMO_PLANS.length);
    expect(await count('billing_account')).toBe(3);
    expect((await engine.getBalance('demo-prepaid-1', Date.now()))?.balanceMicros).toBe(10_000_000n);
    expect((await engine.getBalance('demo-postpaid-1', Date.now()))?.creditLimitMicros).toBe(100_000_000n);
    expect(await engine.resolveSubscriber('33612000001')).toMatchObject({ accountId: 'demo-prepaid-1' });
    const counted = async () => [
      await count('ledger_entry'),
      await count('audit_log'),
      await count('subscription'),
      await count('allowance_grant'),
    ];
    const rows = await counted();
    const again = await run('seed');
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(await counted()).toEqual(rows);
    expect((await engine.getBalance('demo-prepaid-1', Date.now()))?.balanceMicros).toBe(10_000_000n);
  });

  it('seed --subscribers N creates N routed prepaid subscribers in bulk; a rerun adds nothing', async () => {
    const first = await run('seed', ['--subscribers', String(BULK), '--initial-balance', '50.00']);
    expect(first.code).toBe(0);
    // Not a terminal: progress as plain lines on stderr, one per batch here, and a last one.
    expect(first.stderr).toMatch(
      /^seed: 1,000\/1,500 subscribers \(66\.7 %\), .*\nseed: 1,500\/1,500 .*\nseed: done, 1,500\/1,500 subscribers \(100\.0 %\), [0-9,]+\/s, [0-9.]+ s\n$/,
    );
    expect(first.stdout).toContain(`(${BULK} new)`);
    expect(Number((await pg.query(`select count(*) as n from subscription where account_id like 'lt-%'`)).rows[0].n)).toBe(BULK);
    const last = BULK - 1;
    expect(await engine.resolveSubscriber(String(4915100000000 + last))).toEqual({
      accountId: `lt-${last}`,
      planId: DEMO_LOADTEST_PLAN.id,
      timeZone: 'Europe/Berlin',
      currency: 'EUR',
      cycleDay: 1,
    });
    expect(await engine.resolveSubscriber(String(262010000000000 + last))).toMatchObject({ accountId: `lt-${last}` });
    expect((await engine.getBalance('lt-0', Date.now()))?.balanceMicros).toBe(50_000_000n);
    const ledger = await count('ledger_entry');
    const again = await run('seed', ['--subscribers', String(BULK), '--initial-balance', '50.00']);
    expect(again.stdout).toContain(`(0 new)`);
    expect(await count('ledger_entry')).toBe(ledger);
  });

  it('rebuild --all restores a flushed prefix from PostgreSQL', async () => {
    await flushPrefix();
    const noNats = await run('rebuild', ['--all']);
    expect([noNats.code, noNats.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^ratel rebuild: NATS_URL is needed to catch the balance journal up first; set it, or pass --no-journal-catch-up/,
      ),
    ]);
    const res = await run('rebuild', ['--all'], { NATS_URL: nats.url });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(
      new RegExp(
        `^(rebuild: .*\n)*rebuild: done, ${(BULK + 3).toLocaleString('en-US')}/${(BULK + 3).toLocaleString('en-US')} accounts \\(100\\.0 %\\)`,
      ),
    );
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({
      accounts: BULK + 3,
      accountsInitialisedFromLedger: BULK + 3,
      accountsRestoredFromJournal: 0,
      plans: DEMO_PLANS.length,
      subscriptions: BULK + 3,
      grants: 1,
      failed: [],
      journal: { position: 0, streamLastSeq: 0, eventsLost: 0, eventsInvalid: 0 },
    });
    const asIs = await run('rebuild', ['--account', 'demo-prepaid-1', '--no-journal-catch-up']);
    expect([asIs.code, asIs.stderr]).toEqual([0, '']);
    expect(JSON.parse(asIs.stdout)).toMatchObject({
      accounts: 1,
      accountsInitialisedFromLedger: 0,
      journal: { position: 0, streamLastSeq: null },
    });
    expect((await engine.getBalance('demo-prepaid-1', Date.now()))?.buckets).toHaveLength(1);
    expect((await engine.getBalance(`lt-${BULK - 1}`, Date.now()))?.balanceMicros).toBe(50_000_000n);
    expect(await engine.getPlan(DEMO_LOADTEST_PLAN.id)).toBeDefined();
  });

  it('exits 2 with the usage on a bad argument, 1 naming the account on a runtime failure', async () => {
    const usage = await run('rebuild', ['--account', 'x', '--all']);
    expect([usage.code, usage.stderr]).toEqual([
      2,
      'ratel rebuild: give exactly one of --account ID and --all\nsee: ratel rebuild --help\n',
    ]);
    const unknown = await run('rebuild', ['--everything']);
    expect([unknown.code, unknown.stderr]).toEqual([2, "error: unknown option '--everything'\n(add --help for usage)\n"]);
    const missing = await run('rebuild', ['--account', 'no-such-account', '--no-journal-catch-up']);
    expect([missing.code, missing.stderr]).toEqual([1, 'ratel rebuild: billing account no-such-account does not exist\n']);
  });

  it('exits 2 naming a missing variable, and 1 when PostgreSQL is unreachable', async () => {
    const missing = await run('migrate', [], { DATABASE_URL: '' });
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('DATABASE_URL')]);
    const unreachable = await run('rebuild', ['--all', '--no-journal-catch-up'], { DATABASE_URL: 'postgres://ratel@127.0.0.1:1/nowhere' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^ratel rebuild: /);
  });
});
