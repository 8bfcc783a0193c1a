/**
 * Process-wide providers of the charging app: validated config, clock, logger, metrics registry
 * and the Redis connection. Feature modules inject them by token.
 */
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';

import { CLOCK, createLogger, createRegistry, LOGGER, METRICS_REGISTRY, systemClock } from '@app/observability';
import { createRedis, type RedisClient } from '@app/keyspace';
import { REDIS } from './redis';
import { CHARGING_CONFIG, ChargingConfig } from '../config';

@Global()
@Module({})
export class InfraModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  static forRoot(config: ChargingConfig) {
    return {
      module: InfraModule,
      providers: [
        { provide: CHARGING_CONFIG, useValue: config },
        { provide: CLOCK, useValue: systemClock },
        { provide: LOGGER, useValue: createLogger('charging', config.RATEL_LOG_LEVEL) },
        { provide: METRICS_REGISTRY, useValue: createRegistry('charging') },
        { provide: REDIS, useFactory: () => createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER }) },
      ],
      exports: [CHARGING_CONFIG, CLOCK, LOGGER, METRICS_REGISTRY, REDIS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
