/**
 * Starting, following and re-running invoice runs on behalf of the API (the CLI drives runs in the
 * foreground with the same pieces). A run started here is driven by a coordinator in this process,
 * in the background; its workers are child processes (`ratel invoice-run work`) or Kubernetes Jobs.
 * Nothing about the run lives only in this process: if it stops, the run's steps stay in
 * PostgreSQL and the next start (REST, CLI or the CronJob) resumes it.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@app/observability';
import { RunCoordinator, type RunCoordinatorDeps } from './run-coordinator';
import { RunError, RunErrorCode } from './run-error';
import { RUN_PHASES, RUN_SHARDS_MAX, type RunPhase } from './run-phases';
import type { PgRunStore, PhaseProgress, RunRecord, StepRecord } from './run-store';

/** Whether a cycle may be billed now (CLOSED, or BILLING when its run is resumed). */
export interface CycleGate {
  assertBillable(cycleId: string): Promise<void>;
}

export interface RunView {
  run: RunRecord;
  phases: (PhaseProgress & { shards: StepRecord[] })[];
  /** Whether a coordinator of this process is driving the run now. */
  driving: boolean;
}

export interface InvoiceRunServiceDeps {
  store: PgRunStore;
  cycles: CycleGate;
  nowMs(): number;
  launchWorkers: RunCoordinatorDeps['launchWorkers'];
  logger: Logger;
  shardsDefault: number;
  workersDefault: number;
}

/** The run id of a cycle: one run per cycle, so starting a cycle again finds the same run. */
export function runIdOf(cycleId: string): string {
  const plain = `run-${cycleId}`;
  return plain.length <= 64 ? plain : `run-${createHash('sha256').update(cycleId).digest('hex').slice(0, 40)}`;
}

export class InvoiceRunService {
  private readonly driving = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: InvoiceRunServiceDeps) {}

  /** Opens (or finds) the run of a cycle and drives it in the background. */
  async start(p: { cycleId: string; shards?: number; workers?: number }): Promise<RunView> {
    const shards = p.shards ?? this.deps.shardsDefault;
    if (!Number.isInteger(shards) || shards < 1 || shards > RUN_SHARDS_MAX)
      throw new RunError(RunErrorCode.INVALID_ARGUMENT, `shards: an integer from 1 to ${RUN_SHARDS_MAX}`, 'shards');
    await this.deps.cycles.assertBillable(p.cycleId);
    const run = await this.deps.store.openRun({ runId: runIdOf(p.cycleId), cycleId: p.cycleId, shardCount: shards });
    this.drive(run, p.workers ?? this.deps.workersDefault);
    return this.view(run.id);
  }

  /** Makes a phase and every phase after it run again, then drives the run. */
  async rerun(p: { runId: string; phase: RunPhase; workers?: number }): Promise<RunView> {
    const run = await this.deps.store.getRun(p.runId);
    if (this.driving.has(run.id))
      throw new RunError(RunErrorCode.RUN_BUSY, `run ${run.id} is being driven; re-run a phase once it has stopped`, 'runId');
    for (const phase of RUN_PHASES.slice(RUN_PHASES.indexOf(p.phase))) await this.deps.store.resetPhase({ runId: run.id, phase });
    this.drive(await this.deps.store.getRun(run.id), p.workers ?? this.deps.workersDefault);
    return this.view(run.id);
  }

  async view(runId: string): Promise<RunView> {
    const run = await this.deps.store.getRun(runId);
    const [phases, steps] = await Promise.all([this.deps.store.progress(run.id), this.deps.store.steps(run.id)]);
    return {
      run,
      phases: phases.map((ph) => ({ ...ph, shards: steps.filter((s) => s.phase === ph.phase) })),
      driving: this.driving.has(run.id),
    };
  }

  /** The cycle report of a run; REPORT_NOT_READY until the run's REPORT phase has written it. */
  async report(runId: string): Promise<unknown> {
    const { report } = await this.deps.store.report(runId);
    if (report === null)
      throw new RunError(RunErrorCode.PHASE_NOT_READY, `run ${runId} has no report yet: its REPORT phase has not run`, 'runId');
    return report;
  }

  /** Stops the coordinators of this process (their workers get SIGTERM); the runs resume at their next start. */
  async stop(): Promise<void> {
    for (const d of this.driving.values()) d.abort.abort(new Error('the process is stopping'));
    await Promise.all([...this.driving.values()].map((d) => d.done));
  }

  private drive(run: RunRecord, workers: number): void {
    if (this.driving.has(run.id)) return;
    const abort = new AbortController();
    const coordinator = new RunCoordinator({ store: this.deps.store, nowMs: this.deps.nowMs, launchWorkers: this.deps.launchWorkers });
    const done = coordinator
      .run({ run, workers, signal: abort.signal })
      .then((r) => this.deps.logger.info({ runId: r.id, status: r.status }, 'invoice run finished'))
      .catch((err: unknown) => this.deps.logger.warn({ runId: run.id, err: String(err) }, 'invoice run stopped'))
      .finally(() => this.driving.delete(run.id));
    this.driving.set(run.id, { abort, done });
  }
}
