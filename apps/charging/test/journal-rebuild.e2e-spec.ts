/**
 * Losing Redis, end to end: the charging app as `npm start` runs it (REST, gRPC, balance journal),
 * with the outbox relay run by the spec so it can be stopped at a chosen moment. Usage is charged,
 * the journal follows the stream, the spec stops the relay, tops up (credited, its event still in
 * the outbox), then deletes every key of the deployment. The rebuild must bring the account back
 * with what the journal holds: the balance after usage plus the confirmed top-up whose event was
 * lost, the allowance units used, and the tier counters (the next GB is priced at the second tier).
 * After a second loss a top-up, not the rebuild, finds the account gone and restores it the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { Registry } from 'prom-client';

import { deleteKeys, startNats, type StartedServer } from '@app/devstack';
import { createLogger, systemClock } from '@app/observability';
import { ResultCode, UnitType } from '@app/proto';
import { DEMO_PREPAID_PLAN, RatingGroups } from '@app/rating';
import { bootstrapCharging } from '../src/bootstrap';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { grpcClient, provisionCatalog, rest, systemEnv, type SystemEnv, unary, waitFor } from './system.helpers';
import { loadChargingConfig } from '../src/config';

interface EventAnswer {
  resultCode: ResultCode;
  debitedAmount?: { amountMicros: bigint };
}

const GB = 1024 ** 3;
const MSISDN = '33612888001';

describe('rebuild after Redis lost the account: balance, allowances and tier counters from the journal', () => {
  let dir: string;
  let nats: StartedServer;
  let sys: SystemEnv;
  let app: NestFastifyApplication;
  let redis: Redis;
  let relayNats: NatsConnection;
  let relay: OutboxRelay | undefined;
  let pg: Client;

  const startRelay = () => {
    relay = new OutboxRelay({
      redis,
      nc: relayNats,
      registry: new Registry(),
      logger: createLogger('relay', 'silent'),
      clock: systemClock,
      redisPrefix: sys.env.RATEL_REDIS_PREFIX,
    });
    relay.start();
  };
  const journalAt = async () => Number((await pg.query('select coalesce(max(last_seq), 0) as s from journal_position')).rows[0].s);
  const balance = async () => (await rest(sys.httpBase, 'GET', '/v1/accounts/acc-jr/balance')).body;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-jr-'));
    nats = await startNats({ dir });
    sys = await systemEnv(nats.url);
    app = await bootstrapCharging(loadChargingConfig({ ...sys.env, RATEL_RELAY_ENABLED: 'false' }));
    redis = new Redis(sys.env.REDIS_URL);
    relayNats = await connect({ servers: nats.url });
    pg = new Client({ connectionString: sys.env.DATABASE_URL });
    await pg.connect();
    startRelay();
  });

  afterAll(async () => {
    await relay?.stop();
    await app?.close();
    await relayNats?.close();
    if (redis) {
      await deleteKeys(redis, `${sys.env.RATEL_REDIS_PREFIX}*`);
      await redis.quit();
    }
    await pg?.end();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores what was charged and credits the top-up whose event Redis lost, once', async () => {
    const plan = DEMO_PREPAID_PLAN;
    await provisionCatalog(sys.httpBase, 'jr', plan);
    expect(
      (
        await rest(sys.httpBase, 'POST', '/v1/accounts', {
          id: 'acc-jr',
          customerId: 'cus-jr',
          type: 'PREPAID',
          currency: 'EUR',
          timeZone: 'Europe/Paris',
          cycleDay: 1,
          planId: plan.id,
          initialBalance: '30.00',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await rest(sys.httpBase, 'POST', '/v1/subscriptions', {
          id: 'sub-jr',
          msisdn: MSISDN,
          imsi: '208018888888001',
          accountId: 'acc-jr',
          productId: 'prd-jr',
        })
      ).status,
    ).toBe(201);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    expect(
      (
        await rest(sys.httpBase, 'POST', '/v1/accounts/acc-jr/grants', {
          id: 'bkt-sms',
          unit: 'EVENTS',
          ratingGroups: [RatingGroups.SMS],
          units: 10,
          expiresAt,
        })
      ).status,
    ).toBe(201);
    expect(
      (await rest(sys.httpBase, 'POST', '/v1/accounts/acc-jr/top-ups', { amount: '5.00' }, { 'idempotency-key': 'jr-1' })).status,
    ).toBe(201);

    const client = grpcClient(sys.grpcAddress);
    const event = (requestId: string, ratingGroup: number, units: bigint, unit: UnitType) =>
      unary<EventAnswer>(client, 'debitEvent', {
        requestId,
        subscriber: { msisdn: MSISDN },
        calledNumber: '33612345678',
        service: { ratingGroup, serviceId: 0, units, unit },
      });
    for (const id of ['sms-1', 'sms-2', 'sms-3'])
      expect((await event(id, RatingGroups.SMS, 1n, UnitType.EVENTS)).resultCode).toBe(ResultCode.SUCCESS);
    expect(
      (await unary<EventAnswer>(client, 'refundEvent', { requestId: 'refund-1', subscriber: { msisdn: MSISDN }, debitRequestId: 'sms-2' }))
        .resultCode,
    ).toBe(ResultCode.SUCCESS);
    // 1 GB at the first tier (0.01 EUR per MB).
    const firstGb = await event('data-1', RatingGroups.DATA, BigInt(GB), UnitType.BYTES);
    expect([firstGb.resultCode, firstGb.debitedAmount?.amountMicros]).toEqual([ResultCode.SUCCESS, 10_240_000n]);

    const before = await balance();
    expect(before.balance).toMatchObject({ micros: '24760000' });
    expect(before.buckets).toEqual([expect.objectContaining({ bucketId: 'bkt-sms', remainingUnits: 8 })]);
    // opening, top-up, 3 SMS, refund, data
    await waitFor('the journal to apply all 7 events', async () => (await journalAt()) === 7, 20_000);

    // The relay stops; a top-up is credited (and confirmed) but its event stays in the outbox, and is lost with Redis.
    await relay!.stop();
    expect(
      (await rest(sys.httpBase, 'POST', '/v1/accounts/acc-jr/top-ups', { amount: '2.00' }, { 'idempotency-key': 'jr-2' })).status,
    ).toBe(201);
    expect(
      (await pg.query(`select projected_at is not null as p, journaled_at is null as j from top_up where idempotency_key = 'jr-2'`)).rows,
    ).toEqual([{ p: true, j: true }]);
    expect((await pg.query(`select journaled_at is not null as j from top_up where idempotency_key = 'jr-1'`)).rows).toEqual([{ j: true }]);
    await deleteKeys(redis, `${sys.env.RATEL_REDIS_PREFIX}*`);
    expect((await rest(sys.httpBase, 'GET', '/v1/accounts/acc-jr/balance')).status).toBe(503);

    const report = await rest(sys.httpBase, 'POST', '/v1/admin/rebuild-projection', { all: true });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      accounts: 1,
      accountsRestoredFromJournal: 1,
      accountsInitialisedFromLedger: 0,
      journal: { position: 7, streamLastSeq: 7, eventsLost: 0 },
      failed: [],
    });
    const after = await balance();
    expect(after.balance).toMatchObject({ micros: '26760000' });
    expect(after.buckets).toEqual([expect.objectContaining({ bucketId: 'bkt-sms', totalUnits: 10, remainingUnits: 8 })]);

    // The re-created account's opening (TOPUP, INITIAL_BALANCE) reaches the journal; the lost top-up counts as journaled from then on.
    startRelay();
    await waitFor('the journal to apply the re-created opening', async () => (await journalAt()) === 8, 20_000);
    expect((await pg.query(`select balance_micros from account_journal where account_id = 'acc-jr'`)).rows).toEqual([
      { balance_micros: '26760000' },
    ]);
    expect((await pg.query(`select journaled_at is not null as j from top_up where idempotency_key = 'jr-2'`)).rows).toEqual([{ j: true }]);

    // The tier counter came back: the second GB is priced at the second tier (0.005 EUR per MB).
    const secondGb = await event('data-2', RatingGroups.DATA, BigInt(GB), UnitType.BYTES);
    expect([secondGb.resultCode, secondGb.debitedAmount?.amountMicros]).toEqual([ResultCode.SUCCESS, 5_120_000n]);

    // A second loss, and this time a top-up comes before any rebuild: it restores the account from
    // the journal itself (the lost top-up is not added twice; allowances, tier counters and routes come back).
    await waitFor('the journal to apply the second GB', async () => (await journalAt()) === 9, 20_000);
    await relay!.stop();
    await deleteKeys(redis, `${sys.env.RATEL_REDIS_PREFIX}*`);
    expect(
      (await rest(sys.httpBase, 'POST', '/v1/accounts/acc-jr/top-ups', { amount: '1.00' }, { 'idempotency-key': 'jr-3' })).status,
    ).toBe(201);
    const restored = await balance();
    expect(restored.balance).toMatchObject({ micros: '22640000' });
    expect(restored.buckets).toEqual([expect.objectContaining({ bucketId: 'bkt-sms', remainingUnits: 8 })]);
    const thirdGb = await event('data-3', RatingGroups.DATA, BigInt(GB), UnitType.BYTES);
    expect([thirdGb.resultCode, thirdGb.debitedAmount?.amountMicros]).toEqual([ResultCode.SUCCESS, 5_120_000n]);
    expect((await rest(sys.httpBase, 'POST', '/v1/admin/rebuild-projection', { accountId: 'acc-jr' })).body).toMatchObject({
      accounts: 1,
      accountsRestoredFromJournal: 0,
      accountsInitialisedFromLedger: 0,
    });
    client.close();
  });
});
