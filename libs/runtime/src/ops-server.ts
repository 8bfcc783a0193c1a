/**
 * The ops endpoints of a worker process (relay, journal, sink-only invoicing), on plain node:http:
 *
 * - GET /healthz: liveness, 200 `ok` while `live()` (default: always), else 503;
 * - GET /readyz: readiness, every check runs (each bounded by OPS_CHECK_TIMEOUT_MS); 200 when all pass,
 *   else 503 with `{"status":"unready","failing":{"<name>":"<error message>"}}`;
 * - GET /metrics: the Prometheus registry.
 *
 * Anything else: 404; a method other than GET: 405.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Longest a readiness check may take before it counts as failing. */
export const OPS_CHECK_TIMEOUT_MS = 2_000;

/** One dependency's readiness: resolves when it answers, rejects (or times out) when not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface OpsServerOptions {
  host: string;
  /** 0: an ephemeral port (callers that treat 0 as "off" do not start the server). */
  port: number;
  registry: Registry;
  /** Readiness checks by dependency name (e.g. `redis`, `nats`, `postgres`). */
  checks?: Record<string, ReadinessCheck>;
  /** Liveness; false (e.g. while stopping) makes /healthz answer 503. */
  live?: () => boolean;
}

export interface OpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function withTimeout(check: ReadinessCheck, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve().then(check), timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check; returns the failing ones by name with their error message. */
export async function failingChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = OPS_CHECK_TIMEOUT_MS,
): Promise<Record<string, string>> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((n) => withTimeout(checks[n], timeoutMs)));
  const failing: Record<string, string> = {};
  results.forEach((r, i) => {
    if (r.status === 'rejected') failing[names[i]] = r.reason instanceof Error ? r.reason.message : String(r.reason);
  });
  return failing;
}

/** Starts the server; rejects when the port cannot be bound (EADDRINUSE names the port). */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const checks = opts.checks ?? {};
  const live = opts.live ?? (() => true);
  const json = { 'content-type': 'application/json' };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    if (path === '/healthz') {
      const ok = live();
      return void res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'stopping\n');
    }
    if (path === '/readyz') {
      failingChecks(checks).then(
        (failing) => {
          const ok = Object.keys(failing).length === 0 && live();
          if (!live()) failing.process = 'stopping';
          res.writeHead(ok ? 200 : 503, json).end(JSON.stringify(ok ? { status: 'ready' } : { status: 'unready', failing }));
        },
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
