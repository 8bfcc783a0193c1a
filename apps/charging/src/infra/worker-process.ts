/**
 * What the charging app's entry points share: running `main` (exit 2 on bad configuration, 1 on any
 * other failure), and for the standalone workers (relay-main.ts, journal-main.ts) a bare /metrics
 * endpoint and the stop-on-signal handling.
 */
import { createServer, type Server } from 'node:http';
import { ConfigError } from '@app/config';
import type { Logger } from '@app/observability';
import type { Registry } from 'prom-client';

/** Runs an entry point's `main`; a ConfigError exits 2 with its message, anything else 1 with `<name>: fatal:` and the stack. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name}: fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

/**
 * Serves `registry` on GET /metrics, and GET /healthz and /readyz (200 while the process runs: the
 * kubelet's liveness and readiness probes in k8s/base); anything else: 404. Port 0: no endpoint.
 */
export function serveMetrics(registry: Registry, host: string, port: number): Server | undefined {
  if (port === 0) return undefined;
  const server = createServer((req, res) => {
    if (req.url === '/healthz' || req.url === '/readyz') {
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    }
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return server.listen(port, host);
}

/**
 * SIGTERM/SIGINT run `shutdown` once and exit 0 (1 when it fails, or when it takes longer than
 * `forceExitMs`); a second signal exits at once with 130.
 */
export function onStopSignals(logger: Logger, name: string, forceExitMs: number, shutdown: () => Promise<void>): void {
  let signalled = false;
  const handle = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(130);
    signalled = true;
    logger.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => process.exit(1), forceExitMs);
    force.unref();
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, `${name} stop failed`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
