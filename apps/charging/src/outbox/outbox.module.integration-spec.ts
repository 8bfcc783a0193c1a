/** OutboxModule inside a Nest application context: relay started on bootstrap when enabled, flushed and NATS drained on close. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';

import { requireEnv, startNats, StartedServer, uniqueId } from '@app/devstack';
import Redis from 'ioredis';
import type { NatsConnection } from 'nats';
import { InfraModule } from '../infra/infra.module';
import { NATS_CONNECTION } from '@app/runtime';
import { METRICS_REGISTRY } from '@app/observability';
import type { Registry } from 'prom-client';
import { OutboxRelay } from './outbox-relay';
import { OutboxModule } from './outbox.module';
import { leaseKey } from './relay-lease';
import { RATED_SUBJECT_ROOT } from './outbox-names';
import { fillOutbox, outboxDepth, readStream, waitFor } from './testing/outbox-fixtures';
import { chargingConfigSchema } from '../config';

describe('OutboxModule', () => {
  let dir: string;
  let nats: StartedServer; // of its own: the module uses the production stream names
  let redis: Redis;
  let prefix: string;
  let app: INestApplicationContext | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-module-'));
    nats = await startNats({ dir });
    redis = new Redis(requireEnv('REDIS_URL'));
    prefix = `${uniqueId('m')}:`;
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
    redis.disconnect();
  });

  async function boot(relayEnabled: boolean): Promise<INestApplicationContext> {
    const config = chargingConfigSchema.parse({
      REDIS_URL: requireEnv('REDIS_URL'),
      NATS_URL: nats.url,
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      RATEL_REDIS_PREFIX: prefix,
      RATEL_GRPC_INSECURE: 'true',
      RATEL_API_KEYS: 'k',
      RATEL_LOG_LEVEL: 'silent',
      RATEL_RELAY_ENABLED: String(relayEnabled),
    });
    @Module({ imports: [InfraModule.forRoot(config), OutboxModule] })
    class TestAppModule {}
    app = await NestFactory.createApplicationContext(TestAppModule, { logger: false });
    return app;
  }

  it('starts the relay on bootstrap, relays, and on close flushes, releases the lease and drains NATS', async () => {
    const ctx = await boot(true);
    await fillOutbox(redis, 500, { prefix, subjectRoot: RATED_SUBJECT_ROOT, accounts: 50, label: 'mod' });
    await waitFor('drained', async () => (await outboxDepth(redis, prefix)) === 0, 30_000);
    const nc = ctx.get<NatsConnection>(NATS_CONNECTION);
    expect(await readStream(nc, 'RATEL_RATED')).toHaveLength(500);
    expect(await ctx.get<Registry>(METRICS_REGISTRY).metrics()).toMatch(/^ratel_outbox_depth\{/m);
    await ctx.close();
    app = undefined;
    expect(nc.isClosed()).toBe(true);
    expect(await redis.get(leaseKey(prefix))).toBe(null);
  });

  it('leaves the outbox alone when RATEL_RELAY_ENABLED=false', async () => {
    const ctx = await boot(false);
    await fillOutbox(redis, 10, { prefix, subjectRoot: RATED_SUBJECT_ROOT, accounts: 5, label: 'off' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await outboxDepth(redis, prefix)).toBe(10);
    expect(ctx.get(OutboxRelay).running).toBe(false);
    // A process that does not relay exports no outbox gauges (they would read 0 beside the relay's real ones).
    const exported = await ctx.get<Registry>(METRICS_REGISTRY).metrics();
    expect(exported).not.toMatch(/ratel_outbox_|ratel_relay_/);
  });
});
