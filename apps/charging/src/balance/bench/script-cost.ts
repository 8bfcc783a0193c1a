/**
 * Micro-benchmark of the balance engine's Lua scripts: the cost of one script call (FCALL) inside Redis
 * (INFO commandstats usec_per_call) under the load test's mix, on a redis-server of its own.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     apps/charging/src/balance/bench/script-cost.ts [--accounts 2000] [--calls 30000] [--inflight 64]
 *     [--detail] [--aof] [--compare <lua dir of another version>] [--lua <lua dir to run instead of the current one>]
 *
 * `--compare DIR` runs the phases with DIR's scripts and with the current ones, twice, alternating
 * (the box is shared: compare figures of one run). `redis cpu us/call` is the Redis process's CPU
 * time (INFO cpu) per script call, including its network work: steadier than usec_per_call on a
 * busy machine.
 *
 * `--aof` runs the redis-server with AOF on (appendfsync everysec), as `npm start` runs it.
 *
 * Phases (CONFIG RESETSTAT before each): `session` (StartSession, 2-3 UpdateSession,
 * TerminateSession, one rating group, voice or data), `event` (SMS DebitEvents), `mix` (30 % SMS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '@app/devstack';
import type { CompiledRate } from '@app/rating';
import Redis from 'ioredis';
import type { AccountProjection, SessionCommand } from '../balance-engine.port';
import { RedisBalanceEngine } from '../redis-balance-engine';

const T0 = 1_790_000_000_000;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const VOICE: CompiledRate = {
  tariffId: 'lt-voice',
  unit: 'SECONDS',
  setupMicros: 0,
  firstUnits: 60,
  nextUnits: 1,
  perUnits: 60,
  tiers: [{ fromUnits: 0, priceMicros: 200_000 }],
};
const DATA: CompiledRate = {
  tariffId: 'lt-data',
  unit: 'BYTES',
  setupMicros: 0,
  firstUnits: 1,
  nextUnits: 1,
  perUnits: 1_000_000,
  tiers: [{ fromUnits: 0, priceMicros: 10_000 }],
};
const SMS: CompiledRate = {
  tariffId: 'lt-sms',
  unit: 'EVENTS',
  setupMicros: 0,
  firstUnits: 1,
  nextUnits: 1,
  perUnits: 1,
  tiers: [{ fromUnits: 0, priceMicros: 90_000 }],
};

function account(accountId: string): AccountProjection {
  return {
    accountId,
    type: 'PREPAID',
    currency: 'EUR',
    creditLimitMicros: 0n,
    thresholdsMicros: [],
    status: 'ACTIVE',
    timeZone: 'Europe/Berlin',
    planId: 'lt',
    cycleDay: 1,
  };
}

let seq = 0;
const HASH = 'a'.repeat(64);

function sessionCmd(kind: SessionCommand['kind'], accountId: string, sessionId: string, n: number, voice: boolean): SessionCommand {
  const rate = voice ? VOICE : DATA;
  const req = kind === 'TERMINATE' ? 0 : voice ? 60 : 1_000_000;
  const used = n === 0 ? 0 : voice ? (kind === 'TERMINATE' ? 25 : 60) : kind === 'TERMINATE' ? 300_000 : 1_000_000;
  return {
    kind,
    accountId,
    subscriberId: '4915112345678',
    sessionId,
    requestNumber: n,
    requestHash: HASH,
    nowMs: T0 + n * 1000,
    validityMs: 60_000,
    graceMs: 5_000,
    cycleId: '2026-11',
    ratingGroups: [{ ratingGroup: voice ? 10 : 20, serviceId: 1, requestedUnits: req, usedUnits: used, rate }],
  };
}

async function runSession(engine: RedisBalanceEngine, accounts: number): Promise<number> {
  const acct = `lt-${Math.floor(Math.random() * accounts)}`;
  const sess = `s-${++seq}`;
  const voice = Math.random() < 0.5;
  const updates = 2 + Math.floor(Math.random() * 2);
  await engine.charge(sessionCmd('START', acct, sess, 0, voice));
  for (let i = 1; i <= updates; i++) await engine.charge(sessionCmd('UPDATE', acct, sess, i, voice));
  await engine.charge(sessionCmd('TERMINATE', acct, sess, updates + 1, voice));
  return updates + 2;
}

async function runSms(engine: RedisBalanceEngine, accounts: number): Promise<number> {
  const acct = `lt-${Math.floor(Math.random() * accounts)}`;
  const r = await engine.event({
    kind: 'DEBIT',
    accountId: acct,
    subscriberId: '4915112345678',
    requestId: `e-${++seq}`,
    requestHash: HASH,
    nowMs: T0,
    cycleId: '2026-11',
    ratingGroup: 30,
    serviceId: 1,
    units: 1,
    rate: SMS,
  });
  if (r.resultCode !== 'SUCCESS') throw new Error(`sms: ${r.resultCode}`);
  return 1;
}

/** CPU time of the Redis process (user + sys), in µs: less sensitive than wall time to a busy box. */
async function redisCpuUs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const f = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (f('used_cpu_user') + f('used_cpu_sys')) * 1e6;
}

