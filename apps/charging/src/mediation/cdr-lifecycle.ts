/**
 * Starts and stops what CDR mediation runs in the background: the text/csv body parser on the
 * host's fastify, the watched-directory poller (when CDR_WATCH_DIR is set) and, at shutdown,
 * the rating pool's threads.
 */
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Clock, Logger } from '@app/observability';
import { CDR_METRICS, CdrMetrics } from './cdr-metrics';
import { CDR_CLOCK, CDR_LOGGER, CDR_OPTIONS, CdrModuleOptions } from './cdr.tokens';
import { registerCsvBodyParser } from './http/csv-body-parser';
import { CdrDirectoryWatcher } from './ingest/cdr-directory-watcher';
import { CDR_RATING_POOL, CdrRatingPool } from './rating/cdr-rating-pool';
import { IngestCdrFileUseCase } from './usecases/ingest-cdr-file.usecase';

@Injectable()
export class CdrLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private watcher?: CdrDirectoryWatcher;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: IngestCdrFileUseCase,
    @Inject(CDR_RATING_POOL) private readonly pool: CdrRatingPool,
    @Inject(CDR_OPTIONS) private readonly options: CdrModuleOptions,
    @Inject(CDR_METRICS) private readonly metrics: CdrMetrics,
    @Inject(CDR_LOGGER) private readonly logger: Logger,
    @Inject(CDR_CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    registerCsvBodyParser(this.adapterHost.httpAdapter?.getInstance());
  }

  async onApplicationBootstrap(): Promise<void> {
    const { CDR_WATCH_DIR, CDR_POLL_INTERVAL_MS } = this.options.config;
    if (CDR_WATCH_DIR === '') return;
    this.watcher = new CdrDirectoryWatcher(CDR_WATCH_DIR, CDR_POLL_INTERVAL_MS, this.ingest, {
      logger: this.logger,
      clock: this.clock,
      metrics: this.metrics,
    });
    await this.watcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.watcher?.stop();
    await this.pool.close();
  }
}
