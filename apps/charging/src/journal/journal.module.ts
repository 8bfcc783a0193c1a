/**
 * The balance journal inside the charging app: its own NATS connection (a slow PostgreSQL must not
 * hold up the relay's publishes on a shared one), started on bootstrap when RATEL_JOURNAL_ENABLED
 * and stopped (after the batch in progress) before the app closes. Exported for the rebuild, which
 * catches the journal up and reads it even where this process does not run the reader.
 */
import { BeforeApplicationShutdown, Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';

import { RATED_STREAM } from '@app/events';
import { CLOCK, type Clock, LOGGER, type Logger, METRICS_REGISTRY } from '@app/observability';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { createNatsConnection, drainNats } from '@app/runtime';
import { BalanceJournal } from './balance-journal';
import { CHARGING_CONFIG, type ChargingConfig } from '../config';

export const JOURNAL_NATS = Symbol('JOURNAL_NATS');

@Injectable()
export class BalanceJournalRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly journal: BalanceJournal,
    @Inject(JOURNAL_NATS) private readonly nc: NatsConnection,
    @Inject(CHARGING_CONFIG) private readonly config: ChargingConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RATEL_JOURNAL_ENABLED) this.journal.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.journal.stop();
    await drainNats(this.nc);
  }
}

@Module({
  providers: [
    {
      provide: JOURNAL_NATS,
      useFactory: (config: ChargingConfig) => createNatsConnection(config.NATS_URL, 'ratel-charging-journal'),
      inject: [CHARGING_CONFIG],
    },
    {
      provide: BalanceJournal,
      useFactory: (nc: NatsConnection, config: ChargingConfig, registry: Registry, logger: Logger, clock: Clock) =>
        new BalanceJournal({ nc, databaseUrl: config.DATABASE_URL, stream: RATED_STREAM, registry, logger, clock }),
      inject: [JOURNAL_NATS, CHARGING_CONFIG, METRICS_REGISTRY, LOGGER, CLOCK],
    },
    BalanceJournalRunner,
  ],
  exports: [BalanceJournal],
})
export class JournalModule {}
