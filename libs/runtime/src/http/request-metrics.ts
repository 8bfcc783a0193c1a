/**
 * Request metrics of every REST API: one histogram, `ratel_http_request_duration_seconds`, by
 * method, route template (never the raw URL: ids would explode the label set) and status. A request
 * no route matched counts under the route `unmatched`. The processes tell their apps apart by the
 * registry's `app` label.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

export const HTTP_REQUEST_DURATION_METRIC = 'ratel_http_request_duration_seconds';
/** Route label of a request that matched no route (404s of unknown paths). */
export const UNMATCHED_ROUTE = 'unmatched';
/** Bucket bounds in seconds: provisioning writes take milliseconds, a reconciliation may take minutes. */
export const HTTP_DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 300];

type DurationHistogram = Histogram<'method' | 'route' | 'status'>;

/** The histogram on `registry`, registered once even when several apps of one process share it (tests). */
export function httpRequestDuration(registry: Registry): DurationHistogram {
  const existing = registry.getSingleMetric(HTTP_REQUEST_DURATION_METRIC);
  if (existing !== undefined) return existing as DurationHistogram;
  return new Histogram({
    name: HTTP_REQUEST_DURATION_METRIC,
    help: 'Duration of REST requests by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_DURATION_BUCKETS_S,
    registers: [registry],
  });
}

function routeOf(request: FastifyRequest): string {
  try {
    return request.routeOptions.url ?? UNMATCHED_ROUTE;
  } catch {
    return UNMATCHED_ROUTE;
  }
}

/** Observes every response of `fastify` on the histogram. */
export function instrumentHttpRequests(fastify: FastifyInstance, registry: Registry): void {
  const duration = httpRequestDuration(registry);
  fastify.addHook('onResponse', (request, reply, done) => {
    duration.observe({ method: request.method, route: routeOf(request), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}
