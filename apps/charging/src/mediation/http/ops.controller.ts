/**
 * Operations endpoints of the mediation process, unauthenticated and not in OpenAPI, answering like
 * the ops server of @app/runtime (ops-server.ts): GET /healthz (liveness: 503 once stopping),
 * GET /readyz (readiness: Redis, NATS and ClickHouse answer within OPS_CHECK_TIMEOUT_MS each; 200
 * `{"status":"ready"}`, else 503 `{"status":"unready","failing":{...}}` naming the ones that do not)
 * and GET /metrics.
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { clickhouseReady } from '@app/analytics';
import { failingChecks, natsReady } from '@app/runtime';
import type { FastifyReply } from 'fastify';
import { CDR_OPTIONS, type CdrModuleOptions } from '../cdr.tokens';

@ApiExcludeController()
@Controller()
export class MediationOpsController {
  constructor(@Inject(CDR_OPTIONS) private readonly options: CdrModuleOptions) {}

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.options.registry.metrics();
    void reply.status(200).header('content-type', this.options.registry.contentType).send(text);
  }

  @Get('healthz')
  healthz(@Res() reply: FastifyReply): void {
    const live = this.options.health?.live() ?? true;
    void reply.status(live ? 200 : 503).send({ status: live ? 'ok' : 'stopping' });
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const { redis, nats, clickhouse } = this.options;
    const failing = await failingChecks({
      redis: () => redis.ping(),
      nats: () => natsReady(nats),
      clickhouse: () => clickhouseReady(clickhouse),
    });
    if (!(this.options.health?.live() ?? true)) failing.process = 'stopping';
    const ok = Object.keys(failing).length === 0;
    void reply.status(ok ? 200 : 503).send(ok ? { status: 'ready' } : { status: 'unready', failing });
  }
}
