/**
 * apps/invoicing process. Today it runs the rated-event sink (NATS JetStream RATEL_RATED ->
 * ClickHouse); billing cycles and the invoice run come later. Configuration: ./config.ts and
 * ../README.md. SIGTERM/SIGINT finish the batch in hand, then exit 0.
 */
import { ConfigError } from '@app/config';
import { createLogger } from '@app/observability';
import { loadInvoicingConfig, printableConfig } from './config';
import { startSinkProcess } from './ingest/sink-process';

async function main(): Promise<void> {
  let config;
  try {
    config = loadInvoicingConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`ratel invoicing: ${err.message}\n`);
    process.exit(1);
  }
  const logger = createLogger('invoicing');
  logger.info({ config: printableConfig(config) }, 'starting');
  // Until the sink runs there is no batch in hand: a signal may end the process at once.
  const early = () => process.exit(0);
  process.once('SIGTERM', early).once('SIGINT', early);
  const sink = await startSinkProcess(config, logger);
  process.off('SIGTERM', early).off('SIGINT', early);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping: finishing the batch in hand');
    void sink.stop();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM')).once('SIGINT', () => shutdown('SIGINT'));
  await sink.done;
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`ratel invoicing: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
