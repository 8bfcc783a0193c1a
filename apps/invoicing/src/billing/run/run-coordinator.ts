/**
 * Drives an invoice run through its phases in order: a phase starts only when every step of the one
 * before is DONE. For each phase it launches workers (local child processes, or in-process workers in
 * tests) and then waits until the phase's steps are all DONE, so steps run by other processes (a
 * Kubernetes Job, a second CLI) count too. Phases already DONE are skipped: re-running a finished run
 * changes nothing, and re-running a run that stopped half way resumes it.
 */
import { sleep } from '@app/runtime';
import { RunError, RunErrorCode } from './run-error';
import { RUN_PHASES, RunPhase, SHARDED_PHASES } from './run-phases';
import type { PgRunStore, PhaseProgress, RunRecord } from './run-store';

/** How often the coordinator reads the steps' state while a phase runs. */
export const RUN_POLL_INTERVAL_MS = 250;
/**
 * Launches in a row after which the phase's steps are exactly as before (nothing claimed, nothing
 * finished): the workers cannot run at all (a bad image, a missing command, no database), so the run
 * stops with WORKERS_FAILED instead of launching them for ever.
 */
export const LAUNCHES_WITHOUT_PROGRESS_MAX = 3;

export interface RunCoordinatorDeps {
  store: PgRunStore;
  nowMs(): number;
  /** Starts `count` workers on `phase` and resolves when they have all exited. */
  launchWorkers(p: { run: RunRecord; phase: RunPhase; count: number; signal: AbortSignal }): Promise<void>;
  /** Called after every poll with the phases' progress. */
  onProgress?(run: RunRecord, progress: readonly PhaseProgress[]): void;
}

export class RunCoordinator {
  constructor(private readonly deps: RunCoordinatorDeps) {}

  async run(p: { run: RunRecord; workers: number; signal: AbortSignal }): Promise<RunRecord> {
    const { store } = this.deps;
    for (const phase of RUN_PHASES) {
      const progress = this.phaseOf(await store.progress(p.run.id), phase);
      if (progress.done === progress.steps) continue;
      await this.runPhase({ ...p, phase, steps: progress.steps });
    }
    await store.finishRun({ runId: p.run.id, status: 'COMPLETED' });
    return store.getRun(p.run.id);
  }

  /**
   * Launches workers on a phase and waits until its steps are all DONE. Workers that exit while steps
   * are left (a step held by the lease of a worker that died, claimable once the lease runs out) are
   * launched again after a poll interval.
   */
  private async runPhase(p: { run: RunRecord; phase: RunPhase; steps: number; workers: number; signal: AbortSignal }): Promise<void> {
    const { store } = this.deps;
    const count = SHARDED_PHASES.has(p.phase) ? Math.min(p.workers, p.steps) : 1;
    let idleLaunches = 0;
    for (;;) {
      const before = await this.signature(p.run, p.phase);
      let exited = false;
      const workers = this.deps.launchWorkers({ run: p.run, phase: p.phase, count, signal: p.signal }).finally(() => (exited = true));
      workers.catch(() => undefined);
      while (!exited) {
        await sleep(RUN_POLL_INTERVAL_MS, p.signal).catch(() => undefined);
        if (p.signal.aborted) throw p.signal.reason;
        const all = await store.progress(p.run.id);
        this.deps.onProgress?.(p.run, all);
        const progress = this.phaseOf(all, p.phase);
        if (progress.failed > 0) return this.failed(p.run, p.phase, progress);
        if (progress.done === progress.steps) return void (await workers);
      }
      await workers;
      const progress = this.phaseOf(await store.progress(p.run.id), p.phase);
      if (progress.failed > 0) return this.failed(p.run, p.phase, progress);
      if (progress.done === progress.steps) return;
      idleLaunches = (await this.signature(p.run, p.phase)) === before ? idleLaunches + 1 : 0;
      if (idleLaunches >= LAUNCHES_WITHOUT_PROGRESS_MAX) {
        await this.deps.store.finishRun({ runId: p.run.id, status: 'FAILED' });
        throw new RunError(
          RunErrorCode.WORKERS_FAILED,
          `${p.phase}: ${idleLaunches} launches of workers in a row ended without claiming or finishing a step; see the workers' logs`,
        );
      }
      await sleep(await this.untilClaimable(p.run, p.phase), p.signal).catch(() => undefined);
    }
  }

  /** What changes whenever a worker claims, renews, finishes or fails a step of the phase. */
  private async signature(run: RunRecord, phase: RunPhase): Promise<string> {
    const steps = await this.deps.store.steps(run.id, phase);
    return steps.map((s) => `${s.shardIndex}:${s.status}:${s.attempts}:${s.itemsDone}:${s.leaseExpiresAt?.getTime() ?? ''}`).join(',');
  }

  /** How long until a step of the phase can be claimed again: now if one waits, else when the first lease runs out. */
  private async untilClaimable(run: RunRecord, phase: RunPhase): Promise<number> {
    const steps = await this.deps.store.steps(run.id, phase);
    if (steps.some((s) => s.status === 'PENDING')) return 0;
    const leases = steps.filter((s) => s.status === 'RUNNING' && s.leaseExpiresAt).map((s) => s.leaseExpiresAt!.getTime());
    return leases.length === 0 ? RUN_POLL_INTERVAL_MS : Math.max(RUN_POLL_INTERVAL_MS, Math.min(...leases) - this.deps.nowMs());
  }

  private phaseOf(all: readonly PhaseProgress[], phase: RunPhase): PhaseProgress {
    const found = all.find((x) => x.phase === phase);
    if (!found) throw new Error(`no progress for phase ${phase}`);
    return found;
  }

  private async failed(run: RunRecord, phase: RunPhase, progress: PhaseProgress): Promise<never> {
    await this.deps.store.finishRun({ runId: run.id, status: 'FAILED' });
    const steps = (await this.deps.store.steps(run.id, phase)).filter((s) => s.status === 'FAILED');
    const detail = steps.map((s) => `shard ${s.shardIndex}: ${s.lastError ?? 'failed'}`).join('; ');
    throw new RunError(RunErrorCode.STEP_FAILED, `${phase}: ${progress.failed} step(s) failed after every attempt (${detail})`);
  }
}
