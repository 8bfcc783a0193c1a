/**
 * The real charging app (apps/charging/src/main.ts) as a child process for collections' end-to-end
 * tests, configured as its Deployment is: its own PostgreSQL database (migrated), Redis prefix, free
 * gRPC and HTTP ports, the caller's nats-server. Collections talks to it only through its APIs, so
 * nothing of apps/charging is imported. Tests only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { migrate } from '@app/db';
import { createTestDatabase, freePort, requireEnv, uniqueId, waitFor } from '@app/devstack';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
/** ts-node compiles the charging app on start: time for a busy machine. */
export const CHARGING_START_TIMEOUT_MS = 90_000;

export interface ChargingProcess {
  /** Its environment: DATABASE_URL, ports, RATEL_API_KEYS (`<apiKey>:read+write`)... */
  env: Record<string, string>;
  httpBase: string;
  grpcAddress: string;
  /** Starts main.ts and waits until /readyz answers 200. */
  start(): Promise<void>;
  /** SIGTERM, then waits for the exit; nothing when it is not running. */
  stop(): Promise<void>;
  /** A REST call with the API key; the body parsed as JSON. */
  rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** Prepares (does not start) a charging process; `label` names its test database (letters, digits, _). */
export async function chargingProcess(o: { natsUrl: string; apiKey: string; label: string }): Promise<ChargingProcess> {
  const databaseUrl = await createTestDatabase(o.label);
  await migrate(databaseUrl);
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const httpBase = `http://127.0.0.1:${httpPort}`;
  const env = {
    REDIS_URL: requireEnv('REDIS_URL'),
    NATS_URL: o.natsUrl,
    DATABASE_URL: databaseUrl,
    RATEL_REDIS_PREFIX: `${uniqueId(o.label)}:`,
    RATEL_GRPC_HOST: '127.0.0.1',
    RATEL_GRPC_PORT: String(grpcPort),
    RATEL_GRPC_INSECURE: 'true',
    RATEL_HTTP_HOST: '127.0.0.1',
    RATEL_HTTP_PORT: String(httpPort),
    RATEL_API_KEYS: `${o.apiKey}:read+write`,
    RATEL_LOG_LEVEL: 'warn',
  };
  let child: ChildProcess | undefined;
  return {
    env,
    httpBase,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    start: async () => {
      child = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/main.ts'],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, ...env },
        },
      );
      await waitFor(
        'charging ready',
        async () => (await fetch(`${httpBase}/readyz`).catch(() => undefined))?.ok === true,
        CHARGING_START_TIMEOUT_MS,
        200,
      );
    },
    stop: async () => {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
    rest: async (method, path, body) => {
      const res = await fetch(`${httpBase}${path}`, {
        method,
        headers: { 'x-api-key': o.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
  };
}
