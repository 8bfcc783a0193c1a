/**
 * apps/collections process: the REST API of payments (statement imports, payments, allocations, the
 * suspense queue) with /openapi.json, /metrics, /healthz and /readyz on COLLECTIONS_HTTP_HOST:PORT,
 * on PostgreSQL (DATABASE_URL); its ratel.collections.v1 events relayed to JetStream when NATS_URL is
 * set. Configuration: ./config.ts and ../README.md.
 * Runs on libs/runtime: SIGTERM/SIGINT stop taking requests, finish those in hand, exit 0; a bad
 * configuration exits 2, any other start-up failure 1, each with one JSON line on stderr.
 */
import { Pool } from 'pg';
import { createLogger, createRegistry, systemClock } from '@app/observability';
import { COLLECTIONS_STREAM, COLLECTIONS_SUBJECTS } from '@app/events';
import { startOutboxStream } from '@app/events/outbox-stream';
import { createNatsConnection, drainNats, natsReady, onStopSignals, PeriodicTask, type ReadinessCheck, runMain } from '@app/runtime';
import { startCollectionsHttp } from './api/collections-http';
import { dunningAfterPayment, dunningAfterPayments, dunningOf, refundsOf } from './api/collections.module';
import { abandonStaleImports, ImportStatement } from './payments/import-statement.usecase';
import { StatementFolder } from './payments/statement-folder';
import { countedAfterPaymentFailures } from './dunning/after-payment-failures';
import { PaymentApplier } from './matching/apply-payment';
import { COLLECTIONS_RELAY_ROWS_PER_ROUND } from './events/collections-outbox';
import { HandAllocation } from './matching/allocate-by-hand';
import { CreditApplier } from './matching/apply-credit';
import { CreditNoteNetting } from './matching/net-credit-notes';
import { CARD_RECONCILE_BATCH_MAX, CardFeature } from './card/card-feature';
import { loadCollectionsConfig, printableConfig } from './config';

