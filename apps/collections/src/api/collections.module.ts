/**
 * The collections HTTP app: the process's resources as global providers (config, logger, clock,
 * registry, the pg pool) and the payments feature. The ops paths are plain routes (collections-http.ts).
 */
import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Clock, Logger } from '@app/observability';
import type { ReadinessCheck } from '@app/runtime';
import type { CollectionsConfig } from '../config';
import { CardController, CardWebhookController } from '../card/card.controller';
import { CardFeature } from '../card/card-feature';
import { ImportMetrics } from '../payments/import-metrics';
import { ImportStatement } from '../payments/import-statement.usecase';
import { PaymentQueries } from '../payments/payment-queries';
import { PaymentsController } from '../payments/payments.controller';
import { CollectionsAuthGuard } from './auth.guard';
import { CLOCK, COLLECTIONS_CONFIG, LOGGER, METRICS_REGISTRY, PG_POOL } from './tokens';

/** Liveness and readiness of the process, served on /healthz and /readyz (@app/runtime/http installOpsRoutes). */
export interface Health {
  live(): boolean;
  checks: Record<string, ReadinessCheck>;
}

export interface CollectionsHttpDeps {
  config: CollectionsConfig;
  logger: Logger;
  clock: Clock;
  registry: Registry;
  pool: Pool;
  health: Health;
  /** The card feature (built by the process: its reconciler shares it). */
  card: CardFeature;
}

@Global()
@Module({})
export class CollectionsAppModule {
  static forRoot(deps: CollectionsHttpDeps): DynamicModule {
    const shared = [
      { provide: COLLECTIONS_CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.logger },
      { provide: CLOCK, useValue: deps.clock },
      { provide: METRICS_REGISTRY, useValue: deps.registry },
      { provide: PG_POOL, useValue: deps.pool },
    ];
    const features = [
      { provide: ImportStatement, useValue: new ImportStatement(deps.pool, deps.clock) },
      { provide: PaymentQueries, useValue: new PaymentQueries(deps.pool) },
      { provide: ImportMetrics, useValue: new ImportMetrics(deps.registry) },
      { provide: CardFeature, useValue: deps.card },
      CollectionsAuthGuard,
    ];
    return {
      module: CollectionsAppModule,
      global: true,
      providers: [...shared, ...features],
      exports: shared.map((p) => p.provide),
      controllers: [PaymentsController, CardController, CardWebhookController],
    };
  }
}
