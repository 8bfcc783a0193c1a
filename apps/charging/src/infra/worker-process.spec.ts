/** serveMetrics: the ops endpoint of the relay and the journal (the kubelet probes /healthz and /readyz). */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { serveMetrics } from './worker-process';

describe('serveMetrics', () => {
  const registry = new Registry();
  let server: ReturnType<typeof serveMetrics>;
  let base = '';

  beforeAll(async () => {
    // A free port: listen on an ephemeral one, release it, and serve there.
    const free = createServer().listen(0, '127.0.0.1');
    await once(free, 'listening');
    const port = (free.address() as AddressInfo).port;
    free.close();
    await once(free, 'close');
    server = serveMetrics(registry, '127.0.0.1', port);
    if (!server) throw new Error('no server');
    await once(server, 'listening');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server?.close());

  it.each(['/healthz', '/readyz'])('answers %s with 200', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves /metrics and 404 elsewhere', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('serves nothing on port 0', () => {
    expect(serveMetrics(registry, '127.0.0.1', 0)).toBeUndefined();
  });
});
