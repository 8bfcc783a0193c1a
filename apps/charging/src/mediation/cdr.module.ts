/**
 * CDR mediation (offline rating): CSV files from a watched directory or the API, parsed as
 * streams, rated with @app/rating in a piscina pool, published as `ratel.rated.v1` DEBITs for
 * postpaid accounts; rejects and file summaries in ClickHouse. See ../../README.md "CDR mediation".
 * It is the whole app of the mediation process (../mediation-main.ts): the CDR routes and the
 * operations endpoints (/healthz, /readyz, /metrics).
 *
 * Host contract:
 *
 *   CdrModule.forRoot({ config: loadCdrConfig(process.env), redis, nats, clickhouse, registry, logger, clock })
 *
 * - the clients are the host's (it opens and closes them); `clickhouse` must come from
 *   `createClickhouseClient` (@app/analytics) and the ClickHouse migrations (3 and 4 are this
 *   module's tables) must have run;
 * - the routes authenticate with CdrAuthGuard (RATEL_API_KEYS / RATEL_JWT_SECRET of the config);
 * - on fastify, a pass-through `text/csv` body parser is registered at module init.
 */
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { createLogger, systemClock } from '@app/observability';
import { CDR_METRICS, CdrMetrics, createCdrMetrics } from './cdr-metrics';
import { CDR_PROGRESS, CdrProgress } from './cdr-progress';
import { CdrLifecycle } from './cdr-lifecycle';
import { CDR_CLOCK, CDR_LOGGER, CDR_OPTIONS, CdrModuleOptions } from './cdr.tokens';
import { CdrAuthGuard } from './http/cdr-auth.guard';
import { CdrErrorFilter } from './http/cdr-error.filter';
import { CdrController } from './http/cdr.controller';
import { MediationOpsController } from './http/ops.controller';
import { CDR_RATING_POOL, CdrRatingPool } from './rating/cdr-rating-pool';
import { CDR_STORE } from './storage/cdr-store';
import { ClickhouseCdrStore } from './storage/clickhouse-cdr-store';
import { CDR_EVENT_PUBLISHER, JetStreamCdrPublisher } from './storage/event-publisher';
import { CDR_RECORD_CLAIMS, RedisRecordClaims } from './storage/record-claims';
import { CDR_SUBSCRIBER_DIRECTORY, RedisSubscriberDirectory } from './storage/subscriber-directory';
import { GetCdrFileUseCase } from './usecases/get-cdr-file.usecase';
import { IngestCdrFileUseCase } from './usecases/ingest-cdr-file.usecase';
import { ListCdrFilesUseCase } from './usecases/list-cdr-files.usecase';
import { ListCdrRejectsUseCase } from './usecases/list-cdr-rejects.usecase';
import { UploadCdrFileUseCase } from './usecases/upload-cdr-file.usecase';

function providers(o: CdrModuleOptions): Provider[] {
  const c = o.config;
  return [
    { provide: CDR_OPTIONS, useValue: o },
    { provide: CDR_LOGGER, useValue: o.logger ?? createLogger('mediation') },
    { provide: CDR_CLOCK, useValue: o.clock ?? systemClock },
    { provide: CDR_METRICS, useValue: createCdrMetrics(o.registry) },
    { provide: CDR_PROGRESS, inject: [CDR_METRICS], useFactory: (m: CdrMetrics) => new CdrProgress(m) },
    { provide: CDR_STORE, useValue: new ClickhouseCdrStore(o.clickhouse, c.CLICKHOUSE_DATABASE) },
    { provide: CDR_SUBSCRIBER_DIRECTORY, useValue: new RedisSubscriberDirectory(o.redis, c.RATEL_REDIS_PREFIX) },
    { provide: CDR_RECORD_CLAIMS, useValue: new RedisRecordClaims(o.redis, c.RATEL_REDIS_PREFIX, c.RATEL_CDR_DEDUP_WINDOW_MS) },
    { provide: CDR_EVENT_PUBLISHER, useValue: new JetStreamCdrPublisher(o.nats, c.CDR_SUBJECT_PREFIX) },
    // A factory, so the worker threads start only when the module is actually instantiated.
    { provide: CDR_RATING_POOL, useFactory: () => new CdrRatingPool(c.CDR_RATING_WORKERS) },
    IngestCdrFileUseCase,
    UploadCdrFileUseCase,
    GetCdrFileUseCase,
    ListCdrFilesUseCase,
    ListCdrRejectsUseCase,
    CdrErrorFilter,
    CdrAuthGuard,
    CdrLifecycle,
  ];
}

@Module({})
export class CdrModule {
  static forRoot(options: CdrModuleOptions): DynamicModule {
    return {
      module: CdrModule,
      controllers: [CdrController, MediationOpsController],
      providers: providers(options),
      exports: [IngestCdrFileUseCase],
    };
  }
}
