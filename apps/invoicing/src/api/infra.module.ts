/**
 * The process's shared resources as Nest providers, global so that every feature module (usage,
 * assurance) can inject them by token: config, logger, clock, metrics registry,
 * ClickHouse client, NATS connection and the health state. The process creates and closes them.
 */
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { ClickHouseClient } from '@app/analytics';
import type { Clock, Logger } from '@app/observability';
import type { ReadinessCheck } from '@app/runtime';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { InvoicingConfig } from '../config';
import { CLICKHOUSE_CLIENT, CLOCK, INVOICING_CONFIG, LOGGER, METRICS_REGISTRY, NATS_CONNECTION } from './tokens';

/** Liveness of the process as /healthz reports it. */
export const HEALTH = Symbol('HEALTH');
export interface Health {
  /** False once the process is stopping (the load balancer should stop sending requests). */
  live(): boolean;
  /** Readiness checks of the API's dependencies by name (clickhouse, nats, postgres), for /readyz. */
  checks?: Record<string, ReadinessCheck>;
}

export interface InvoicingHttpDeps {
  config: InvoicingConfig;
  logger: Logger;
  clock: Clock;
  registry: Registry;
  clickhouse: ClickHouseClient;
  nats: NatsConnection;
  health: Health;
}

@Global()
@Module({})
export class InvoicingInfraModule {
  static forRoot(deps: InvoicingHttpDeps): DynamicModule {
    const providers = [
      { provide: INVOICING_CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.logger },
      { provide: CLOCK, useValue: deps.clock },
      { provide: METRICS_REGISTRY, useValue: deps.registry },
      { provide: CLICKHOUSE_CLIENT, useValue: deps.clickhouse },
      { provide: NATS_CONNECTION, useValue: deps.nats },
      { provide: HEALTH, useValue: deps.health },
    ];
    return { module: InvoicingInfraModule, global: true, providers, exports: providers.map((p) => p.provide) };
  }
}
