/**
 * The balance engine (BALANCE_ENGINE, a RedisBalanceEngine on the app's Redis connection and key
 * prefix) and its reservation-expiry sweeper (started when RATEL_EXPIRY_SWEEP_ENABLED).
 * Needs the InfraModule's global providers: REDIS, CHARGING_CONFIG, CLOCK, LOGGER, METRICS_REGISTRY.
 */
import { Module } from '@nestjs/common';

import { CLOCK, METRICS_REGISTRY, type Clock } from '@app/observability';
import type { RedisClient } from '@app/keyspace';
import type { Registry } from 'prom-client';
import { REDIS } from '../infra/redis';
import { BALANCE_ENGINE } from './balance-engine.port';
import {
  EXPIRY_SWEEP_BATCH_MAX,
  EXPIRY_SWEEP_INTERVAL_MS,
  EXPIRY_SWEEPER_OPTIONS,
  ExpirySweeper,
  ExpirySweeperOptions,
} from './expiry-sweeper';
import { RedisBalanceEngine } from './redis-balance-engine';
import { CHARGING_CONFIG, type ChargingConfig } from '../config';

@Module({
  providers: [
    {
      provide: BALANCE_ENGINE,
      inject: [REDIS, CHARGING_CONFIG, METRICS_REGISTRY, CLOCK],
      useFactory: (redis: RedisClient, config: ChargingConfig, registry: Registry, clock: Clock) =>
        new RedisBalanceEngine(redis, {
          prefix: config.RATEL_REDIS_PREFIX,
          registry,
          clock,
          coalesce: config.RATEL_CHARGE_COALESCE_ENABLED,
        }),
    },
    {
      provide: EXPIRY_SWEEPER_OPTIONS,
      inject: [CHARGING_CONFIG],
      useFactory: (config: ChargingConfig): ExpirySweeperOptions => ({
        enabled: config.RATEL_EXPIRY_SWEEP_ENABLED,
        intervalMs: EXPIRY_SWEEP_INTERVAL_MS,
        batchMax: EXPIRY_SWEEP_BATCH_MAX,
      }),
    },
    ExpirySweeper,
  ],
  exports: [BALANCE_ENGINE, ExpirySweeper],
})
export class BalanceModule {}
