/**
 * How every Ratel process runs its `main` and stops on signals.
 *
 * Exit codes: 0 clean stop, 1 failure (start-up or run), 2 bad configuration (ConfigError),
 * 130 a second SIGTERM/SIGINT while stopping. A fatal error is written to stderr as ONE JSON line
 * in pino's shape (level 60, time, name, app, msg, err with type, code and message), so log
 * collectors parse it like every other line of the process.
 */
import { ConfigError } from '@app/config';
import type { Logger } from '@app/observability';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_CONFIG = 2;
export const EXIT_SECOND_SIGNAL = 130;

/** pino's level number of `fatal`. */
const PINO_FATAL_LEVEL = 60;

/** The fields of a Node error worth a log line (EADDRINUSE carries address and port, ConfigError its message). */
function errFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const e = err as Error & { code?: unknown; address?: unknown; port?: unknown; syscall?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: e.message };
  if (e.code !== undefined) out.code = e.code;
  if (e.syscall !== undefined) out.syscall = e.syscall;
  if (e.address !== undefined) out.address = e.address;
  if (e.port !== undefined) out.port = e.port;
  if (!(err instanceof ConfigError)) out.stack = e.stack;
  return out;
}

/** The one JSON line runMain writes for a fatal error (exported for tests and for callers that exit themselves). */
export function fatalLine(name: string, err: unknown): string {
  const fields = errFields(err);
  const msg = err instanceof ConfigError ? `bad configuration: ${err.message}` : `fatal: ${String(fields.message)}`;
  return `${JSON.stringify({ level: PINO_FATAL_LEVEL, time: Date.now(), name, app: name, msg, err: fields })}\n`;
}

/** Runs an entry point's `main`; a ConfigError exits 2, anything else 1, each after one JSON line on stderr. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(fatalLine(name, err), () => {
      process.exit(err instanceof ConfigError ? EXIT_BAD_CONFIG : EXIT_FAILURE);
    });
  });
}

/**
 * SIGTERM/SIGINT run `shutdown` once and exit 0 (1 when it fails, or when it takes longer than
 * `forceExitMs`); a second signal exits at once with 130. Returns a function that removes the handlers.
 */
export function onStopSignals(logger: Logger, name: string, forceExitMs: number, shutdown: () => Promise<void>): () => void {
  let signalled = false;
  const handle = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(EXIT_SECOND_SIGNAL);
    signalled = true;
    logger.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => {
      logger.error({ forceExitMs }, `${name} did not stop in time`);
      process.exit(EXIT_FAILURE);
    }, forceExitMs);
    force.unref();
    shutdown().then(
      () => process.exit(EXIT_OK),
      (err: unknown) => {
        logger.error({ err }, `${name} stop failed`);
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  return () => {
    process.off('SIGTERM', handle);
    process.off('SIGINT', handle);
  };
}
