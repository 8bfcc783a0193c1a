/**
 * `ratel renewals run-due`: one renewal run now (the renewal worker's run, src/renewal), for an
 * operator who wants a renewal done without waiting for the worker's next run, or who runs no
 * worker. Safe beside running workers. Prints the run summary as JSON.
 */
import { createRedis } from '@app/keyspace';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { Pool } from 'pg';
import { RedisBalanceEngine } from '../balance/redis-balance-engine';
import { loadRenewalConfig } from '../renewal/renewal-config';
import { renewalMetrics } from '../renewal/renewal-metrics';
import { RunDueRenewalsUseCase } from '../renewal/run-due-renewals.usecase';

export async function runRenewalsRunDue(): Promise<void> {
  const config = loadRenewalConfig();
  const logger = createLogger('renewals', config.RATEL_LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, { cluster: config.RATEL_REDIS_CLUSTER });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    const engine = new RedisBalanceEngine(redis, { prefix: config.RATEL_REDIS_PREFIX, clock: systemClock });
    const useCase = new RunDueRenewalsUseCase({
      pool,
      engine,
      clock: systemClock,
      logger,
      metrics: renewalMetrics(createRegistry('renewals')),
    });
    process.stdout.write(`${JSON.stringify(await useCase.execute())}\n`);
  } finally {
    await pool.end();
    await redis.quit().catch(() => redis.disconnect());
  }
}
