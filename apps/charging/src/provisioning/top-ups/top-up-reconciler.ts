/**
 * Finishes top-ups that PostgreSQL has but the engine has not confirmed (`projected_at` null):
 * the request's projection failed (Redis down: the client got 503 PROJECTION_PENDING), or the
 * process died between the engine's credit and the `projected_at` update.
 *
 * Every TOPUP_RECONCILE_INTERVAL_MS it takes at most TOPUP_RECONCILE_BATCH_MAX such top-ups older
 * than TOPUP_RECONCILE_AGE_MIN_MS (younger ones may still be in their request) and projects each
 * as the request does (Projector.topUpOrAccount): the credit by its engine request id
 * (`topup:<key>`), or the whole account when the engine lost it. The engine applies a request id once while its idempotency record
 * lives (IDEMPOTENCY_TTL_MS, 24 h), so a credit whose confirmation was lost is confirmed here as a
 * replay, not credited again, as long as this runs within that time (it runs every minute).
 * Several instances may run at once: credit and update are both idempotent.
 */
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

import { TopUp } from '@app/db/provisioning';
import { CLOCK, LOGGER, METRICS_REGISTRY, type Clock, type Logger } from '@app/observability';
import { Counter, type Registry } from 'prom-client';
import { PeriodicTask } from '@app/runtime';
import { isPermanentRefusal, ProjectionFailures } from '../shared/projection-failures';
import { Projector } from '../shared/projector';
import { CHARGING_CONFIG, type ChargingConfig } from '../../config';

export const TOPUP_RECONCILE_INTERVAL_MS = 60_000;
/** A top-up younger than this may still be in its request's projection: left to it. */
export const TOPUP_RECONCILE_AGE_MIN_MS = 30_000;
/** Most top-ups finished in one tick. */
export const TOPUP_RECONCILE_BATCH_MAX = 500;

export interface ReconcileReport {
  finished: number;
  failed: number;
}

@Injectable()
export class TopUpReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly finishedTotal: Counter;
  private readonly failedTotal: Counter;
  private readonly task = new PeriodicTask(TOPUP_RECONCILE_INTERVAL_MS, async () => {
    await this.reconcileOnce().catch((err: unknown) => this.logger.error({ err }, 'top-up reconciliation failed; retrying next tick'));
  });

  constructor(
    private readonly em: EntityManager,
    private readonly projector: Projector,
    private readonly failures: ProjectionFailures,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CHARGING_CONFIG) private readonly config: ChargingConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const counter = (name: string, help: string) =>
      (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, registers: [registry] });
    this.finishedTotal = counter('ratel_topups_reconciled_total', 'Top-ups the engine had not confirmed, finished by the reconciler');
    this.failedTotal = counter(
      'ratel_topup_reconcile_failures_total',
      'Top-ups the reconciler could not finish (retried next tick unless refused for good)',
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.RATEL_TOPUP_RECONCILE_ENABLED) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  start(): void {
    this.task.start();
  }

  /** One tick: finishes the unconfirmed top-ups older than `minAgeMs`, oldest first. */
  async reconcileOnce(minAgeMs = TOPUP_RECONCILE_AGE_MIN_MS): Promise<ReconcileReport> {
    const em = this.em.fork();
    const before = new Date(this.clock.nowMs() - minAgeMs);
    // Top-ups the engine refused for good (projection_failure) wait for an operator, not for the next tick.
    const ids = await em.getConnection().execute<Array<{ id: string }>>(
      `select t."id" from "top_up" t where t."projected_at" is null and t."created_at" < ?
          and not exists (select 1 from "projection_failure" f where f."kind" = 'TOP_UP' and f."resource_id" = t."id")
        order by t."created_at" asc limit ?`,
      [before, TOPUP_RECONCILE_BATCH_MAX],
      'all',
    );
    if (ids.length === 0) return { finished: 0, failed: 0 };
    const pending = await em.find(TopUp, { id: { $in: ids.map((r) => r.id) } }, { orderBy: { createdAt: 'asc' }, populate: ['account'] });
    const report: ReconcileReport = { finished: 0, failed: 0 };
    for (const t of pending) {
      try {
        await this.projector.topUpOrAccount(em, t, t.account.getEntity());
        report.finished++;
        this.finishedTotal.inc();
        this.logger.warn({ topUpId: t.id, accountId: t.account.id }, 'unconfirmed top-up finished by the reconciler');
      } catch (err) {
        report.failed++;
        this.failedTotal.inc();
        if (isPermanentRefusal(err)) await this.failures.topUpFailed(em, t, err);
        else this.logger.error({ err, topUpId: t.id, accountId: t.account.id }, 'unconfirmed top-up not finished; retrying next tick');
      }
    }
    return report;
  }
}
