/** Request metrics of the mediation HTTP API, by route template (never the raw URL: file ids would explode the label set). */
import type { FastifyInstance } from 'fastify';
import { Histogram, Registry } from 'prom-client';

export function instrumentHttp(fastify: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'ratel_mediation_http_request_duration_seconds',
    help: 'Duration of HTTP requests of the mediation API by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 600],
    registers: [registry],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}