async function phase(
  redis: Redis,
  engine: RedisBalanceEngine,
  name: string,
  smsShare: number,
  calls: number,
  inflight: number,
  accounts: number,
) {
  await redis.call('CONFIG', 'RESETSTAT');
  const cpu0 = await redisCpuUs(redis);
  let done = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (done < calls) {
      const n = Math.random() < smsShare ? await runSms(engine, accounts) : await runSession(engine, accounts);
      done += n;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const secs = (performance.now() - t0) / 1000;
  const cpu = (await redisCpuUs(redis)) - cpu0;
  const stats = (await redis.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat_fcall'));
  const m = /calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(stats[0] ?? '');
  console.log(
    `${name.padEnd(8)} fcall calls=${m?.[1]} usec_per_call=${m?.[3]}  redis cpu us/call=${(cpu / Number(m?.[1] ?? 1)).toFixed(1)}  client calls/s=${Math.round(done / secs)}`,
  );
  if (process.argv.includes('--detail')) {
    const all = (await redis.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat_') && !l.startsWith('cmdstat_fcall'));
    for (const l of all) {
      const d = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(l);
      if (d) console.log(`           ${d[1].padEnd(18)} ${(Number(d[2]) / Number(m?.[1] ?? 1)).toFixed(2)} per script, ${d[4]} us each`);
    }
  }
}

async function main() {
  const accounts = arg('accounts', 2000);
  const calls = arg('calls', 30_000);
  const inflight = arg('inflight', 64);
  const dir = mkdtempSync(join(tmpdir(), 'ratel-script-cost-'));
  const server = await startRedis({ dir, persist: process.argv.includes('--aof') });
  const redis = new Redis(server.url);
  try {
    const engine = new RedisBalanceEngine(redis, { prefix: 'bench:', clock: { nowMs: () => T0 } });
    for (let i = 0; i < accounts; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, accounts - i) }, (_, j) => engine.upsertAccount(account(`lt-${i + j}`), 1_000_000_000_000n)),
      );
    }
    const cmpAt = process.argv.indexOf('--compare');
    const luaAt = process.argv.indexOf('--lua');
    const variants: [string, string | undefined][] = [luaAt >= 0 ? ['given', process.argv[luaAt + 1]] : ['current', undefined]];
    if (cmpAt >= 0) variants.unshift(['compare', process.argv[cmpAt + 1]]);
    for (let round = 1; round <= (cmpAt >= 0 ? 2 : 1); round++) {
      for (const [label, dir] of variants) {
        const engine = new RedisBalanceEngine(redis, { prefix: 'bench:', clock: { nowMs: () => T0 }, luaDir: dir });
        console.log(`--- ${label} scripts${dir ? ` (${dir})` : ''}, round ${round}`);
        await phase(redis, engine, 'warmup', 0.3, Math.min(5000, calls), inflight, accounts);
        await phase(redis, engine, 'session', 0, calls, inflight, accounts);
        await phase(redis, engine, 'event', 1, calls, inflight, accounts);
        await phase(redis, engine, 'mix', 0.3, calls, inflight, accounts);
      }
    }
  } finally {
    await redis.quit();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
