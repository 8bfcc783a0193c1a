/**
 * apps/invoicing process. By default one process runs both roles (RATEL_INVOICING_ROLES=sink,api):
 *
 * - sink: the rated-event sink (NATS JetStream RATEL_RATED -> ClickHouse), see ingest/;
 * - api: the NestJS fastify HTTP app (usage and assurance APIs, /openapi.json, /metrics, /healthz)
 *   on INVOICING_HTTP_HOST:INVOICING_HTTP_PORT.
 *
 * It reads only JetStream, ClickHouse and PostgreSQL; CDR mediation runs in apps/charging
 * (src/mediation-main.ts).
 *
 * With both, the sink's metrics are on the process registry and served by the API's /metrics.
 * With the sink alone, the sink serves its own /metrics and /healthz on SINK_METRICS_HOST:PORT
 * (ingest/sink-process.ts). Configuration: ./config.ts and ../README.md.
 * Runs on libs/runtime: SIGTERM/SIGINT: the API stops taking requests, the sink finishes the batch in
 * hand, exit 0 (1 when the stop fails or outlasts SINK_SHUTDOWN_GRACE_MS + INVOICING_STOP_MARGIN_MS; a
 * second signal: 130). A bad configuration exits 2, any other start-up failure (e.g. the HTTP port
 * taken) 1, each with one JSON line on stderr.
 */
import { clickhouseReady, createClickhouseClient } from '@app/analytics';
import { createLogger, createRegistry, Logger, systemClock } from '@app/observability';
import { createNatsConnection, drainNats, natsReady, onStopSignals, type ReadinessCheck, runMain } from '@app/runtime';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { InvoicingAppModule } from './app.module';
import { createReconcileUseCase } from './assurance/assurance.module';
import { UsageAssuranceService } from './billing/assurance/usage-assurance';
import { BillingApiModule } from './billing/api/billing.module';
import { PgCycleDirectory } from './billing/plan/cycle-directory';
import { AccountCycleService } from './billing/cycles/account-cycle';
import { CycleAdminService } from './billing/cycles/cycle-admin';
import { PgCycleService } from './billing/cycles/cycle-service';
import { BillingDocumentService } from './billing/documents/document-service';
import { DocumentRenderer } from './billing/render/document-renderer';
import { FsDocumentStore } from './billing/render/document-store';
import { KubernetesLauncher, kubernetesOptionsFromEnv } from './billing/run/kubernetes-launcher';
import { launchLocalWorkers, ratelCliCommand } from './billing/run/local-workers';
import { InvoiceRunService } from './billing/run/run-service';
import { startBillingEventsRelay } from './billing/events/billing-events-relay';
import { PgRunStore } from './billing/run/run-store';
import { startInvoicingHttp } from './api/http-app';
import { InvoicingConfig, loadInvoicingProcessConfig, printableConfig } from './config';
import { startSinkProcess } from './ingest/sink-process';

/** Time a stop may take beyond the sink's shutdown grace (closing HTTP, NATS, ClickHouse) before exit 1. */
export const INVOICING_STOP_MARGIN_MS = 10_000;
/** PostgreSQL connections of the billing API. */
export const BILLING_POOL_MAX = 8;

