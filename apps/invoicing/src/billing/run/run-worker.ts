/**
 * A worker of an invoice run: claims the steps of one phase, one at a time, and runs each with the
 * phase's executor while a heartbeat renews its lease. The same worker runs in a local child process
 * (`ratel invoice-run`), in a Kubernetes Indexed Job pod (one shard: JOB_COMPLETION_INDEX), or inside
 * a test. Executors must be idempotent: a step is redone in full after a crash, and the keys of what
 * it writes (a draft per account and cycle, a line per what produced it) make the redo a no-op.
 */
import type { Logger } from '@app/observability';
import type { RunPhase } from './run-phases';
import type { PgRunStore, RunRecord, StepRecord } from './run-store';

export interface StepContext {
  run: RunRecord;
  step: StepRecord;
  /** Records how far the step got (shown per phase and shard by the API and the CLI); also renews the lease. */
  progress(itemsDone: number, itemsTotal?: number): Promise<void>;
  /** Aborted when the lease was lost (another worker took the step over) or the worker is stopping. */
  signal: AbortSignal;
}

/** The work of one phase; `execute` handles one step (one shard, or the whole run for an unsharded phase). */
export interface PhaseExecutor {
  readonly phase: RunPhase;
  execute(ctx: StepContext): Promise<void>;
}

export interface RunWorkerDeps {
  store: PgRunStore;
  executors: ReadonlyMap<RunPhase, PhaseExecutor>;
  /** Unique per worker process: host, pid and a random part. */
  owner: string;
  leaseMs: number;
  logger: Logger;
}

export class StepLostError extends Error {
  constructor(step: StepRecord) {
    super(`lost the lease of ${step.phase} shard ${step.shardIndex}: another worker owns it now`);
    this.name = 'StepLostError';
  }
}

export class RunWorker {
  constructor(private readonly deps: RunWorkerDeps) {}

  /** Runs steps of `phase` until none is left to claim; resolves to the number of steps this worker completed. */
  async runPhase(p: { run: RunRecord; phase: RunPhase; shardIndex?: number; signal?: AbortSignal }): Promise<number> {
    const executor = this.deps.executors.get(p.phase);
    if (!executor) throw new Error(`no executor for phase ${p.phase}`);
    let completed = 0;
    while (!p.signal?.aborted) {
      const step = await this.deps.store.claim({
        runId: p.run.id,
        phase: p.phase,
        owner: this.deps.owner,
        leaseMs: this.deps.leaseMs,
        shardIndex: p.shardIndex,
      });
      if (!step) break;
      if (await this.runStep(p.run, step, executor, p.signal)) completed++;
    }
    return completed;
  }

  private async runStep(run: RunRecord, step: StepRecord, executor: PhaseExecutor, outer?: AbortSignal): Promise<boolean> {
    const { store, owner, leaseMs, logger } = this.deps;
    const key = { runId: run.id, phase: step.phase, shardIndex: step.shardIndex, owner };
    const abort = new AbortController();
    const stopOuter = () => abort.abort(outer?.reason);
    outer?.addEventListener('abort', stopOuter, { once: true });
    const renew = async (itemsDone?: number, itemsTotal?: number) => {
      if (!(await store.heartbeat({ ...key, leaseMs, itemsDone, itemsTotal }))) abort.abort(new StepLostError(step));
    };
    // Renewed three times per lease, so one slow heartbeat does not lose it.
    const timer = setInterval(() => void renew().catch((err) => logger.warn({ err: String(err) }, 'lease renewal failed')), leaseMs / 3);
    timer.unref();
    logger.info({ runId: run.id, phase: step.phase, shard: step.shardIndex, attempt: step.attempts }, 'run step started');
    try {
      await executor.execute({ run, step, signal: abort.signal, progress: (done, total) => renew(done, total) });
      if (abort.signal.aborted) throw abort.signal.reason;
      const done = await store.complete(key);
      logger.info({ runId: run.id, phase: step.phase, shard: step.shardIndex, done }, 'run step finished');
      return done;
    } catch (err) {
      const status = await store.fail({ ...key, error: describe(err) });
      logger.warn({ runId: run.id, phase: step.phase, shard: step.shardIndex, status, err: describe(err) }, 'run step failed');
      if (outer?.aborted) throw err;
      return false;
    } finally {
      clearInterval(timer);
      outer?.removeEventListener('abort', stopOuter);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
