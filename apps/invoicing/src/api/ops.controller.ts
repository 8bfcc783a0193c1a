/**
 * Operations endpoints of the invoicing API, unauthenticated and not in OpenAPI: GET /metrics (the
 * process registry: sink, HTTP and Node metrics), GET /healthz (liveness: 503 once stopping) and
 * GET /readyz (readiness: ClickHouse and NATS answer, and PostgreSQL when the billing API runs, each
 * within OPS_CHECK_TIMEOUT_MS; else 503 `{"status":"unready","failing":{...}}`, as the worker
 * processes' ops server answers).
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { failingChecks } from '@app/runtime';
import { HEALTH, type Health } from './infra.module';
import { METRICS_REGISTRY } from './tokens';

@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH) private readonly health: Health,
  ) {}

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.registry.metrics();
    void reply.status(200).header('content-type', this.registry.contentType).send(text);
  }

  @Get('healthz')
  healthz(@Res() reply: FastifyReply): void {
    const live = this.health.live();
    void reply
      .status(live ? 200 : 503)
      .header('content-type', 'text/plain; charset=utf-8')
      .send(live ? 'ok\n' : 'stopping\n');
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const failing = await failingChecks(this.health.checks ?? {});
    if (!this.health.live()) failing.process = 'stopping';
    const ready = Object.keys(failing).length === 0;
    void reply.status(ready ? 200 : 503).send(ready ? { status: 'ready' } : { status: 'unready', failing });
  }
}