/** A running role: `done` resolves when it has stopped by itself or after `stop()`. */
interface Role {
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The sink on the process registry, without a metrics server of its own (the API serves /metrics). */
async function startSinkRole(config: InvoicingConfig, logger: Logger, registry: Registry): Promise<Role> {
  return startSinkProcess(config, logger, systemClock, { registry });
}

/**
 * The HTTP app with connections of its own (queries, assurance reads): a slow report never
 * delays the sink.
 */
async function startApiRole(config: InvoicingConfig, logger: Logger, registry: Registry): Promise<Role> {
  let live = true;
  const clickhouse = createClickhouseClient({ url: config.CLICKHOUSE_URL });
  const nats: NatsConnection = await createNatsConnection(config.NATS_URL, 'ratel-invoicing-api', { waitOnFirstConnect: true });
  const billing = config.DATABASE_URL === undefined ? undefined : await startBilling(config, logger, nats, registry);
  const checks: Record<string, ReadinessCheck> = {
    clickhouse: () => clickhouseReady(clickhouse),
    nats: () => natsReady(nats),
    ...(billing ? { postgres: () => billing.pool.query('select 1') } : {}),
  };
  const deps = { config, logger, clock: systemClock, registry, clickhouse, nats, health: { live: () => live, checks } };
  const documentStore = new FsDocumentStore(config.INVOICE_DOCUMENTS_DIR);
  const features = billing
    ? [
        BillingApiModule.forRoot({
          runs: billing.runs,
          documents: new BillingDocumentService(billing.pool, systemClock, new DocumentRenderer(billing.pool, documentStore, systemClock)),
          store: documentStore,
          cycles: new CycleAdminService(billing.pool, new PgCycleService(billing.pool), systemClock),
          accountCycles: new AccountCycleService(
            billing.pool,
            new PgCycleService(billing.pool),
            clickhouse,
            config.CLICKHOUSE_DATABASE,
            systemClock,
          ),
          usageAssurance: new UsageAssuranceService(
            billing.pool,
            clickhouse,
            config.CLICKHOUSE_DATABASE,
            createReconcileUseCase(config, nats, clickhouse),
          ),
        }),
      ]
    : [];
  const http = await startInvoicingHttp(InvoicingAppModule.forRoot(deps, features), deps);
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  let stopping: Promise<void> | undefined;
  const close = async () => {
    live = false;
    await http.close();
    await billing?.stop();
    await drainNats(nats);
    await clickhouse.close();
    logger.info('invoicing http api stopped');
    release();
  };
  return { done, stop: () => (stopping ??= close()) };
}

/** The billing API's service: the PostgreSQL pool and the coordinators of the runs started through the API. */
async function startBilling(
  config: InvoicingConfig,
  logger: Logger,
  nats: NatsConnection,
  registry: Registry,
): Promise<{ runs: InvoiceRunService; pool: Pool; stop(): Promise<void> }> {
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: BILLING_POOL_MAX });
  const relay = await startBillingEventsRelay({
    pool,
    nats,
    registry,
    logger: logger.child({ component: 'billing-events' }),
    nowMs: () => systemClock.nowMs(),
  });
  const store = new PgRunStore(pool, systemClock);
  const command = ratelCliCommand();
  const k8s =
    config.INVOICE_RUN_LAUNCHER === 'kubernetes'
      ? new KubernetesLauncher(
          kubernetesOptionsFromEnv({
            env: process.env,
            templatePath: config.INVOICE_RUN_JOB_TEMPLATE!,
            launchId: randomBytes(3).toString('hex'),
          }),
        )
      : undefined;
  const runs = new InvoiceRunService({
    store,
    cycles: new PgCycleDirectory(pool),
    nowMs: () => systemClock.nowMs(),
    launchWorkers: (p) => (k8s ? k8s.launchWorkers(p) : launchLocalWorkers(p, { command })),
    logger: logger.child({ component: 'invoice-run' }),
    shardsDefault: config.INVOICE_RUN_SHARDS,
    workersDefault: config.INVOICE_RUN_WORKERS,
  });
  return {
    runs,
    pool,
    stop: async () => {
      await runs.stop();
      await relay.stop();
      await pool.end();
    },
  };
}

async function startRoles(config: InvoicingConfig, logger: Logger): Promise<Role[]> {
  const roles = config.RATEL_INVOICING_ROLES;
  if (!roles.includes('api')) {
    // The sink alone: exactly the process ingest/sink-process.ts builds, with its own metrics server.
    const sink = await startSinkProcess(config, logger);
    return [{ done: sink.done, stop: () => sink.stop() }];
  }
  const registry = createRegistry('invoicing');
  // The API first: the sink's start waits (with back-off) for the stream and ClickHouse, and the
  // API, with /healthz and /metrics, should answer meanwhile.
  const started: Role[] = [await startApiRole(config, logger, registry)];
  if (roles.includes('sink')) started.push(await startSinkRole(config, logger, registry));
  return started;
}

async function main(): Promise<void> {
  const config = loadInvoicingProcessConfig(process.env); // a ConfigError: runMain exits 2
  const logger = createLogger('invoicing');
  logger.info({ config: printableConfig(config) }, 'starting');
  // From here a signal stops what has started (until the roles run, nothing: exit 0 at once).
  const roles: Role[] = [];
  const stopAll = async () => {
    await Promise.all(roles.map((r) => r.stop()));
  };
  onStopSignals(logger, 'invoicing', config.SINK_SHUTDOWN_GRACE_MS + INVOICING_STOP_MARGIN_MS, stopAll);
  roles.push(...(await startRoles(config, logger)));
  // One role ending by itself (the sink after a fatal error) ends the process: stop the others too.
  await Promise.race(roles.map((r) => r.done));
  await stopAll();
  process.exit(0);
}

runMain('invoicing', main);
