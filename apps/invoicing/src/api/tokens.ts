/**
 * Injection tokens of the invoicing HTTP app. The process creates the connections (ClickHouse,
 * NATS), the registry, logger and clock once and hands them to `InvoicingInfraModule`, which makes
 * them available to every feature module (usage, assurance).
 */
export { CLOCK, LOGGER, METRICS_REGISTRY } from '@app/observability';

/** The validated `InvoicingConfig` (./config.ts). */
export const INVOICING_CONFIG = Symbol('INVOICING_CONFIG');
/** A `ClickHouseClient` for queries (@clickhouse/client). */
export const CLICKHOUSE_CLIENT = Symbol('CLICKHOUSE_CLIENT');
/** A connected `NatsConnection`. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
