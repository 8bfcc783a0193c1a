/**
 * The operations paths on a REST app's own port, as plain fastify routes (not Nest controllers, so
 * they carry no auth and stay out of OpenAPI): GET /metrics (the registry), /healthz (liveness: 503
 * `stopping` once `live()` is false), /readyz (every check within OPS_CHECK_TIMEOUT_MS, else 503
 * `{"status":"unready","failing":{...}}`), answering as the worker processes' ops server does.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { failingChecks, type ReadinessCheck } from '../ops-server';

export interface OpsRoutesOptions {
  registry: Registry;
  live(): boolean;
  checks: Record<string, ReadinessCheck>;
}

export function installOpsRoutes(fastify: FastifyInstance, o: OpsRoutesOptions): void {
  fastify.get('/metrics', async (_req, reply) => reply.header('content-type', o.registry.contentType).send(await o.registry.metrics()));
  fastify.get('/healthz', async (_req, reply) => {
    const live = o.live();
    return reply
      .status(live ? 200 : 503)
      .type('text/plain; charset=utf-8')
      .send(live ? 'ok\n' : 'stopping\n');
  });
  fastify.get('/readyz', async (_req, reply) => {
    const failing = await failingChecks(o.checks);
    if (!o.live()) failing.process = 'stopping';
    const ready = Object.keys(failing).length === 0;
    return reply.status(ready ? 200 : 503).send(ready ? { status: 'ready' } : { status: 'unready', failing });
  });
}
