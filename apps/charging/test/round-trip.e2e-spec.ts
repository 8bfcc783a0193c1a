/**
 * Round trip through the whole charging app as `npm start` runs it (bootstrapCharging: REST,
 * gRPC, relay, sweeper, metrics): create an account over REST, charge it over gRPC, read the
 * balance over REST, and find the rated events in JetStream. Real PostgreSQL, Redis and NATS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, NatsConnection } from 'nats';

import { startNats, StartedServer } from '@app/devstack';
import { parseRatedEvent } from '@app/events';
import { DEMO_PREPAID_PLAN } from '@app/rating';
import { ResultCode, UnitType } from '@app/proto';
import { bootstrapCharging } from '../src/bootstrap';
import { grpcClient, provisionCatalog, rest, systemEnv, SystemEnv, unary, waitFor } from './system.helpers';
import { loadChargingConfig } from '../src/config';

interface Answer {
  resultCode: ResultCode;
  services?: { grantedUnits: bigint; debitedAmount?: { amountMicros: bigint } }[];
  debitedAmount?: { amountMicros: bigint };
}

describe('charging app round trip: REST -> gRPC -> REST -> JetStream', () => {
  let dir: string;
  let nats: StartedServer;
  let sys: SystemEnv;
  let app: NestFastifyApplication;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-rt-'));
    nats = await startNats({ dir });
    sys = await systemEnv(nats.url);
    app = await bootstrapCharging(loadChargingConfig(sys.env));
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions over REST, charges over gRPC and shows the result over REST and in JetStream', async () => {
    const plan = DEMO_PREPAID_PLAN;
    await provisionCatalog(sys.httpBase, 'rt', plan);
    const account = await rest(sys.httpBase, 'POST', '/v1/accounts', {
      id: 'acc-rt',
      customerId: 'cus-rt',
      type: 'PREPAID',
      currency: 'EUR',
      timeZone: 'Europe/Paris',
      cycleDay: 1,
      planId: plan.id,
      thresholds: ['1.00'],
      initialBalance: '2.00',
    });
    expect(account.status).toBe(201);
    const sub = await rest(sys.httpBase, 'POST', '/v1/subscriptions', {
      id: 'sub-rt',
      msisdn: '33612999001',
      imsi: '208019999999001',
      accountId: 'acc-rt',
      productId: 'prd-rt',
    });
    expect(sub.status).toBe(201);

    // Anonymous provisioning is refused.
    const anon = await fetch(`${sys.httpBase}/v1/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"x","name":"x"}',
    });
    expect(anon.status).toBe(401);

    const client = grpcClient(sys.grpcAddress);
    const subscriber = { msisdn: '33612999001' };
    // Two SMS at 0.05 EUR each, then a refund of the first.
    for (const id of ['sms-1', 'sms-2']) {
      const a = await unary<Answer>(client, 'debitEvent', {
        requestId: id,
        subscriber,
        calledNumber: '33612345678',
        service: { ratingGroup: 30, serviceId: 0, units: 1n, unit: UnitType.EVENTS },
      });
      expect(a.resultCode).toBe(ResultCode.SUCCESS);
      expect(a.debitedAmount?.amountMicros).toBe(50_000n);
    }
    const refund = await unary<Answer>(client, 'refundEvent', { requestId: 'refund-1', subscriber, debitRequestId: 'sms-1' });
    expect(refund.resultCode).toBe(ResultCode.SUCCESS);
    client.close();

    const balance = await rest(sys.httpBase, 'GET', '/v1/accounts/acc-rt/balance');
    expect(balance.status).toBe(200);
    expect(balance.body.balance).toMatchObject({ micros: '1950000' });

    const metrics = await (await fetch(`${sys.httpBase}/metrics`)).text();
    expect(metrics).toMatch(/ratel_grpc_requests_total\{[^}]*method="DebitEvent"[^}]*\} 2/);

    // The relay publishes the initial balance, both debits and the refund to JetStream.
    const jsm = await nc.jetstreamManager();
    await waitFor('rated events in JetStream', async () => (await jsm.streams.info('RATEL_RATED')).state.messages >= 4, 20_000);
    const types: string[] = [];
    for (let seq = 1; seq <= (await jsm.streams.info('RATEL_RATED')).state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('RATEL_RATED', { seq });
      const e = parseRatedEvent(JSON.parse(new TextDecoder().decode(m.data)));
      if (e.accountId === 'acc-rt') types.push(`${e.type}:${e.amountMicros}`);
    }
    expect(types.sort()).toEqual(['DEBIT:50000', 'DEBIT:50000', 'REFUND:-50000', 'TOPUP:-2000000'].sort());
  });
});
