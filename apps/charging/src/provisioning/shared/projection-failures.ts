/**
 * Committed writes the balance engine refuses for good. Checking the engine's limits before the
 * commit (engine-limits.ts) leaves only races for this (a refund landing between a top-up's check
 * and its credit) and states an operator made (an account closed after its top-up committed).
 * Retrying them changes nothing, so instead of the top-up reconciler failing on them every minute
 * for ever, each is recorded once in `projection_failure` (the reconciler skips it), counted in
 * ratel_projection_failures_total{reason} and logged; README "Projection failures" says what to do.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter, type Registry } from 'prom-client';
import type { TopUp } from '@app/db';
import { CLOCK, type Clock, LOGGER, type Logger, METRICS_REGISTRY } from '@app/observability';
import { BalanceError, BalanceErrorCode } from '../../balance/balance.errors';
import { ProvisioningError, ProvisioningErrorCode } from '../provisioning-error';

/** Engine answers that the same request would get again: the write can never be applied as it is. */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  BalanceErrorCode.LIMIT_EXCEEDED,
  BalanceErrorCode.ACCOUNT_CLOSED,
  BalanceErrorCode.INVALID_ARGUMENT,
]);

/** The engine refused for good (see PERMANENT_CODES); anything else (Redis away) may pass on a retry. */
export function isPermanentRefusal(err: unknown): err is BalanceError {
  return err instanceof BalanceError && PERMANENT_CODES.has(err.code);
}

@Injectable()
export class ProjectionFailures {
  private readonly failures: Counter<'reason'>;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const name = 'ratel_projection_failures_total';
    this.failures =
      (registry.getSingleMetric(name) as Counter<'reason'> | undefined) ??
      new Counter({
        name,
        help: 'Committed writes the balance engine refused for good (recorded in projection_failure), by engine error code',
        labelNames: ['reason'],
        registers: [registry],
      });
  }

  /** Records the top-up as failed (once) and returns the error for the client: PROJECTION_FAILED. */
  async topUpFailed(em: EntityManager, t: TopUp, err: BalanceError): Promise<ProvisioningError> {
    const inserted = await em.getConnection().execute<Array<{ resource_id: string }>>(
      `insert into "projection_failure" ("kind", "resource_id", "account_id", "code", "message", "failed_at") values ('TOP_UP', ?, ?, ?, ?, ?)
       on conflict ("kind", "resource_id") do nothing returning "resource_id"`,
      [t.id, t.account.id, err.code, err.message, new Date(this.clock.nowMs())],
      'all',
    );
    if (inserted.length > 0) {
      this.failures.inc({ reason: err.code });
      this.logger.error(
        { topUpId: t.id, accountId: t.account.id, code: err.code, err },
        'provisioning: the balance engine refused a committed top-up for good; recorded in projection_failure, needs an operator',
      );
    }
    return new ProvisioningError(
      ProvisioningErrorCode.PROJECTION_FAILED,
      `the top-up ${t.id} is saved but the balance engine refuses it for good (${err.code}: ${err.message}); ` +
        'it is recorded in projection_failure for an operator (README "Projection failures")',
      { accountId: t.account.id, resourceId: t.id },
    );
  }
}
