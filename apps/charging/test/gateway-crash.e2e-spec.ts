/**
 * Invariant 3 under crashes of the gateway: main.ts runs as a child process (gRPC gateway with its
 * relay), is SIGKILLed twice while a client drives debits at it, and is restarted each time. The
 * client retries every unanswered request with the same request id (idempotency). In the end every
 * committed debit appears in JetStream exactly once, no event id appears twice, and the money
 * in the events equals the money that left the balances.
 *
 * It runs three times: with unary DebitEvent calls; with ChargeBatch calls of BATCH_ITEMS debits
 * (coalesced into chargeGroup script calls in the gateway), a whole batch retried when unanswered; and
 * with the same items over ChargeStreams (one stream per BATCH_ITEMS debits), a whole stream retried
 * when it breaks or is not answered in full.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { connect, NatsConnection } from 'nats';
import { startNats, StartedServer } from '@app/devstack';
import { parseRatedEvent, RatedEvent } from '@app/events';
import { ChargingServiceClient, ResultCode, UnitType } from '@app/proto';
import { DEMO_PREPAID_PLAN } from '@app/rating';
import { BalanceKeys } from '@app/keyspace';
import { RedisBalanceEngine } from '../src/balance/redis-balance-engine';
import { grpcClient, spawnGateway, streamed, systemEnv, SystemEnv, unary, waitFor } from './system.helpers';

const ACCOUNTS = 20;
const DEBITS = 2_400;
const CONCURRENCY = 48;
const SMS_PRICE_MICROS = 50_000n;
const INITIAL_MICROS = 1_000_000_000n; // 1,000 EUR each: nothing is ever denied
/** The gateway is killed when this many debits have been answered. */
const KILL_AT = [DEBITS / 3, (2 * DEBITS) / 3];
const START_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 60_000;
const RETRY_PAUSE_MS = 100;
const TEST_TIMEOUT_MS = 300_000;
/** Debits per ChargeBatch call in the batched run. */
const BATCH_ITEMS = 16;

type Mode = 'unary' | 'batch' | 'stream';

interface DebitAnswer {
  resultCode: ResultCode;
  debitedAmount?: { amountMicros: bigint };
}