/** Time the stop may take (requests in hand, the pool) before exit 1. */
export const COLLECTIONS_STOP_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  const config = loadCollectionsConfig(process.env);
  const logger = createLogger('collections');
  logger.info({ config: printableConfig(config) }, 'starting');
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.COLLECTIONS_POOL_MAX });
  let live = true;
  // The events' way out: collections_outbox relayed in order to RATEL_COLLECTIONS (@app/events outbox-stream).
  const nats =
    config.NATS_URL === undefined
      ? undefined
      : await createNatsConnection(config.NATS_URL, 'ratel-collections', { waitOnFirstConnect: true });
  const checks: Record<string, ReadinessCheck> = { postgres: () => pool.query('select 1') };
  if (nats !== undefined) checks.nats = () => natsReady(nats);
  const health = { live: () => live, checks };
  const registry = createRegistry('collections');
  // A card payment re-evaluates its account's dunning too (as statement and direct-debit payments do, api/collections.module.ts).
  // Imports of a process that died (RUNNING, heartbeat stale) are marked ABANDONED: re-import their files.
  const abandoned = await abandonStaleImports(pool, systemClock.nowMs()).catch((err: unknown) => {
    logger.warn({ err }, 'could not look for abandoned statement imports');
    return [];
  });
  if (abandoned.length > 0) logger.warn({ imports: abandoned }, 'statement imports abandoned by a dead process: import their files again');
  const afterPaymentFailures = countedAfterPaymentFailures(registry, logger.child({ component: 'dunning' }));
  const applier = new PaymentApplier(pool, dunningAfterPayments(dunningOf(pool, config), systemClock, afterPaymentFailures));
  const card = new CardFeature({ pool, clock: systemClock, logger: logger.child({ component: 'card' }), registry, config, applier });
  if (nats === undefined) logger.warn('NATS_URL is not set: ratel.collections.v1 events wait in collections_outbox until a relay runs');
  const relay =
    nats === undefined
      ? undefined
      : await startOutboxStream({
          name: 'collections',
          table: 'collections_outbox',
          stream: { name: COLLECTIONS_STREAM, subjects: COLLECTIONS_SUBJECTS },
          pool,
          nats,
          registry,
          logger: logger.child({ component: 'events' }),
          nowMs: () => systemClock.nowMs(),
          rowsPerRound: COLLECTIONS_RELAY_ROWS_PER_ROUND,
        });
  const refunds = refundsOf(pool, config, card, logger.child({ component: 'refunds' }));
  const http = await startCollectionsHttp({ config, logger, clock: systemClock, registry, pool, health, card, refunds });
  // PENDING card payments whose webhook never came (or whose gateway call timed out) are asked for again, card refunds
  // left SENDING (no answer, a crash) are sent again with their own idempotency key, and refused top-ups without a refund get one.
  const reconciler = new PeriodicTask(config.CARD_RECONCILE_INTERVAL_MS, async () => {
    try {
      await card.reconcile.execute({ minAgeMs: config.CARD_RECONCILE_MIN_AGE_MS, limit: CARD_RECONCILE_BATCH_MAX });
      const r = await refunds.resendPending(systemClock.nowMs(), config.CARD_RECONCILE_MIN_AGE_MS);
      if (r.sent > 0) logger.info(r, 'card refunds sent again');
      const swept = (await card.deps.topUpRefunds?.sweep(systemClock.nowMs())) ?? [];
      if (swept.length > 0)
        logger.warn({ refunds: swept.map((x) => ({ id: x.id, status: x.status })) }, 'refused card top-ups: refunds requested');
    } catch (err) {
      logger.error({ err }, 'card reconciler run failed');
    }
  });
  if (config.CARD_RECONCILE_INTERVAL_MS > 0 && card.deps.gateway !== undefined) reconciler.start();
  // Account credit spent on the account's next open document by itself (apply-credit.ts).
  const afterCredit = dunningAfterPayment(dunningOf(pool, config), systemClock, afterPaymentFailures);
  const credits = new CreditApplier(pool, new HandAllocation(pool, afterCredit), new CreditNoteNetting(pool, afterCredit));
  const creditTask = new PeriodicTask(config.CREDIT_APPLY_INTERVAL_MS, async () => {
    try {
      const r = await credits.run(systemClock.nowMs());
      if (r.allocations > 0 || r.deferred > 0 || r.creditNotes > 0)
        logger.info(
          { ...r, appliedMinor: r.appliedMinor.toString(), nettedMinor: r.nettedMinor.toString() },
          'account credit and credit notes applied to open documents',
        );
    } catch (err) {
      logger.error({ err }, 'applying account credit failed');
    }
  });
  if (config.CREDIT_APPLY_INTERVAL_MS > 0) creditTask.start();
  // Statement files dropped in STATEMENT_WATCH_DIR are imported once each (statement-folder.ts).
  const folder =
    config.STATEMENT_WATCH_DIR === undefined
      ? undefined
      : new StatementFolder(new ImportStatement(pool, systemClock, applier), {
          dir: config.STATEMENT_WATCH_DIR,
          requestedBy: 'collections:folder',
        });
  const folderTask = new PeriodicTask(config.STATEMENT_WATCH_INTERVAL_MS, async () => {
    try {
      for (const r of (await folder?.scanOnce()) ?? [])
        logger.info(
          { file: r.file, movedTo: r.movedTo, importId: r.summary.importId, status: r.summary.status },
          'statement file imported',
        );
    } catch (err) {
      logger.error({ err }, 'watched statement folder scan failed');
    }
  });
  if (folder !== undefined) folderTask.start();
  onStopSignals(logger, 'collections', COLLECTIONS_STOP_TIMEOUT_MS, async () => {
    live = false;
    await reconciler.stop();
    await creditTask.stop();
    await folderTask.stop();
    await relay?.stop();
    await http.close();
    if (nats !== undefined) await drainNats(nats);
    await pool.end();
    logger.info('collections stopped');
  });
}

runMain('collections', main);
