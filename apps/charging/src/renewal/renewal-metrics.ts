/** Metrics of the renewal worker (prom-client), registered once per registry. */
import { Counter, Gauge, Registry } from 'prom-client';

export const RENEWAL_PLANNED_METRIC = 'ratel_renewals_planned_total';
export const RENEWAL_ATTEMPTS_METRIC = 'ratel_renewal_attempts_total';
export const RENEWAL_SKIPPED_METRIC = 'ratel_renewals_skipped_total';
export const RENEWAL_RUN_FAILURES_METRIC = 'ratel_renewal_run_failures_total';
export const RENEWAL_LAST_RUN_METRIC = 'ratel_renewal_last_run_timestamp_seconds';

export interface RenewalMetrics {
  planned: Counter;
  /** result: paid, replayed, unpaid, expired, error. */
  attempts: Counter<'result'>;
  /** reason: currency_mismatch. */
  skipped: Counter<'reason'>;
  runFailures: Counter;
  lastRun: Gauge;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function renewalMetrics(registry: Registry): RenewalMetrics {
  const registers = [registry];
  return {
    planned: metric(
      registry,
      RENEWAL_PLANNED_METRIC,
      () => new Counter({ name: RENEWAL_PLANNED_METRIC, help: 'Renewal periods planned (rows created)', registers }),
    ),
    attempts: metric(
      registry,
      RENEWAL_ATTEMPTS_METRIC,
      () => new Counter({ name: RENEWAL_ATTEMPTS_METRIC, help: 'Renewal attempts by result', labelNames: ['result'], registers }),
    ),
    skipped: metric(
      registry,
      RENEWAL_SKIPPED_METRIC,
      () =>
        new Counter({ name: RENEWAL_SKIPPED_METRIC, help: 'Recurring charges not renewed, by reason', labelNames: ['reason'], registers }),
    ),
    runFailures: metric(
      registry,
      RENEWAL_RUN_FAILURES_METRIC,
      () => new Counter({ name: RENEWAL_RUN_FAILURES_METRIC, help: 'Renewal runs that failed', registers }),
    ),
    lastRun: metric(
      registry,
      RENEWAL_LAST_RUN_METRIC,
      () => new Gauge({ name: RENEWAL_LAST_RUN_METRIC, help: 'End of the last successful renewal run', registers }),
    ),
  };
}