describe.each<Mode>(['unary', 'batch', 'stream'])('gateway SIGKILL during %s load', (mode) => {
  let dir: string;
  let nats: StartedServer;
  let sys: SystemEnv;
  let redis: Redis;
  let nc: NatsConnection;
  let gateway: ChildProcess | undefined;
  let kills = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-crash-'));
    nats = await startNats({ dir });
    sys = await systemEnv(nats.url);
    redis = new Redis(sys.env.REDIS_URL);
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) gateway.kill('SIGKILL');
    await nc?.close();
    redis?.disconnect();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startGateway(): Promise<void> {
    gateway = spawnGateway(sys.env);
    // A fresh channel per probe: a channel that failed to connect backs off for up to minutes.
    await waitFor(
      'gateway to answer',
      async () => {
        const client = grpcClient(sys.grpcAddress);
        try {
          await unary(client, 'getBalance', { subscriber: { msisdn: '33600000000' } });
          return true;
        } finally {
          client.close();
        }
      },
      START_TIMEOUT_MS,
    );
  }

  async function killGateway(): Promise<void> {
    const g = gateway!;
    const exited = new Promise((r) => g.once('exit', r));
    g.kill('SIGKILL');
    await exited;
    kills++;
  }

  async function provision(): Promise<void> {
    const engine = new RedisBalanceEngine(redis, { prefix: sys.env.RATEL_REDIS_PREFIX });
    await engine.putPlan(DEMO_PREPAID_PLAN.id, JSON.stringify(DEMO_PREPAID_PLAN));
    for (let i = 0; i < ACCOUNTS; i++) {
      const accountId = `crash-${i}`;
      await engine.upsertAccount(
        {
          accountId,
          type: 'PREPAID',
          currency: 'EUR',
          creditLimitMicros: 0n,
          thresholdsMicros: [],
          status: 'ACTIVE',
          timeZone: 'Europe/Paris',
          planId: DEMO_PREPAID_PLAN.id,
          cycleDay: 1,
        },
        INITIAL_MICROS,
      );
      await engine.routeSubscriber(msisdn(i), {
        accountId,
        planId: DEMO_PREPAID_PLAN.id,
        timeZone: 'Europe/Paris',
        currency: 'EUR',
        cycleDay: 1,
      });
    }
  }

  const msisdn = (i: number) => `3361300${String(i).padStart(4, '0')}`;

  /** Sends every debit until it is answered, retrying with the same request id; kills the gateway on the way. */
  async function drive(): Promise<Map<string, bigint>> {
    const answered = new Map<string, bigint>();
    let client: ChargingServiceClient = grpcClient(sys.grpcAddress);
    let next = 0;
    let killing: Promise<void> | undefined;
    const kills = [...KILL_AT];
    const debitOf = (n: number) => ({
      requestId: `crash-debit-${n}`,
      subscriber: { msisdn: msisdn(n % ACCOUNTS) },
      calledNumber: '33612345678',
      service: { ratingGroup: 30, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
    });
    /** Sends debits n..n+count-1 once; every one must be answered SUCCESS, or the call fails. */
    const send = async (n: number, count: number): Promise<void> => {
      if (mode === 'unary') {
        const a = await unary<DebitAnswer>(client, 'debitEvent', debitOf(n));
        expect(a.resultCode).toBe(ResultCode.SUCCESS);
        answered.set(debitOf(n).requestId, a.debitedAmount!.amountMicros);
        return;
      }
      const items = Array.from({ length: count }, (_, i) => ({ correlationId: `c${i}`, debitEvent: debitOf(n + i) }));
      type Results = { results: Array<{ debitEvent?: DebitAnswer }> };
      const res =
        mode === 'batch'
          ? await unary<Results>(client, 'chargeBatch', { items })
          : await streamed<Results['results'][number]>(client, items);
      expect(res.results).toHaveLength(count);
      res.results.forEach((r, i) => {
        expect(r.debitEvent?.resultCode).toBe(ResultCode.SUCCESS);
        answered.set(debitOf(n + i).requestId, r.debitEvent!.debitedAmount!.amountMicros);
      });
    };
    const step = mode === 'unary' ? 1 : BATCH_ITEMS;
    const worker = async () => {
      while (next < DEBITS) {
        const n = next;
        const count = Math.min(step, DEBITS - n);
        next += count;
        for (;;) {
          await killing;
          try {
            await send(n, count);
            break;
          } catch {
            await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
          }
        }
        if (kills.length > 0 && answered.size >= kills[0] && !killing) {
          kills.shift();
          killing = (async () => {
            await killGateway();
            client.close();
            await startGateway();
            client = grpcClient(sys.grpcAddress);
          })();
          await killing;
          killing = undefined;
        }
      }
    };
    await Promise.all(Array.from({ length: mode === 'unary' ? CONCURRENCY : CONCURRENCY / 4 }, worker));
    client.close();
    return answered;
  }

  async function outboxDepth(): Promise<number> {
    const keys = new BalanceKeys(sys.env.RATEL_REDIS_PREFIX);
    const pipe = redis.pipeline();
    for (let b = 0; b < 256; b++) pipe.xlen(keys.outbox(b));
    const res = (await pipe.exec()) ?? [];
    return res.reduce((sum, [, n]) => sum + Number(n), 0);
  }

  async function readDebits(): Promise<RatedEvent[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('RATEL_RATED');
    const events: RatedEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('RATEL_RATED', { seq });
      events.push(parseRatedEvent(JSON.parse(new TextDecoder().decode(m.data))));
    }
    return events;
  }

  it(
    'publishes every committed debit exactly once',
    async () => {
      await provision();
      await startGateway();
      const answered = await drive();
      expect(answered.size).toBe(DEBITS);
      expect(kills).toBe(KILL_AT.length); // the gateway really died mid-load
      await waitFor('outbox to drain', async () => (await outboxDepth()) === 0, DRAIN_TIMEOUT_MS);

      const events = await readDebits();
      const ids = events.map((e) => e.eventId);
      expect(new Set(ids).size).toBe(ids.length); // no event twice
      const debits = events.filter((e) => e.type === 'DEBIT');
      expect(debits.map((e) => e.requestId).sort()).toEqual([...answered.keys()].sort()); // each committed debit once
      expect(debits.every((e) => BigInt(e.amountMicros) === SMS_PRICE_MICROS)).toBe(true);

      const engine = new RedisBalanceEngine(redis, { prefix: sys.env.RATEL_REDIS_PREFIX });
      for (let i = 0; i < ACCOUNTS; i++) {
        const view = await engine.getBalance(`crash-${i}`, Date.now());
        const spent = debits.filter((e) => e.accountId === `crash-${i}`).reduce((s, e) => s + BigInt(e.amountMicros), 0n);
        expect(INITIAL_MICROS - view!.balanceMicros).toBe(spent);
      }
      await killGateway();
    },
    TEST_TIMEOUT_MS,
  );
});
