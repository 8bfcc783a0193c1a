/**
 * `npm start`: runs the whole local system. Starts Redis (AOF persistence), NATS with JetStream and
 * PostgreSQL and ClickHouse with their data under .ratel/ (unless REDIS_URL / NATS_URL /
 * DATABASE_URL / CLICKHOUSE_URL are set), applies migrations, seeds the demo data, starts the
 * charging app (gRPC + REST + /metrics) and the invoicing process (sink, usage API, CDR), and
 * prints where everything listens and how to try it. Ctrl-C stops the app, then the servers it
 * started (by PID).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadChargingConfig } from '@app/config';
import { freePort, startClickhouse, startNats, startPostgres, startRedis, StartedServer } from '@app/devstack';
import { bootstrapCharging } from '../apps/charging/src/bootstrap';

const ROOT = resolve(__dirname, '..');
const DATA = join(ROOT, '.ratel');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
/** Ports the local system prefers; a taken port is replaced by a free one. */
const PREFERRED = { grpc: 50051, http: 8080, invoicing: 8081 };
/** How long the invoicing process gets to stop after SIGTERM before SIGKILL. */
const CHILD_STOP_TIMEOUT_MS = 15_000;

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => freePort().then(res));
    s.listen(preferred, '127.0.0.1', () => s.close(() => res(preferred)));
  });
}

function apiKey(): string {
  const file = join(DATA, 'api-key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function runCli(script: string, args: string[], env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, [...TS_NODE, join(ROOT, script), ...args], { cwd: ROOT, env, stdio: 'inherit' });
}

const PIDS_FILE = join(DATA, 'pids.json');

/**
 * Servers of an earlier `npm start` that was killed without its cleanup (for example SIGKILL)
 * still run detached. Stop them by PID, but only when the process's working directory is in our
 * .ratel directory: never a process this launcher did not start.
 */
async function stopStaleServers(): Promise<void> {
  if (!existsSync(PIDS_FILE)) return;
  const pids = JSON.parse(readFileSync(PIDS_FILE, 'utf8')) as number[];
  for (const pid of pids) {
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`); // every server runs in its directory under .ratel/
    } catch {
      continue; // gone, or not ours to inspect
    }
    if (!cwd.startsWith(DATA)) continue;
    process.stdout.write(`start: stopping server left by an earlier run (pid ${pid})\n`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  }
  writeFileSync(PIDS_FILE, '[]');
}

async function startServers(started: StartedServer[]): Promise<void> {
  if (!process.env.REDIS_URL) {
    const s = await startRedis({ dir: join(DATA, 'redis'), persist: true });
    started.push(s);
    process.env.REDIS_URL = s.url;
  }
  if (!process.env.NATS_URL) {
    const s = await startNats({ dir: join(DATA, 'nats') });
    started.push(s);
    process.env.NATS_URL = s.url;
  }
  if (!process.env.DATABASE_URL) {
    const s = await startPostgres({ dir: join(DATA, 'pg'), durable: true });
    started.push(s);
    process.env.DATABASE_URL = s.url;
  }
  if (!process.env.CLICKHOUSE_URL) {
    const s = await startClickhouse({ dir: join(DATA, 'clickhouse') });
    started.push(s);
    process.env.CLICKHOUSE_URL = s.url;
  }
}

/** apps/invoicing (JetStream -> ClickHouse sink, usage API, CDR mediation) as a child process. */
function startInvoicing(env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(join(DATA, 'cdr'), { recursive: true });
  return spawn(process.execPath, [...TS_NODE, join(ROOT, 'apps/invoicing/src/main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, CDR_WATCH_DIR: env.CDR_WATCH_DIR ?? join(DATA, 'cdr') },
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(t);
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const started: StartedServer[] = [];
  const stopServers = () => Promise.all(started.map((s) => s.stop()));
  try {
    await stopStaleServers();
    await startServers(started);
    writeFileSync(PIDS_FILE, JSON.stringify(started.map((s) => s.pid)));
    const key = process.env.RATEL_API_KEYS ?? apiKey();
    const env = {
      ...process.env,
      RATEL_API_KEYS: key,
      RATEL_GRPC_INSECURE: process.env.RATEL_GRPC_INSECURE ?? 'true', // local use only; production configures TLS
      RATEL_GRPC_PORT: String(process.env.RATEL_GRPC_PORT ?? (await portOr(PREFERRED.grpc))),
      RATEL_HTTP_PORT: String(process.env.RATEL_HTTP_PORT ?? (await portOr(PREFERRED.http))),
      INVOICING_HTTP_PORT: String(process.env.INVOICING_HTTP_PORT ?? (await portOr(PREFERRED.invoicing))),
      SINK_METRICS_PORT: '0',
    };
    runCli('scripts/ratel.ts', ['migrate'], env);
    runCli('scripts/ratel.ts', ['seed', '--demo'], env);
    const config = loadChargingConfig(env);
    const app = await bootstrapCharging(config, { shutdownHooks: false });
    const invoicing = startInvoicing(env);
    printBanner(config.RATEL_GRPC_PORT, config.RATEL_HTTP_PORT, Number(env.INVOICING_HTTP_PORT), key, started);
    const shutdown = async () => {
      await stopChild(invoicing);
      await app.close();
      await stopServers();
      process.exit(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } catch (err) {
    await stopServers();
    throw err;
  }
}

function printBanner(grpcPort: number, httpPort: number, invoicingPort: number, key: string, started: StartedServer[]): void {
  const http = `http://127.0.0.1:${httpPort}`;
  const inv = `http://127.0.0.1:${invoicingPort}`;
  const lines = [
    '',
    'Ratel charging is up.',
    `  gRPC (charging.v1, plaintext for local use): 127.0.0.1:${grpcPort}  (health + reflection on)`,
    `  REST provisioning:  ${http}/v1   OpenAPI: ${http}/openapi.json  docs: ${http}/docs`,
    `  metrics:            ${http}/metrics`,
    `  invoicing:          ${inv}/v1/usage, ${inv}/v1/cdr/files, ${inv}/metrics (sink: JetStream -> ClickHouse; CDR drop folder .ratel/cdr/{voice,data})`,
    `  servers started:    ${started.map((s) => `${s.name} ${s.url} (pid ${s.pid})`).join(', ') || 'none (using *_URL)'}`,
    `  API key:            ${key}  (stored in .ratel/api-key)`,
    '',
    'Try it:',
    `  curl -s -H 'x-api-key: ${key}' ${http}/v1/accounts/demo-prepaid-1/balance`,
    `  curl -s -X POST -H 'x-api-key: ${key}' -H 'content-type: application/json' -H 'idempotency-key: try-1' \\`,
    `       -d '{"amount":"5.00"}' ${http}/v1/accounts/demo-prepaid-1/top-ups`,
    `  RATEL_GRPC_ADDR=127.0.0.1:${grpcPort} npm run try:charge   # a voice session and an SMS over gRPC`,
    `  curl -s -H 'x-api-key: ${key}' '${inv}/v1/usage/accounts/demo-prepaid-1/summary?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'`,
    '',
    'Ctrl-C stops the app and the servers started here.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
