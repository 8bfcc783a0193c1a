/**
 * Helpers of the charging gRPC end-to-end specs: boot InfraModule + ChargingGrpcModule against the
 * test Redis (random key prefix, random port), provision accounts through the BalanceEngine port,
 * and call the server with the generated grpc-js client.
 */
import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { CallOptions, ChannelCredentials, Client, credentials, Metadata, ServiceError } from '@grpc/grpc-js';
import { randomInt } from 'node:crypto';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import { loadConfig } from '@app/config';
import { deleteKeys, requireEnv, uniqueId } from '@app/devstack';
import { METRICS_REGISTRY } from '@app/observability';
import { ChargingServiceClient } from '@app/proto';
import { DEMO_PREPAID_PLAN } from '@app/rating';
import { AccountProjection, BALANCE_ENGINE, BalanceEngine } from '../src/balance/balance-engine.port';
import { prepaid } from '../src/balance/test/balance-test-kit';
import { ChargingGrpcModule } from '../src/charging/charging-grpc.module';
import { GrpcServerService } from '../src/charging/grpc-server.service';
import { InfraModule } from '../src/infra/infra.module';
import { REDIS } from '../src/infra/redis';
import { ChargingConfig, chargingConfigSchema } from '../src/config';

export const EUR = 1_000_000n;
export const PLAN_ID = DEMO_PREPAID_PLAN.id;

export interface ChargingApp {
  app: INestApplicationContext;
  engine: BalanceEngine;
  registry: Registry;
  config: ChargingConfig;
  address: string;
  close(): Promise<void>;
}

/** Boots the gRPC feature on a free port; `env` adds or overrides variables (TLS specs). */
export async function startChargingApp(env: Record<string, string> = { RATEL_GRPC_INSECURE: 'true' }): Promise<ChargingApp> {
  const config = loadConfig(chargingConfigSchema, {
    REDIS_URL: requireEnv('REDIS_URL'),
    NATS_URL: requireEnv('NATS_URL'),
    DATABASE_URL: requireEnv('DATABASE_URL'),
    RATEL_REDIS_PREFIX: `${uniqueId('grpc')}:`,
    RATEL_GRPC_HOST: '127.0.0.1',
    RATEL_GRPC_PORT: '0',
    RATEL_RELAY_ENABLED: 'false',
    RATEL_EXPIRY_SWEEP_ENABLED: 'false',
    RATEL_LOG_LEVEL: 'silent',
    RATEL_API_KEYS: 'test-key',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(
    { module: class GrpcE2eRoot {}, imports: [InfraModule.forRoot(config), ChargingGrpcModule] },
    { logger: false },
  );
  await app.init();
  const engine = app.get<BalanceEngine>(BALANCE_ENGINE);
  const redisPrefix = config.RATEL_REDIS_PREFIX;
  return {
    app,
    engine,
    registry: app.get<Registry>(METRICS_REGISTRY),
    config,
    address: `127.0.0.1:${app.get(GrpcServerService).port}`,
    close: async () => {
      await cleanRedis(app, redisPrefix);
      await app.close();
    },
  };
}

async function cleanRedis(app: INestApplicationContext, prefix: string): Promise<void> {
  await deleteKeys(app.get<Redis>(REDIS), `${prefix}*`);
}

/** A client of the generated code; TLS clients check the server certificate's name "localhost". */
export function chargingClient(address: string, creds: ChannelCredentials = credentials.createInsecure()): ChargingServiceClient {
  return new ChargingServiceClient(address, creds, creds._isSecure() ? { 'grpc.ssl_target_name_override': 'localhost' } : {});
}

type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** Promise form of a unary call of the generated client. */
export function call<Req, Res>(client: ChargingServiceClient, method: UnaryMethod<Req, Res>, req: Req, deadlineMs = 10_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, new Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Sends raw bytes to a method (wrong wire types, truncated or oversized messages). */
export function callRaw(address: string, path: string, bytes: Buffer): Promise<Buffer> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (err, res) => (err ? reject(err) : resolve(res as Buffer)),
    );
  }).finally(() => client.close());
}

/** Resolves to the error of a call that must fail. */
export async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** A random German mobile MSISDN, unique enough per spec. */
export function randomMsisdn(): string {
  return `49170${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

/** Creates an ACTIVE prepaid EUR account on the demo prepaid plan with `balanceMicros`, routed from a new MSISDN. */
export async function provisionSubscriber(
  engine: BalanceEngine,
  balanceMicros: bigint,
  nowMs = Date.now(),
  account: Partial<AccountProjection> = {},
): Promise<{ accountId: string; msisdn: string }> {
  const accountId = uniqueId('acct');
  const msisdn = randomMsisdn();
  await engine.putPlan(PLAN_ID, JSON.stringify(DEMO_PREPAID_PLAN));
  await engine.upsertAccount(prepaid(accountId, { timeZone: 'Europe/Paris', planId: PLAN_ID, ...account }), 0n);
  if (balanceMicros > 0n) await engine.topUp(accountId, `seed-${accountId}`, balanceMicros, nowMs);
  await engine.routeSubscriber(msisdn, { accountId, planId: PLAN_ID, timeZone: 'Europe/Paris', currency: 'EUR', cycleDay: 1 });
  return { accountId, msisdn };
}
