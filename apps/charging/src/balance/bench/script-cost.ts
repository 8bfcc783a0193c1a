/**
 * Micro-benchmark of the balance engine's Lua scripts: the cost of one script call (FCALL) inside Redis
 * (INFO commandstats usec_per_call) under the load test's mix, on a redis-server of its own.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     apps/charging/src/balance/bench/script-cost.ts [--accounts 2000] [--calls 30000] [--inflight 64]
 *     [--detail] [--aof] [--compare <lua dir of another version>] [--slices 8] [--lua <lua dir to run instead of the current one>]
 *
 * `--compare DIR` runs DIR's scripts and the current ones on two redis-servers, the phases in
 * alternating slices (`--slices N`, default 8), so both see the same moments of a shared box. `redis cpu us/call` is the Redis process's CPU
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
  const t0 = performance.now();
  await runCalls(engine, smsShare, calls, inflight, accounts);
  const done = calls;
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

interface Target {
  label: string;
  dir: string | undefined;
  server: { url: string; stop(): Promise<void> };
  redis: Redis;
  engine: RedisBalanceEngine;
}

async function openTarget(label: string, luaDir: string | undefined, accounts: number): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'ratel-script-cost-'));
  const server = await startRedis({ dir, persist: process.argv.includes('--aof') });
  const redis = new Redis(server.url);
  const engine = new RedisBalanceEngine(redis, { prefix: 'bench:', clock: { nowMs: () => T0 }, luaDir });
  for (let i = 0; i < accounts; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, accounts - i) }, (_, j) => engine.upsertAccount(account(`lt-${i + j}`), 1_000_000_000_000n)),
    );
  }
  return {
    label,
    dir: luaDir,
    redis,
    engine,
    server: {
      url: server.url,
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

/** FCALL calls and usec so far, and the Redis process's CPU µs. */
async function counters(redis: Redis): Promise<{ calls: number; usec: number; cpu: number }> {
  const stats = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_fcall:'));
  const m = /calls=(\d+),usec=(\d+)/.exec(stats ?? '');
  return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0), cpu: await redisCpuUs(redis) };
}

/**
 * `--compare DIR`: the two script versions on two redis-servers of their own, fed the same phases
 * in alternating slices (`--slices`, each `--calls / slices` calls), so a busy moment of the box and
 * the growth of the data (outbox, records) weigh on both alike. Prints per phase and version the
 * µs per call over all slices and the median slice.
 */
async function compare(otherDir: string, accounts: number, calls: number, inflight: number): Promise<void> {
  const slices = arg('slices', 8);
  const targets = [await openTarget('compare', otherDir, accounts), await openTarget('current', undefined, accounts)];
  try {
    for (const t of targets) await phase(t.redis, t.engine, 'warmup', 0.3, Math.min(5000, calls), inflight, accounts);
    for (const [name, sms] of [
      ['session', 0],
      ['event', 1],
      ['mix', 0.3],
    ] as const) {
      const per = targets.map(() => ({ calls: 0, usec: 0, cpu: 0, slices: [] as number[] }));
      for (let i = 0; i < slices; i++) {
        const order = i % 2 === 0 ? [0, 1] : [1, 0];
        for (const ti of order) {
          const t = targets[ti];
          const before = await counters(t.redis);
          await runCalls(t.engine, sms, Math.ceil(calls / slices), inflight, accounts);
          const after = await counters(t.redis);
          const p = per[ti];
          p.calls += after.calls - before.calls;
          p.usec += after.usec - before.usec;
          p.cpu += after.cpu - before.cpu;
          p.slices.push((after.usec - before.usec) / Math.max(1, after.calls - before.calls));
        }
      }
      targets.forEach((t, ti) => {
        const p = per[ti];
        const sorted = [...p.slices].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)];
        console.log(
          `${name.padEnd(8)} ${t.label.padEnd(8)} usec_per_call=${(p.usec / p.calls).toFixed(2)} median slice=${median.toFixed(2)} ` +
            `redis cpu us/call=${(p.cpu / p.calls).toFixed(1)} calls=${p.calls}${t.dir ? ` (${t.dir})` : ''}`,
        );
      });
    }
  } finally {
    for (const t of targets) {
      await t.redis.quit();
      await t.server.stop();
    }
  }
}

async function runCalls(engine: RedisBalanceEngine, smsShare: number, calls: number, inflight: number, accounts: number) {
  let done = 0;
  const worker = async () => {
    while (done < calls) {
      // (awaited first: `done += await ...` would add to the value read before the await)
      const n = Math.random() < smsShare ? await runSms(engine, accounts) : await runSession(engine, accounts);
      done += n;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
}

async function main() {
  const accounts = arg('accounts', 2000);
  const calls = arg('calls', 30_000);
  const inflight = arg('inflight', 64);
  const cmpAt = process.argv.indexOf('--compare');
  if (cmpAt >= 0) return compare(process.argv[cmpAt + 1], accounts, calls, inflight);
  const luaAt = process.argv.indexOf('--lua');
  const t = await openTarget(luaAt >= 0 ? 'given' : 'current', luaAt >= 0 ? process.argv[luaAt + 1] : undefined, accounts);
  try {
    console.log(`--- ${t.label} scripts${t.dir ? ` (${t.dir})` : ''}`);
    await phase(t.redis, t.engine, 'warmup', 0.3, Math.min(5000, calls), inflight, accounts);
    await phase(t.redis, t.engine, 'session', 0, calls, inflight, accounts);
    await phase(t.redis, t.engine, 'event', 1, calls, inflight, accounts);
    await phase(t.redis, t.engine, 'mix', 0.3, calls, inflight, accounts);
  } finally {
    await t.redis.quit();
    await t.server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
