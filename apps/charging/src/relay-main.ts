/**
 * The outbox relay as a process of its own (Redis outboxes -> JetStream). Configuration:
 * REDIS_URL, NATS_URL, RATEL_REDIS_PREFIX, and optionally RATEL_STREAM_PREFIX (tests),
 * RATEL_RATED_MAX_BYTES, RATEL_NOTIFY_MAX_BYTES, RATEL_RELAY_LEASE_MS, RATEL_RELAY_METRICS_PORT,
 * RATEL_LOG_LEVEL (src/outbox/relay-config.ts).
 * SIGTERM/SIGINT flush: the batch in hand is published, acknowledged and deleted, the lease is
 * released, connections close, exit code 0. A second signal exits at once (code 130): safe, the
 * unacknowledged entries are still in the outbox.
 *
 *   node -r ts-node/register -r tsconfig-paths/register apps/charging/src/relay-main.ts
 */
import { redactConfig } from '@app/config';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { createRedis } from '@app/keyspace';
import { onStopSignals, runMain, serveMetrics } from './infra/worker-process';
import { createNatsConnection, drainNats } from './outbox/nats-connection';
import { OutboxRelay } from './outbox/outbox-relay';
import { loadRelayConfig } from './outbox/relay-config';
import { RELAY_STOP_TIMEOUT_MS } from './outbox/relay-limits';
import { streamNamesFor } from './outbox/streams';

async function main(): Promise<void> {
  const config = loadRelayConfig();
  const logger = createLogger('relay', config.RATEL_LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const nc = await createNatsConnection(config.NATS_URL, 'ratel-relay');
  const registry = createRegistry('relay');
  const relay = new OutboxRelay({
    redis, nc, registry, logger, clock: systemClock,
    redisPrefix: config.RATEL_REDIS_PREFIX,
    streams: streamNamesFor(config.RATEL_STREAM_PREFIX),
    streamLimits: { ratedMaxBytes: config.RATEL_RATED_MAX_BYTES, notifyMaxBytes: config.RATEL_NOTIFY_MAX_BYTES },
    limits: { leaseMs: config.RATEL_RELAY_LEASE_MS },
  });
  const metricsServer = serveMetrics(registry, config.RATEL_RELAY_METRICS_HOST, config.RATEL_RELAY_METRICS_PORT);
  onStopSignals(logger, 'relay', RELAY_STOP_TIMEOUT_MS * 2, async () => {
    await relay.stop();
    metricsServer?.close();
    await drainNats(nc);
    await redis.quit().catch(() => redis.disconnect());
    logger.info('relay stopped');
  });
  relay.start();
  logger.info({ config: redactConfig(config) }, 'relay process started');
}

runMain('relay', main);
