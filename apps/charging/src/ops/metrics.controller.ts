/** Prometheus scrape endpoint and liveness/readiness probes of the charging app. */
import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { METRICS_REGISTRY } from '@app/observability';
import type { RedisClient } from '@app/keyspace';
import type { Registry } from 'prom-client';
import { REDIS } from '../infra/redis';

/** A readiness probe waits at most this long for Redis. */
export const READINESS_TIMEOUT_MS = 1_000;

@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(): Promise<{ status: 'ok' }> {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), READINESS_TIMEOUT_MS).unref());
    try {
      await Promise.race([this.redis.ping(), timeout]);
    } catch {
      throw new ServiceUnavailableException('redis not reachable');
    }
    return { status: 'ok' };
  }
}
