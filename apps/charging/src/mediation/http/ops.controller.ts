/**
 * Operations endpoints of the mediation process, unauthenticated and not in OpenAPI:
 * GET /healthz (liveness: 503 once stopping), GET /readyz (readiness: Redis, NATS and ClickHouse
 * answer within READINESS_TIMEOUT_MS each; 503 naming the ones that do not) and GET /metrics.
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CDR_OPTIONS, type CdrModuleOptions } from '../cdr.tokens';

/** A readiness probe waits at most this long for each server. */
export const READINESS_TIMEOUT_MS = 1_000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

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
    const checks: Record<string, () => Promise<unknown>> = {
      redis: () => redis.ping(),
      nats: () => (nats.isClosed() ? Promise.reject(new Error('closed')) : nats.flush()),
      clickhouse: async () => {
        const r = await clickhouse.ping();
        if (!r.success) throw r.error;
      },
    };
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await within(check(), READINESS_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `unreachable: ${err instanceof Error ? err.message : String(err)}`] as const;
        }
      }),
    );
    const ready = (this.options.health?.live() ?? true) && results.every(([, s]) => s === 'ok');
    void reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  }
}
