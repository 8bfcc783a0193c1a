/**
 * Runs RunDueRenewalsUseCase every RATEL_RENEWAL_INTERVAL_MS (the next run timed from the end of
 * the previous one). A failed run is logged and counted, and the next run tries again: every step
 * is keyed, so nothing is lost or done twice. Several workers may run (rows are claimed with SKIP LOCKED).
 */
import type { Logger } from '@app/observability';
import { PeriodicTask } from '@app/runtime';
import type { RenewalMetrics } from './renewal-metrics';
import type { RunDueRenewalsUseCase } from './run-due-renewals.usecase';

export class RenewalWorker {
  private readonly task: PeriodicTask;

  constructor(
    private readonly useCase: RunDueRenewalsUseCase,
    private readonly metrics: RenewalMetrics,
    private readonly logger: Logger,
    intervalMs: number,
  ) {
    this.task = new PeriodicTask(intervalMs, () => this.runOnce());
  }

  start(): void {
    this.task.start();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    await this.task.stop();
  }

  private async runOnce(): Promise<void> {
    try {
      const summary = await this.useCase.execute();
      if (summary.planned + summary.paid + summary.unpaid + summary.expired + summary.errors > 0)
        this.logger.info({ summary }, 'renewal run');
    } catch (err) {
      this.metrics.runFailures.inc();
      this.logger.error({ err }, 'renewal run failed; the next run tries again');
    }
  }
}
