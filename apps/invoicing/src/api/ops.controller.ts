/** GET /metrics (Prometheus text of the process registry: sink, HTTP and Node metrics) and GET /healthz; unauthenticated, not in OpenAPI. */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
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
}
