/** The expiry sweeper: wiring through BalanceModule, timed sweeps, metrics, clean shutdown. */
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { requireEnv, uniqueId } from '@app/devstack';
import { CLOCK, createLogger, FakeClock, LOGGER, METRICS_REGISTRY } from '@app/observability';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { REDIS } from '../infra/redis';
import { BALANCE_ENGINE } from './balance-engine.port';
import { scriptDurationHistogram } from './balance-metrics';
import { BalanceModule } from './balance.module';
import { ExpirySweeper } from './expiry-sweeper';
import { RedisBalanceEngine } from './redis-balance-engine';
import { flatRate, group, openEngine, prepaid, sessionCmd, T0 } from './test/balance-test-kit';
import { CHARGING_CONFIG, type ChargingConfig } from '../config';

const logger = createLogger('test', 'silent');

async function bootModule(redis: Redis, sweepEnabled: boolean) {
  const prefix = `${uniqueId('mod')}:`;
  // Only the variables BalanceModule reads; the rest of ChargingConfig does not matter here.
  const config = { RATEL_REDIS_PREFIX: prefix, RATEL_EXPIRY_SWEEP_ENABLED: sweepEnabled } as ChargingConfig;
  @Global()
  @Module({
    providers: [
      { provide: REDIS, useValue: redis },
      { provide: CHARGING_CONFIG, useValue: config },
      { provide: CLOCK, useValue: new FakeClock(T0) },
      { provide: LOGGER, useValue: logger },
      { provide: METRICS_REGISTRY, useValue: new Registry() },
    ],
    exports: [REDIS, CHARGING_CONFIG, CLOCK, LOGGER, METRICS_REGISTRY],
  })
  class TestInfra {}
  @Module({ imports: [TestInfra, BalanceModule] })
  class TestRoot {}
  const app = await NestFactory.createApplicationContext(TestRoot, { logger: false });
  app.enableShutdownHooks();
  await app.init();
  return { app, prefix };
}

describe('ExpirySweeper', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it.each([true, false])('BalanceModule provides the engine on the configured prefix; sweeper enabled=%s', async (enabled) => {
    const { app, prefix } = await bootModule(redis, enabled);
    const engine = app.get<RedisBalanceEngine>(BALANCE_ENGINE);
    expect(engine).toBeInstanceOf(RedisBalanceEngine);
    expect(engine.keys.prefix).toBe(prefix);
    const sweeper = app.get(ExpirySweeper);
    expect(sweeper.isRunning).toBe(enabled);
    await app.close();
    expect(sweeper.isRunning).toBe(false);
  });

  it('releases due reservations on its timer, counts them and records script latency', async () => {
    const registry = new Registry();
    const t = await openEngine('sweep', registry);
    const clock = new FakeClock(T0);
    const sweeper = new ExpirySweeper(t.engine, clock, registry, logger, { enabled: true, intervalMs: 10, batchMax: 2 });
    try {
      await t.engine.upsertAccount(prepaid('w1'), 1_000_000n);
      const rate = flatRate('SECONDS', 1_000);
      for (let i = 0; i < 5; i++) {
        await t.engine.charge(sessionCmd('START', 'w1', `s${i}`, 0, [group(1, 10, 0, rate)], { validityMs: 1_000, graceMs: 0 }));
      }
      sweeper.start();
      await new Promise((r) => setTimeout(r, 50));
      expect((await t.engine.getBalance('w1', T0))?.reservations).toHaveLength(5); // not due yet
      clock.advance(1_000);
      for (let i = 0; i < 100 && (await t.engine.getBalance('w1', T0))!.reservations.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await t.engine.getBalance('w1', T0)).toMatchObject({ reservedMicros: 0n, reservations: [] });
      await sweeper.stop();
      expect(sweeper.isRunning).toBe(false);
      const metrics = await registry.getMetricsAsJSON();
      const expired = metrics.find((m) => m.name === 'ratel_reservations_expired_total');
      expect(expired?.values[0].value).toBe(5);
      const durations = await scriptDurationHistogram(registry).get();
      const count = durations.values.find(
        (v) => v.metricName === 'ratel_script_duration_seconds_count' && v.labels.script === 'expireReservation',
      );
      expect(count?.value).toBe(5);
    } finally {
      await sweeper.stop();
      await t.close();
    }
  });
});
