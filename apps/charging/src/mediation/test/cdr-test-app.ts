/**
 * The CDR module booted the way the mediation process boots it (CdrModule.forRoot in the app of
 * createMediationApp), on fastify, against real servers: a per-spec JetStream stream, ClickHouse
 * database (migrated) and Redis key prefix provisioned through the charging engine.
 */
import 'reflect-metadata';
import { ClickHouseClient, createClickhouseClient, dropClickhouseDatabase, migrateClickhouse } from '@app/analytics';
import { ensureClickhouse, requireEnv, TestClickhouse, uniqueId } from '@app/devstack';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { connect, NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { DUPLICATE_WINDOW_MS } from '@app/events';
import { JetStreamManager, nanos, RetentionPolicy, StorageType } from 'nats';
import { RedisBalanceEngine } from '../../balance/redis-balance-engine';
import type { AccountProjection } from '../../balance/balance-engine.port';
import { CdrConfig, loadCdrConfig } from '../cdr-config';
import { CdrModule } from '../cdr.module';
import { createMediationApp } from '../http/mediation-http';
import { TEST_PLAN_ID, TEST_PLAN_JSON, TEST_TIME_ZONE } from './cdr-fixtures';

export const TEST_API_KEY = 'cdr-test-key';

/** A rated stream as the charging relay creates it (with the duplicate window), on a per-spec subject root. */
export async function createRatedStream(jsm: JetStreamManager, name: string, subjectRoot: string): Promise<void> {
  await jsm.streams.add({
    name,
    subjects: [`${subjectRoot}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
}

export interface CdrTestEnv {
  nc: NatsConnection;
  redis: Redis;
  engine: RedisBalanceEngine;
  ch: TestClickhouse;
  clickhouse: ClickHouseClient;
  database: string;
  stream: string;
  subjectPrefix: string;
  redisPrefix: string;
  close(): Promise<void>;
}

/** Servers and per-spec names: stream, database (migrated), Redis prefix with the test plan. */
export async function openCdrTestEnv(label: string): Promise<CdrTestEnv> {
  const nc = await connect({ servers: requireEnv('NATS_URL') });
  const redis = new Redis(requireEnv('REDIS_URL'));
  const ch = await ensureClickhouse();
  const clickhouse = createClickhouseClient({ url: ch.url });
  const database = uniqueId(label);
  const stream = uniqueId(label.toUpperCase());
  const subjectPrefix = `${stream}.ratel.rated.v1`;
  const redisPrefix = `${uniqueId(label)}:`;
  await createRatedStream(await nc.jetstreamManager(), stream, subjectPrefix);
  await migrateClickhouse(ch.url, database);
  const engine = new RedisBalanceEngine(redis, { prefix: redisPrefix });
  await engine.putPlan(TEST_PLAN_ID, TEST_PLAN_JSON);
  const close = async (): Promise<void> => {
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await dropClickhouseDatabase(ch.url, database).catch(() => undefined);
    await clickhouse.close();
    await redis.quit();
    await nc.close();
    await ch.stop();
  };
  return { nc, redis, engine, ch, clickhouse, database, stream, subjectPrefix, redisPrefix, close };
}

/** A postpaid (or prepaid) account on the test plan, routed from each subscriber id. */
export async function provision(env: CdrTestEnv, accountId: string, type: 'POSTPAID' | 'PREPAID', subscribers: string[]): Promise<void> {
  const account: AccountProjection = {
    accountId,
    type,
    currency: 'EUR',
    creditLimitMicros: type === 'POSTPAID' ? 100_000_000n : 0n,
    thresholdsMicros: [],
    status: 'ACTIVE',
    timeZone: TEST_TIME_ZONE,
    planId: TEST_PLAN_ID,
    cycleDay: 1,
  };
  await env.engine.upsertAccount(account, 0n);
  for (const s of subscribers) {
    await env.engine.routeSubscriber(s, { accountId, planId: TEST_PLAN_ID, timeZone: TEST_TIME_ZONE, currency: 'EUR', cycleDay: 1 });
  }
}

export interface CdrTestApp {
  app: NestFastifyApplication;
  registry: Registry;
  config: CdrConfig;
  close(): Promise<void>;
}

export async function startCdrTestApp(env: CdrTestEnv, extra: Record<string, string> = {}): Promise<CdrTestApp> {
  const logger = createLogger('cdr-test', 'silent');
  const registry = createRegistry('mediation');
  const config = loadCdrConfig({
    REDIS_URL: requireEnv('REDIS_URL'),
    NATS_URL: requireEnv('NATS_URL'),
    CLICKHOUSE_URL: env.ch.url,
    CLICKHOUSE_DATABASE: env.database,
    CDR_SUBJECT_PREFIX: env.subjectPrefix,
    RATEL_API_KEYS: TEST_API_KEY,
    RATEL_REDIS_PREFIX: env.redisPrefix,
    CDR_RATING_WORKERS: '1',
    ...extra,
  });
  const cdr = CdrModule.forRoot({
    config,
    redis: env.redis,
    nats: env.nc,
    clickhouse: env.clickhouse,
    registry,
    logger,
    clock: systemClock,
  });
  const app = await createMediationApp(cdr, { logger, registry });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, registry, config, close: () => app.close() };
}
