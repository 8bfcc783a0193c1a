/** Metrics of the balance engine, registered once per registry (prom-client). */
import { Counter, Histogram, Registry } from 'prom-client';

export const SCRIPT_DURATION_METRIC = 'ratel_script_duration_seconds';
export const RESERVATIONS_EXPIRED_METRIC = 'ratel_reservations_expired_total';
export const EXPIRY_SWEEP_FAILURES_METRIC = 'ratel_expiry_sweep_failures_total';

/** Latency buckets of one script call: 50 µs (a bare hash write) to 250 ms (a stalled Redis). */
const SCRIPT_DURATION_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

export function scriptDurationHistogram(registry: Registry): Histogram<'script'> {
  const existing = registry.getSingleMetric(SCRIPT_DURATION_METRIC);
  if (existing) return existing as Histogram<'script'>;
  return new Histogram({
    name: SCRIPT_DURATION_METRIC,
    help: 'Duration of one balance engine Lua script call, seen from the client',
    labelNames: ['script'],
    buckets: SCRIPT_DURATION_BUCKETS_S,
    registers: [registry],
  });
}

function counter(registry: Registry, name: string, help: string): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, registers: [registry] });
}

export function reservationsExpiredCounter(registry: Registry): Counter {
  return counter(registry, RESERVATIONS_EXPIRED_METRIC, 'Reservations released by the engine after validity + grace');
}

export function sweepFailuresCounter(registry: Registry): Counter {
  return counter(registry, EXPIRY_SWEEP_FAILURES_METRIC, 'Expiry sweeps that failed (Redis unavailable or a script error)');
}
