/**
 * `ratel invoice-run ...`: the composition root of the invoice run on the command line. The
 * coordinator (`start`, `rerun`) drives the phases in order and launches the workers of each phase:
 * child processes of this CLI (`work`), or Kubernetes Jobs whose pods run `work` on their shard.
 * Every worker claims its steps in PostgreSQL, so any mix of them can run and die: the state of the
 * run is the steps' rows, never a process's memory.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Pool } from 'pg';
import type { NatsConnection } from 'nats';
import { createClickhouseClient, type ClickHouseClient } from '@app/analytics';
import { createLogger, type Logger, systemClock } from '@app/observability';
import { createNatsConnection } from '@app/runtime';
import { startProgress, type Progress } from '@app/runtime/progress';
import { buildPhaseExecutors } from '../billing/phases/phase-executors';
import { PgCycleDirectory } from '../billing/plan/cycle-directory';
import { SinkAckFloorWatermark } from '../billing/plan/usage-watermark';
import { kubernetesOptionsFromEnv, KubernetesLauncher } from '../billing/run/kubernetes-launcher';
import { launchLocalWorkers } from '../billing/run/local-workers';
import { loadInvoiceRunConfig, type InvoiceRunConfig, validationLimitsOf } from '../billing/run/run-config';
import { PgCycleService } from '../billing/cycles/cycle-service';
import { Finalizer } from '../billing/documents/finalize';
import { PgDocumentStore } from '../billing/documents/pg-document-store';
import { FsDocumentStore } from '../billing/render/document-store';
import { RunCoordinator, type RunCoordinatorDeps } from '../billing/run/run-coordinator';
import { RunError, RunErrorCode } from '../billing/run/run-error';
import { RUN_PHASES, type RunPhase } from '../billing/run/run-phases';
import { PgRunStore, type PhaseProgress, type RunRecord } from '../billing/run/run-store';
import { RunWorker } from '../billing/run/run-worker';
import { runIdOf } from '../billing/run/run-service';
import type { InvoiceRunStart, InvoiceRunTarget, InvoiceRunWork, RunLauncher } from './commands';

interface RunContext {
  config: InvoiceRunConfig;
  pool: Pool;
  nats: NatsConnection;
  clickhouse: ClickHouseClient;
  store: PgRunStore;
  logger: Logger;
  close(): Promise<void>;
}

async function openContext(name: string): Promise<RunContext> {
  const config = loadInvoiceRunConfig(process.env);
  const logger = createLogger(name, config.RATEL_LOG_LEVEL);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 4 });
  const nats = await createNatsConnection(config.NATS_URL, name);
  const clickhouse = createClickhouseClient({ url: config.CLICKHOUSE_URL });
  return {
    config,
    pool,
    nats,
    clickhouse,
    store: new PgRunStore(pool, systemClock),
    logger,
    close: async () => {
      await nats.drain().catch(() => undefined);
      await clickhouse.close();
      await pool.end();
    },
  };
}

async function withContext<T>(name: string, work: (ctx: RunContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(name);
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}

/** Stops the coordinator on SIGTERM/SIGINT: workers get SIGTERM (or their Job is deleted) and the run resumes later. */
function stopSignal(): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('stopped by a signal; run `ratel invoice-run start` again to resume'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return {
    signal: abort.signal,
    dispose: () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    },
  };
}

/** A bar (or plain lines) per phase while it runs, from the steps' reported items. */
function phaseProgress(): Pick<RunCoordinatorDeps, 'onProgress'> & { stop(): void } {
  let current: { phase: RunPhase; bar: Progress } | undefined;
  return {
    onProgress: (run: RunRecord, all: readonly PhaseProgress[]) => {
      const active = all.find((p) => p.done < p.steps);
      if (!active) return;
      if (current?.phase !== active.phase) {
        current?.bar.stop();
        current = { phase: active.phase, bar: startProgress({ label: `invoice-run ${run.cycleId} ${active.phase}`, unit: 'accounts' }) };
      }
      if (active.itemsTotal > 0) current.bar.setTotal(active.itemsTotal);
      current.bar.update(active.itemsDone);
    },
    stop: () => current?.bar.stop(),
  };
}

function launcherFor(ctx: RunContext, launcher: RunLauncher, jobTemplate?: string): RunCoordinatorDeps['launchWorkers'] {
  if (launcher === 'local') return (p) => launchLocalWorkers(p);
  const k8s = new KubernetesLauncher(
    kubernetesOptionsFromEnv({ env: process.env, templatePath: jobTemplate!, launchId: randomBytes(3).toString('hex') }),
  );
  return (p) => k8s.launchWorkers(p);
}

