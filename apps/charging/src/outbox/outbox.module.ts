/**
 * The outbox relay inside the charging app: a NATS connection (NATS_CONNECTION, drained on
 * shutdown) and the relay, started on bootstrap when RATEL_RELAY_ENABLED and flushed before the
 * Redis and NATS connections close (beforeApplicationShutdown runs before every
 * onApplicationShutdown; main.ts enables shutdown hooks).
 */
import { BeforeApplicationShutdown, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { Clock, CLOCK, LOGGER, Logger, METRICS_REGISTRY } from '@app/observability';
import type { RedisClient } from '@app/keyspace';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { REDIS } from '../infra/redis';
import { createNatsConnection, drainNats, NATS_CONNECTION } from '@app/runtime';
import { OutboxRelay } from './outbox-relay';
import { CHARGING_CONFIG, ChargingConfig } from '../config';

@Injectable()
export class OutboxRelayRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    @Inject(CHARGING_CONFIG) private readonly config: ChargingConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RATEL_RELAY_ENABLED) this.relay.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.relay.stop();
  }
}

@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      useFactory: (config: ChargingConfig) => createNatsConnection(config.NATS_URL, 'ratel-charging'),
      inject: [CHARGING_CONFIG],
    },
    {
      provide: OutboxRelay,
      useFactory: (redis: RedisClient, nc: NatsConnection, registry: Registry, logger: Logger, clock: Clock, config: ChargingConfig) =>
        new OutboxRelay({ redis, nc, registry, logger, clock, redisPrefix: config.RATEL_REDIS_PREFIX }),
      inject: [REDIS, NATS_CONNECTION, METRICS_REGISTRY, LOGGER, CLOCK, CHARGING_CONFIG],
    },
    OutboxRelayRunner,
  ],
  exports: [NATS_CONNECTION, OutboxRelay],
})
export class OutboxModule implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  onApplicationShutdown(): Promise<void> {
    return drainNats(this.nc);
  }
}
