import { Registry, Counter } from 'prom-client';
import { OpsServer, startOpsServer } from './ops-server';

describe('ops server', () => {
  let server: OpsServer;
  let live = true;
  let redisUp = true;

  beforeAll(async () => {
    const registry = new Registry();
    new Counter({ name: 'ops_spec_total', help: 'spec counter', registers: [registry] }).inc();
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      live: () => live,
      checks: {
        redis: async () => {
          if (!redisUp) throw new Error('connection refused');
        },
        nats: async () => undefined,
      },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    live = true;
    redisUp = true;
  });

  it('GET /healthz: 200 while live, 503 while stopping', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    live = false;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
  });

  it('GET /readyz: 200 when every check passes', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
  });

  it('GET /readyz: 503 naming the failing dependency and its error', async () => {
    redisUp = false;
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unready', failing: { redis: 'connection refused' } });
  });

  it('GET /metrics: the registry', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('ops_spec_total 1');
  });

  it('404 elsewhere, 405 for other methods', async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a taken port with EADDRINUSE', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startOpsServer({ host: '127.0.0.1', port, registry: new Registry() })).rejects.toMatchObject({ code: 'EADDRINUSE', port });
  });
});
