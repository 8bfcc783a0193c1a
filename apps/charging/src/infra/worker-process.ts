/**
 * What the charging app's standalone worker processes (relay-main.ts, journal-main.ts) share: a
 * bare /metrics endpoint and the stop-on-signal handling.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '@app/observability';
import type { Registry } from 'prom-client';

/** Serves `registry` on GET /metrics (anything else: 404). */
export function serveMetrics(registry: Registry, host: string, port: number): Server {
  const server = createServer((req, res) => {
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
