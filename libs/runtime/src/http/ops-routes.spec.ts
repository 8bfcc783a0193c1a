/** The ops paths on a fastify app driven through `inject` (no network): liveness, readiness with a failing check, metrics. */
import Fastify from 'fastify';
import { Counter, Registry } from 'prom-client';
import { installOpsRoutes } from './ops-routes';

describe('installOpsRoutes', () => {
  const registry = new Registry();
  new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
  let live = true;
  let postgresUp = true;
  const app = Fastify();
  installOpsRoutes(app, {
    registry,
    live: () => live,
    checks: { postgres: async () => (postgresUp ? undefined : Promise.reject(new Error('connection refused'))) },
  });
  afterAll(() => app.close());

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return [res.statusCode, res.body];
  };

  it('answers ready and live while the checks pass, with the metrics', async () => {
    expect(await get('/healthz')).toEqual([200, 'ok\n']);
    expect(await get('/readyz')).toEqual([200, '{"status":"ready"}']);
    expect((await get('/metrics'))[1]).toContain('things_total 3');
  });

  it('is unready naming the failing check, and stopping once not live', async () => {
    postgresUp = false;
    expect(await get('/readyz')).toEqual([503, '{"status":"unready","failing":{"postgres":"connection refused"}}']);
    postgresUp = true;
    live = false;
    expect(await get('/healthz')).toEqual([503, 'stopping\n']);
    expect(await get('/readyz')).toEqual([503, '{"status":"unready","failing":{"process":"stopping"}}']);
  });
});
