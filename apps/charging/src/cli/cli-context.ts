/**
 * The composition root of the provisioning CLIs: PostgreSQL (MikroORM), Redis and the balance
 * engine, wired by hand (no Nest container: a CLI needs neither HTTP nor the full app config).
 */
import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig } from '@app/db';
import { type Clock, createLogger, type Logger, systemClock } from '@app/observability';
import type { BalanceEngine } from '../balance/balance-engine.port';
import { RedisBalanceEngine } from '../balance/redis-balance-engine';
import { createRedis, type RedisClient } from '@app/keyspace';
import { Projector } from '../provisioning/shared/projector';
import type { CliConfig } from './cli-config';

export interface CliContext {
  orm: MikroORM;
  redis: RedisClient;
  engine: BalanceEngine;
  projector: Projector;
  clock: Clock;
  logger: Logger;
  close(): Promise<void>;
}

export async function openCliContext(config: CliConfig, name: string): Promise<CliContext> {
  const orm = await MikroORM.init(createOrmConfig(config.DATABASE_URL));
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const clock = systemClock;
  const logger = createLogger(name, config.RATEL_LOG_LEVEL);
  const engine = new RedisBalanceEngine(redis, { prefix: config.RATEL_REDIS_PREFIX, clock });
  const projector = new Projector(engine, clock, logger);
  return {
    orm,
    redis,
    engine,
    projector,
    clock,
    logger,
    close: async () => {
      await orm.close(true);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
