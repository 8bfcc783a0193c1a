/** Revenue assurance over HTTP: the JetStream reader, the ClickHouse reader and the reconcile use case. */
import { Module } from '@nestjs/common';
import type { ClickHouseClient } from '@app/analytics';
import type { NatsConnection } from 'nats';
import { InvoicingAuthGuard } from '../api/auth.guard';
import { CLICKHOUSE_CLIENT, INVOICING_CONFIG, NATS_CONNECTION } from '../api/tokens';
import type { InvoicingConfig } from '../config';
import { AssuranceController } from './assurance.controller';
import { JetStreamPublishedEvents } from './published-events';
import { ReconcileUseCase } from './reconcile.usecase';
import { ClickhouseStoredEvents } from './stored-events';

/** The use case from the process's connections and config; the CLI builds it the same way. */
export function createReconcileUseCase(config: InvoicingConfig, nc: NatsConnection, client: ClickHouseClient): ReconcileUseCase {
  const published = new JetStreamPublishedEvents(nc, {
    stream: config.ASSURANCE_STREAM,
    subjectPrefix: config.ASSURANCE_SUBJECT_PREFIX,
  });
  return new ReconcileUseCase(published, new ClickhouseStoredEvents(client, config.CLICKHOUSE_DATABASE), {
    stream: config.ASSURANCE_STREAM,
    eventsMax: config.ASSURANCE_EVENTS_MAX,
    accountsMax: config.ASSURANCE_ACCOUNTS_REPORTED_MAX,
    scanMessagesMax: config.ASSURANCE_SCAN_MESSAGES_MAX,
    publishDelayMaxMs: config.ASSURANCE_PUBLISH_DELAY_MAX_MS,
  });
}

@Module({
  controllers: [AssuranceController],
  providers: [
    InvoicingAuthGuard,
    {
      provide: ReconcileUseCase,
      inject: [INVOICING_CONFIG, NATS_CONNECTION, CLICKHOUSE_CLIENT],
      useFactory: createReconcileUseCase,
    },
  ],
})
export class AssuranceModule {}
