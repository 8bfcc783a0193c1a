/**
 * The prepaid renewal worker as a process of its own (k8s/base/renewal.yaml). Configuration:
 * REDIS_URL, RATEL_REDIS_CLUSTER, DATABASE_URL, RATEL_REDIS_PREFIX, and optionally
 * RATEL_RENEWAL_INTERVAL_MS, RATEL_RENEWAL_METRICS_PORT / _HOST, RATEL_LOG_LEVEL
 * (src/renewal/renewal-config.ts). Several may run. With RATEL_RENEWAL_METRICS_PORT (0 = off) it
 * serves /healthz, /readyz (PostgreSQL `select 1`, Redis ping) and /metrics. SIGTERM/SIGINT let
 * the run in hand finish (its batch commits or rolls back as a whole) and exit 0.
 *
 *   node -r ts-node/register -r tsconfig-paths/register apps/charging/src/renewal-main.ts
 */
import { redactConfig } from '@app/config';
import { createRedis } from '@app/keyspace';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { onStopSignals, runMain, startOpsServer } from '@app/runtime';
import { Pool } from 'pg';
import { RedisBalanceEngine } from './balance/redis-balance-engine';
import { loadRenewalConfig } from './renewal/renewal-config';
import { renewalMetrics } from './renewal/renewal-metrics';
import { RenewalWorker } from './renewal/renewal-worker';
import { RENEWAL_STOP_TIMEOUT_MS } from './renewal/renewal.limits';
import { RunDueRenewalsUseCase } from './renewal/run-due-renewals.usecase';

/** Connections of the worker's pool: one run uses one at a time, plus the planner's reads. */
const RENEWAL_POOL_SIZE = 4;

async function main(): Promise<void> {
  const config = loadRenewalConfig();
  const logger = createLogger('renewal', config.RATEL_LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: RENEWAL_POOL_SIZE });
  pool.on('error', (err) => logger.warn({ err }, 'renewal pool connection error'));
  const registry = createRegistry('renewal');
  const engine = new RedisBalanceEngine(redis, { prefix: config.RATEL_REDIS_PREFIX, registry, clock: systemClock });
  const metrics = renewalMetrics(registry);
  const useCase = new RunDueRenewalsUseCase({ pool, engine, clock: systemClock, logger, metrics });
  const worker = new RenewalWorker(useCase, metrics, logger, config.RATEL_RENEWAL_INTERVAL_MS);
  let stopping = false;
  const ops =
    config.RATEL_RENEWAL_METRICS_PORT === 0
      ? undefined
      : await startOpsServer({
          host: config.RATEL_RENEWAL_METRICS_HOST,
          port: config.RATEL_RENEWAL_METRICS_PORT,
          registry,
          live: () => !stopping,
          checks: { postgres: () => pool.query('select 1'), redis: () => redis.ping() },
        });
  onStopSignals(logger, 'renewal', RENEWAL_STOP_TIMEOUT_MS, async () => {
    stopping = true;
    await worker.stop();
    await ops?.close();
    await pool.end();
    await redis.quit().catch(() => redis.disconnect());
    logger.info('renewal worker stopped');
  });
  worker.start();
  logger.info({ config: redactConfig(config) }, 'renewal worker started');
}

runMain('renewal', main);
