/**
 * The charging app on a Redis Cluster (three masters, RATEL_REDIS_CLUSTER=true), as `npm start`
 * runs it otherwise: REST provisioning, gRPC sessions and SMS over accounts spread across the
 * masters, the in-app relay moving every rated event to JetStream and emptying all 256 outboxes,
 * the expiry sweep across slots, the route cache invalidated through the cluster's pub/sub, the
 * function library on every master, and a rebuild (with the balance journal) after every key of
 * the deployment was deleted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Cluster } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';

import { deleteKeys, scanKeys, startNats, startRedisCluster, type StartedRedisCluster, type StartedServer } from '@app/devstack';
import { DebitEventRequest, ResultCode, StartSessionRequest, TerminateSessionRequest, UnitType } from '@app/proto';
import { DEMO_PREPAID_PLAN, RatingGroups } from '@app/rating';
import { RedisBalanceEngine } from '../src/balance/redis-balance-engine';
import { prepaid } from '../src/balance/test/balance-test-kit';
import { bootstrapCharging } from '../src/bootstrap';
import { grpcClient, provisionCatalog, rest, streamed, systemEnv, type SystemEnv, unary, waitFor } from './system.helpers';
import { loadChargingConfig } from '../src/config';

interface ServiceAnswer {
  resultCode: ResultCode;
  grantedUnits?: bigint;
  debitedAmount?: { amountMicros: bigint };
}
interface Answer {
  resultCode: ResultCode;
  services?: ServiceAnswer[];
  debitedAmount?: { amountMicros: bigint };
}

const ACCOUNTS = 8;
const MB = 1_048_576n;
const msisdn = (i: number) => `3361777${String(i).padStart(4, '0')}`;

describe('charging app on a Redis Cluster', () => {
  let dir: string;
  let cluster: StartedRedisCluster;
  let nats: StartedServer;
  let sys: SystemEnv;
  let app: NestFastifyApplication;
  let redis: Cluster;
  let nc: NatsConnection;
  let pg: Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-cluster-'));
    cluster = await startRedisCluster({ dir: join(dir, 'redis'), masters: 3 });
    nats = await startNats({ dir: join(dir, 'nats') });
    sys = await systemEnv(nats.url);
    sys.env.REDIS_URL = cluster.urls.join(',');
    sys.env.RATEL_REDIS_CLUSTER = 'true';
    app = await bootstrapCharging(loadChargingConfig(sys.env));
    redis = new Cluster(cluster.urls);
    nc = await connect({ servers: nats.url });
    pg = new Client({ connectionString: sys.env.DATABASE_URL });
    await pg.connect();
  });

  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await nc?.close();
    await pg?.end();
    await nats?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('charges, relays, sweeps, invalidates routes and rebuilds across the masters', async () => {
    const plan = DEMO_PREPAID_PLAN;
    await provisionCatalog(sys.httpBase, 'cl', plan);
    for (let i = 0; i < ACCOUNTS; i++) {
      const id = `acc-cl-${i}`;
      expect(
        (
          await rest(sys.httpBase, 'POST', '/v1/accounts', {
            id,
            customerId: 'cus-cl',
            type: 'PREPAID',
            currency: 'EUR',
            timeZone: 'Europe/Paris',
            cycleDay: 1,
            planId: plan.id,
            initialBalance: '10.00',
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await rest(sys.httpBase, 'POST', '/v1/subscriptions', {
            id: `sub-cl-${i}`,
            msisdn: msisdn(i),
            imsi: `20801777700${String(i).padStart(4, '0')}`,
            accountId: id,
            productId: 'prd-cl',
          })
        ).status,
      ).toBe(201);
    }
    // The accounts' keys are on more than one master, and every master has the function library.
    const engine = new RedisBalanceEngine(redis, { prefix: sys.env.RATEL_REDIS_PREFIX });
    const accountKeys = Array.from({ length: ACCOUNTS }, (_, i) => engine.keys.account(`acc-cl-${i}`).acct);
    const holding = await Promise.all(
      redis
        .nodes('master')
        .map(async (node) => (await Promise.all(accountKeys.map((k) => node.exists(k).catch(() => 0)))).some((n) => n === 1)),
    );
    expect(holding.filter(Boolean).length).toBeGreaterThan(1);
    for (const node of redis.nodes('master')) expect(JSON.stringify(await node.call('FUNCTION', 'LIST'))).toContain('ratel_balance_');

    const client = grpcClient(sys.grpcAddress);
    const sub = (i: number) => ({ msisdn: msisdn(i) });
    for (let i = 0; i < ACCOUNTS; i++) {
      const s = `sess-cl-${i}`;
      const started = await unary<Answer>(
        client,
        'startSession',
        StartSessionRequest.fromPartial({
          sessionId: s,
          requestNumber: 0,
          subscriber: sub(i),
          services: [{ ratingGroup: RatingGroups.DATA, requestedUnits: 10n * MB, unit: UnitType.BYTES }],
        }),
      );
      expect(started.services?.[0].resultCode).toBe(ResultCode.SUCCESS);
      const ended = await unary<Answer>(
        client,
        'terminateSession',
        TerminateSessionRequest.fromPartial({
          sessionId: s,
          requestNumber: 1,
          subscriber: sub(i),
          services: [{ ratingGroup: RatingGroups.DATA, usedUnits: 5n * MB }],
        }),
      );
      expect(ended.services?.[0].debitedAmount?.amountMicros).toBe(50_000n);
      const sms = await unary<Answer>(
        client,
        'debitEvent',
        DebitEventRequest.fromPartial({
          requestId: `sms-cl-${i}`,
          subscriber: sub(i),
          calledNumber: '33612345678',
          service: { ratingGroup: RatingGroups.SMS, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
        }),
      );
      expect([sms.resultCode, sms.debitedAmount?.amountMicros]).toEqual([ResultCode.SUCCESS, 50_000n]);
    }
    // An abandoned session on account 0: the sweep over all 256 indexes (one read per slot) releases it.
    const abandoned = await unary<Answer>(
      client,
      'startSession',
      StartSessionRequest.fromPartial({
        sessionId: 'sess-cl-abandoned',
        requestNumber: 0,
        subscriber: sub(0),
        services: [{ ratingGroup: RatingGroups.DATA, requestedUnits: 10n * MB, unit: UnitType.BYTES }],
      }),
    );
    expect(abandoned.services?.[0].resultCode).toBe(ResultCode.SUCCESS);
    expect(await engine.expireDue(Date.now() + 24 * 3_600_000, 100)).toBe(1);

    // Every rated event reaches JetStream (opening, DEBIT of the session and its RELEASE, DEBIT of the SMS; the EXPIRY) and the outboxes empty.
    const expected = ACCOUNTS * 4 + 1;
    const jsm = await nc.jetstreamManager();
    await waitFor(
      `${expected} rated events in JetStream`,
      async () => (await jsm.streams.info('RATEL_RATED')).state.messages >= expected,
      30_000,
      100,
    );
    expect((await jsm.streams.info('RATEL_RATED')).state.messages).toBe(expected);
    await waitFor(
      'every outbox empty',
      async () => {
        const outboxes = await scanKeys(redis, `${sys.env.RATEL_REDIS_PREFIX}*outbox`);
        const lengths = await Promise.all(outboxes.map((k) => redis.xlen(k)));
        return lengths.every((n) => n === 0);
      },
      30_000,
      100,
    );

    // A deleted subscription: the gateway's route cache hears of it through the cluster's pub/sub.
    expect((await rest(sys.httpBase, 'DELETE', '/v1/subscriptions/sub-cl-7')).status).toBe(200);
    await waitFor(
      'the deleted MSISDN unknown to the gateway',
      async () => {
        const r = await unary<Answer>(
          client,
          'debitEvent',
          DebitEventRequest.fromPartial({
            requestId: `sms-cl-gone-${Date.now()}`,
            subscriber: sub(7),
            calledNumber: '33612345678',
            service: { ratingGroup: RatingGroups.SMS, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
          }),
        );
        return r.resultCode === ResultCode.USER_UNKNOWN;
      },
      10_000,
      100,
    );

    // Redis loses everything; the rebuild brings every account back from the journal.
    await waitFor(
      `the journal to hold every event (${expected})`,
      async () => Number((await pg.query('select coalesce(max(last_seq), 0) as s from journal_position')).rows[0].s),
      (seq) => seq === expected,
      30_000,
      100,
    );
    await deleteKeys(redis, `${sys.env.RATEL_REDIS_PREFIX}*`);
    const report = await rest(sys.httpBase, 'POST', '/v1/admin/rebuild-projection', { all: true });
    expect(report.body).toMatchObject({ accounts: ACCOUNTS, accountsRestoredFromJournal: ACCOUNTS, failed: [] });
    for (let i = 0; i < ACCOUNTS; i++) {
      expect((await rest(sys.httpBase, 'GET', `/v1/accounts/acc-cl-${i}/balance`)).body.balance).toMatchObject({ micros: '9900000' });
    }
    const again = await unary<Answer>(
      client,
      'debitEvent',
      DebitEventRequest.fromPartial({
        requestId: 'sms-cl-after',
        subscriber: sub(1),
        calledNumber: '33612345678',
        service: { ratingGroup: RatingGroups.SMS, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
      }),
    );
    expect(again.resultCode).toBe(ResultCode.SUCCESS);
    client.close();
  });

  /** chargeGroup script calls so far (the app's /metrics): the items of one slot bucket coalesced into one call. */
  const chargeGroupCalls = async () => {
    const metrics = await (await fetch(`${sys.httpBase}/metrics`)).text();
    return [...metrics.matchAll(/ratel_script_duration_seconds_count\{[^}]*script="chargeGroup"[^}]*\} (\d+)/g)].reduce(
      (s, m) => s + Number(m[1]),
      0,
    );
  };

  it.each([
    ['batch', 'ChargeBatch', '3361888'],
    ['stream', 'ChargeStream', '3361889'],
  ] as const)(
    '%s: runs a %s mixing sessions and SMS of 50 accounts on different slots, grouped per slot bucket',
    async (mode, _rpc, prefix) => {
      const n = 50;
      const engine = new RedisBalanceEngine(redis, { prefix: sys.env.RATEL_REDIS_PREFIX });
      await engine.putPlan(DEMO_PREPAID_PLAN.id, JSON.stringify(DEMO_PREPAID_PLAN));
      const bmsisdn = (i: number) => `${prefix}${String(i).padStart(4, '0')}`;
      for (let i = 0; i < n; i++) {
        const accountId = `acc-cl-${mode}-${i}`;
        await engine.upsertAccount(prepaid(accountId, { timeZone: 'Europe/Paris', planId: DEMO_PREPAID_PLAN.id }), 10_000_000n);
        await engine.routeSubscriber(bmsisdn(i), {
          accountId,
          planId: DEMO_PREPAID_PLAN.id,
          timeZone: 'Europe/Paris',
          currency: 'EUR',
          cycleDay: 1,
        });
      }
      const slots = new Set(Array.from({ length: n }, (_, i) => engine.keys.account(`acc-cl-${mode}-${i}`).acct.match(/\{b:(\d+)\}/)![1]));
      expect(slots.size).toBeGreaterThan(10);
      const client = grpcClient(sys.grpcAddress);
      const sub = (i: number) => ({ msisdn: bmsisdn(i) });
      const data = (usedUnits: bigint, requestedUnits: bigint) => [
        { ratingGroup: RatingGroups.DATA, requestedUnits, usedUnits, unit: UnitType.BYTES },
      ];
      const sms = (i: number) =>
        DebitEventRequest.fromPartial({
          requestId: `sms-cl-${mode}-${i}`,
          subscriber: sub(i),
          calledNumber: '33612345678',
          service: { ratingGroup: RatingGroups.SMS, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
        });
      type Results = { results: Array<{ correlationId: string; start?: Answer; terminate?: Answer; debitEvent?: Answer }> };
      // At most CHARGE_BATCH_ITEMS_MAX (64) items a batch: the 50 starts with 14 SMS, then the other 36 SMS.
      // One ChargeBatch call, or the same items over one ChargeStream (answers in the order sent).
      const send = (req: { items: object[] }): Promise<Results> =>
        mode === 'batch' ? unary<Results>(client, 'chargeBatch', req) : streamed<Results['results'][number]>(client, req.items);
      const first = await send({
        items: [
          ...Array.from({ length: n }, (_, i) => ({
            correlationId: `s${i}`,
            start: StartSessionRequest.fromPartial({
              sessionId: `sess-cl-${mode}-${i}`,
              requestNumber: 0,
              subscriber: sub(i),
              services: data(0n, 10n * MB),
            }),
          })),
          ...Array.from({ length: 14 }, (_, i) => ({ correlationId: `e${i}`, debitEvent: sms(i) })),
        ],
      });
      const smsRest = await send({
        items: Array.from({ length: n - 14 }, (_, i) => ({ correlationId: `e${i + 14}`, debitEvent: sms(i + 14) })),
      });
      expect(first.results).toHaveLength(64);
      expect([...first.results, ...smsRest.results].every((r) => (r.start ?? r.debitEvent)?.resultCode === ResultCode.SUCCESS)).toBe(true);
      const second = await send({
        items: Array.from({ length: n }, (_, i) => ({
          correlationId: `t${i}`,
          terminate: TerminateSessionRequest.fromPartial({
            sessionId: `sess-cl-${mode}-${i}`,
            requestNumber: 1,
            subscriber: sub(i),
            services: data(5n * MB, 0n),
          }),
        })),
      });
      expect(second.results.map((r) => r.terminate?.services?.[0].debitedAmount?.amountMicros)).toEqual(Array(n).fill(50_000n));
      for (let i = 0; i < n; i++) {
        const view = await engine.getBalance(`acc-cl-${mode}-${i}`, Date.now());
        expect([view?.balanceMicros, view?.reservedMicros]).toEqual([10_000_000n - 100_000n, 0n]);
      }
      // 32 SMS of one account (one slot bucket), its route cached by now: the items of one bucket go to Redis
      // as chargeGroup calls, on a cluster too; the batch's because they are one call, the stream's because
      // it coalesces what arrives within one event-loop turn.
      const groupsBefore = await chargeGroupCalls();
      const burst = await send({
        items: Array.from({ length: 32 }, (_, k) => ({
          correlationId: `b${k}`,
          debitEvent: { ...sms(0), requestId: `sms-cl-${mode}-burst-${k}` },
        })),
      });
      expect(burst.results.every((r) => r.debitEvent?.resultCode === ResultCode.SUCCESS)).toBe(true);
      expect(await chargeGroupCalls()).toBeGreaterThan(groupsBefore);
      expect((await engine.getBalance(`acc-cl-${mode}-0`, Date.now()))?.balanceMicros).toBe(10_000_000n - 100_000n - 32n * 50_000n);
      client.close();
    },
  );
});