async function drive(ctx: RunContext, run: RunRecord, workers: number, launcher: RunLauncher, jobTemplate?: string): Promise<RunRecord> {
  const progress = phaseProgress();
  const { signal, dispose } = stopSignal();
  try {
    const coordinator = new RunCoordinator({
      store: ctx.store,
      nowMs: () => systemClock.nowMs(),
      launchWorkers: launcherFor(ctx, launcher, jobTemplate),
      onProgress: progress.onProgress,
    });
    return await coordinator.run({ run, workers, signal });
  } finally {
    progress.stop();
    dispose();
  }
}

export async function runInvoiceRunStart(req: InvoiceRunStart): Promise<void> {
  await withContext('ratel-invoice-run', async (ctx) => {
    const cycles = new PgCycleDirectory(ctx.pool);
    if ('due' in req.target) {
      // The CronJob's start: cycles exist ahead of time, and those whose grace is over are CLOSED now.
      const service = new PgCycleService(ctx.pool);
      await service.ensureCycles(systemClock.nowMs());
      const moved = await service.advance(systemClock.nowMs());
      if (moved.closing + moved.closed > 0) ctx.logger.info(moved, 'billing cycles moved on');
    }
    const cycleIds = 'cycleId' in req.target ? [req.target.cycleId] : await cycles.dueCycleIds();
    if (cycleIds.length === 0) ctx.logger.info('no cycle is due');
    for (const cycleId of cycleIds) {
      await cycles.assertBillable(cycleId);
      const run = await ctx.store.openRun({ runId: runIdOf(cycleId), cycleId, shardCount: req.shards ?? ctx.config.INVOICE_RUN_SHARDS });
      const done = await drive(ctx, run, req.workers ?? ctx.config.INVOICE_RUN_WORKERS, req.launcher, req.jobTemplate);
      process.stdout.write(`${JSON.stringify({ runId: done.id, cycleId, status: done.status })}\n`);
    }
  });
}

export async function runInvoiceRunRerun(req: { runId: string; phase: RunPhase; workers?: number }): Promise<void> {
  await withContext('ratel-invoice-run', async (ctx) => {
    const run = await ctx.store.getRun(req.runId);
    const from = RUN_PHASES.indexOf(req.phase);
    for (const phase of RUN_PHASES.slice(from)) {
      const { busy } = await ctx.store.resetPhase({ runId: run.id, phase });
      if (busy > 0) ctx.logger.warn({ phase, busy }, 'steps under a live lease are left to their worker');
    }
    const done = await drive(ctx, run, req.workers ?? ctx.config.INVOICE_RUN_WORKERS, 'local');
    process.stdout.write(`${JSON.stringify({ runId: done.id, cycleId: done.cycleId, status: done.status })}\n`);
  });
}

export async function runInvoiceRunWork(req: InvoiceRunWork): Promise<void> {
  await withContext(`ratel-invoice-run-${req.phase.toLowerCase()}`, async (ctx) => {
    const run = await ctx.store.getRun(req.runId);
    const executors = buildPhaseExecutors(
      {
        pool: ctx.pool,
        runs: ctx.store,
        cycles: new PgCycleService(ctx.pool),
        documents: new PgDocumentStore(ctx.pool),
        finalizer: new Finalizer(ctx.pool),
        clickhouse: ctx.clickhouse,
        clickhouseDatabase: ctx.config.CLICKHOUSE_DATABASE,
        watermark: new SinkAckFloorWatermark(await ctx.nats.jetstreamManager(), ctx.config.SINK_STREAM, ctx.config.SINK_CONSUMER),
        validation: validationLimitsOf(ctx.config),
        clock: systemClock,
        logger: ctx.logger,
      },
      new FsDocumentStore(ctx.config.INVOICE_DOCUMENTS_DIR),
    );
    const owner = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
    const worker = new RunWorker({ store: ctx.store, executors, owner, leaseMs: ctx.config.INVOICE_RUN_LEASE_MS, logger: ctx.logger });
    const { signal, dispose } = stopSignal();
    try {
      await worker.runPhase({ run, phase: req.phase, shardIndex: req.shardIndex, signal });
    } finally {
      dispose();
    }
  });
}

export async function runInvoiceRunStatus(target: InvoiceRunTarget): Promise<void> {
  await withContext('ratel-invoice-run', async (ctx) => {
    const run = 'runId' in target ? await ctx.store.getRun(target.runId) : await ctx.store.findRunOfCycle(target.cycleId);
    if (!run) throw new RunError(RunErrorCode.RUN_NOT_FOUND, `no run of cycle ${(target as { cycleId: string }).cycleId}`, 'cycle');
    const [phases, steps] = await Promise.all([ctx.store.progress(run.id), ctx.store.steps(run.id)]);
    const json = {
      ...run,
      usageWatermarkSeq: run.usageWatermarkSeq?.toString() ?? null,
      previousWatermarkSeq: run.previousWatermarkSeq?.toString() ?? null,
      phases: phases.map((p) => ({ ...p, shards: steps.filter((s) => s.phase === p.phase) })),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  });
}
