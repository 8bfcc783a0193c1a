/**
 * Operations endpoints, unauthenticated and not in OpenAPI: GET /metrics (the process registry),
 * /healthz (liveness: 503 once stopping), /readyz (PostgreSQL answers within OPS_CHECK_TIMEOUT_MS,
 * else 503 `{"status":"unready","failing":{...}}`, as every Ratel process answers).
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { failingChecks, type ReadinessCheck } from '@app/runtime';
import { HEALTH, METRICS_REGISTRY } from './tokens';

export interface Health {
  live(): boolean;
  checks: Record<string, ReadinessCheck>;
}

@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH) private readonly health: Health,
  ) {}

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    void reply
      .status(200)
      .header('content-type', this.registry.contentType)
      .send(await this.registry.metrics());
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
    const failing = await failingChecks(this.health.checks);
    if (!this.health.live()) failing.process = 'stopping';
    const ready = Object.keys(failing).length === 0;
    void reply.status(ready ? 200 : 503).send(ready ? { status: 'ready' } : { status: 'unready', failing });
  }
}
