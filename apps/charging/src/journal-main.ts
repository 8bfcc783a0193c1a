/**
 * The balance journal as a process of its own (RATEL_RATED -> PostgreSQL), as k8s/journal.yaml
 * deploys it next to charging replicas that run with RATEL_JOURNAL_ENABLED=false. Configuration:
 * DATABASE_URL, NATS_URL, and optionally RATEL_JOURNAL_METRICS_PORT / _HOST, RATEL_LOG_LEVEL,
 * RATEL_STREAM_PREFIX (tests) (src/journal/journal-config.ts). Several may run: the holder of the
 * PostgreSQL advisory lock reads, the others stand by. SIGTERM/SIGINT finish the batch in hand
 * (its transaction commits or rolls back as a whole) and exit 0. With RATEL_JOURNAL_METRICS_PORT
 * (0 = off) it serves /healthz, /readyz (PostgreSQL `select 1`, NATS round trip) and /metrics.
 *
 *   node -r ts-node/register -r tsconfig-paths/register apps/charging/src/journal-main.ts
 */
import { redactConfig } from '@app/config';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { createNatsConnection, drainNats, natsReady, onStopSignals, runMain, startOpsServer } from '@app/runtime';
import { Pool } from 'pg';
import { BalanceJournal } from './journal/balance-journal';
import { loadJournalConfig } from './journal/journal-config';
import { JOURNAL_STOP_TIMEOUT_MS } from './journal/journal-limits';
import { streamNamesFor } from './outbox/streams';

async function main(): Promise<void> {
  const config = loadJournalConfig();
  const logger = createLogger('journal', config.RATEL_LOG_LEVEL);
  const nc = await createNatsConnection(config.NATS_URL, 'ratel-journal');
  const registry = createRegistry('journal');
  const journal = new BalanceJournal({
    nc,
    databaseUrl: config.DATABASE_URL,
    stream: streamNamesFor(config.RATEL_STREAM_PREFIX).rated.name,
    registry,
    logger,
    clock: systemClock,
  });
  let stopping = false;
  // The readiness check's own connection: the journal's pool may be busy with a long batch.
  const probe = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  probe.on('error', (err) => logger.debug({ err }, 'journal readiness connection error'));
  const ops =
    config.RATEL_JOURNAL_METRICS_PORT === 0
      ? undefined
      : await startOpsServer({
          host: config.RATEL_JOURNAL_METRICS_HOST,
          port: config.RATEL_JOURNAL_METRICS_PORT,
          registry,
          live: () => !stopping,
          checks: { postgres: () => probe.query('select 1'), nats: () => natsReady(nc) },
        });
  onStopSignals(logger, 'journal', JOURNAL_STOP_TIMEOUT_MS, async () => {
    stopping = true;
    await journal.stop();
    await ops?.close();
    await probe.end();
    await drainNats(nc);
    logger.info('journal stopped');
  });
  journal.start();
  logger.info({ config: redactConfig(config) }, 'journal process started');
}

runMain('journal', main);
