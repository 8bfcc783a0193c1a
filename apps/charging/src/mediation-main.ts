/**
 * CDR mediation (offline rating) as a process of its own, like the relay: the CDR REST API
 * (/v1/cdr/files..., /openapi.json), the watched-directory ingest (CDR_WATCH_DIR), and the
 * operations endpoints /healthz, /readyz (Redis, NATS, ClickHouse) and /metrics, on
 * RATEL_MEDIATION_HTTP_HOST:RATEL_MEDIATION_HTTP_PORT (default 127.0.0.1:8082). Configuration:
 * REDIS_URL, NATS_URL, CLICKHOUSE_URL, RATEL_API_KEYS and/or RATEL_JWT_SECRET, and the optional
 * variables of src/mediation/cdr-config.ts (README "CDR mediation").
 * SIGTERM/SIGINT: /healthz turns 503, the watcher stops between files, the HTTP server closes
 * (a file being rated for an upload finishes first), connections close, exit 0. A bad
 * configuration exits 2.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/charging/src/mediation-main.ts
 */
import { createClickhouseClient, migrateClickhouse } from '@app/analytics';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { createRedis } from '@app/keyspace';
import { createNatsConnection, drainNats, onStopSignals, runMain } from '@app/runtime';
import { loadCdrConfig, printableCdrConfig } from './mediation/cdr-config';
import { CdrModule } from './mediation/cdr.module';
import { startMediationHttp } from './mediation/http/mediation-http';

/** Longest graceful stop: an upload in progress may need this long to finish its file. */
export const MEDIATION_STOP_TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  const config = loadCdrConfig(process.env);
  const logger = createLogger('mediation', config.RATEL_LOG_LEVEL);
  logger.info({ config: printableCdrConfig(config) }, 'mediation process starting');
  if (config.CDR_MIGRATE) {
    const r = await migrateClickhouse(config.CLICKHOUSE_URL, config.CLICKHOUSE_DATABASE);
    logger.info({ applied: r.applied }, 'clickhouse migrations done');
  }
  const clickhouse = createClickhouseClient({ url: config.CLICKHOUSE_URL });
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const nats = await createNatsConnection(config.NATS_URL, 'ratel-mediation');
  const registry = createRegistry('mediation');
  let live = true;
  const health = { live: () => live };
  const cdr = CdrModule.forRoot({ config, redis, nats, clickhouse, registry, logger, clock: systemClock, health });
  const http = await startMediationHttp(cdr, {
    host: config.RATEL_MEDIATION_HTTP_HOST,
    port: config.RATEL_MEDIATION_HTTP_PORT,
    logger,
    registry,
  });
  onStopSignals(logger, 'mediation', MEDIATION_STOP_TIMEOUT_MS, async () => {
    live = false;
    await http.close();
    await drainNats(nats);
    await redis.quit().catch(() => redis.disconnect());
    await clickhouse.close();
    logger.info('mediation stopped');
  });
  logger.info({ url: http.url }, 'mediation process started');
}

runMain('mediation', main);
