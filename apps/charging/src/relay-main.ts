/**
 * The outbox relay as a process of its own (Redis outboxes -> JetStream). Configuration:
 * REDIS_URL, NATS_URL, RATEL_REDIS_PREFIX, and optionally RATEL_STREAM_PREFIX (tests),
 * RATEL_RATED_MAX_BYTES, RATEL_NOTIFY_MAX_BYTES, RATEL_RELAY_LEASE_MS, RATEL_RELAY_METRICS_PORT,
 * RATEL_LOG_LEVEL (src/outbox/relay-config.ts). With RATEL_RELAY_METRICS_PORT (0 = off) it serves
 * /healthz, /readyz (Redis ping, NATS round trip) and /metrics (libs/runtime ops server).
 * SIGTERM/SIGINT flush: the batch in hand is published, acknowledged and deleted, the lease is
 * released, connections close, exit code 0. A second signal exits at once (code 130): safe, the
 * unacknowledged entries are still in the outbox.
 *
 *   node -r ts-node/register -r tsconfig-paths/register apps/charging/src/relay-main.ts
 */
import { redactConfig } from '@app/config';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { createRedis } from '@app/keyspace';
import { createNatsConnection, drainNats, natsReady, onStopSignals, runMain, startOpsServer } from '@app/runtime';
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
    redis,
    nc,
    registry,
    logger,
    clock: systemClock,
    redisPrefix: config.RATEL_REDIS_PREFIX,
    streams: streamNamesFor(config.RATEL_STREAM_PREFIX),
    streamLimits: { ratedMaxBytes: config.RATEL_RATED_MAX_BYTES, notifyMaxBytes: config.RATEL_NOTIFY_MAX_BYTES },
    limits: { leaseMs: config.RATEL_RELAY_LEASE_MS },
  });
  let stopping = false;
  const ops =
    config.RATEL_RELAY_METRICS_PORT === 0
      ? undefined
      : await startOpsServer({
          host: config.RATEL_RELAY_METRICS_HOST,
          port: config.RATEL_RELAY_METRICS_PORT,
          registry,
          live: () => !stopping,
          checks: { redis: () => redis.ping(), nats: () => natsReady(nc) },
        });
  onStopSignals(logger, 'relay', RELAY_STOP_TIMEOUT_MS * 2, async () => {
    stopping = true;
    await relay.stop();
    await ops?.close();
    await drainNats(nc);
    await redis.quit().catch(() => redis.disconnect());
    logger.info('relay stopped');
  });
  relay.start();
  logger.info({ config: redactConfig(config) }, 'relay process started');
}

runMain('relay', main);
