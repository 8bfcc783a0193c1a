/**
 * What CdrModule needs from its host (mediation-main.ts, or a spec), as one options object
 * (CdrModule.forRoot). The clients stay the host's: the module never closes them.
 */
import type { ClickHouseClient } from '@app/analytics';
import type { Clock, Logger } from '@app/observability';
import type { RedisClient } from '@app/keyspace';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { CdrConfig } from './cdr-config';

export const CDR_OPTIONS = Symbol('CDR_OPTIONS');
export const CDR_CLOCK = Symbol('CDR_CLOCK');
export const CDR_LOGGER = Symbol('CDR_LOGGER');

export interface CdrModuleOptions {
  config: CdrConfig;
  /** Redis of the charging engine's projection (read only). */
  redis: RedisClient;
  /** NATS with JetStream; the rated stream must exist (the charging relay creates it). */
  nats: NatsConnection;
  /** From `createClickhouseClient` (@app/analytics): bigint money must be written as bare integers. */
  clickhouse: ClickHouseClient;
  /** The host's prom-client registry (served on its /metrics). */
  registry: Registry;
  logger?: Logger;
  clock?: Clock;
  /** Liveness as GET /healthz reports it: false once the process is stopping. Default: always live. */
  health?: { live(): boolean };
}
